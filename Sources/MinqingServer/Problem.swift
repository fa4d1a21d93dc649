import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MinqingCore
import MinqingStore
import NIOCore
import OpenAPIRuntime

/// An RFC 9457 problem: the one shape of every error the server returns. `type` is a stable URN
/// clients can switch on; `detail` names the field and the value that were wrong.
struct Problem: Error, Sendable {
    var status: HTTPResponse.Status
    /// The last part of the type URN, e.g. `not-found`.
    var kind: String
    var title: String
    var detail: String
    var issues: [GridImportIssue]? = nil
    /// For an action refused in a case's state: the state, and the actions it allows.
    var state: String? = nil
    var allowedActions: [String]? = nil
    /// For a refusal by rate: whole seconds to wait, sent as `Retry-After`.
    var retryAfter: Int? = nil

    /// Too many requests of a kind (sign-in attempts, citizens' reports): 429 with `Retry-After`.
    static func rateLimited(_ title: String, _ detail: String, wait: Int) -> Problem {
        Problem(status: .tooManyRequests, kind: "rate-limited", title: title, detail: "\(detail); try again in \(wait) seconds", retryAfter: wait)
    }

    static func badRequest(_ detail: String) -> Problem {
        Problem(status: .badRequest, kind: "invalid-request", title: "The request is not valid", detail: detail)
    }

    static func notFound(_ detail: String) -> Problem {
        Problem(status: .notFound, kind: "not-found", title: "Not found", detail: detail)
    }

    static func unauthorized(_ detail: String) -> Problem {
        Problem(status: .unauthorized, kind: "unauthorized", title: "Authentication required", detail: detail)
    }

    static func forbidden(_ detail: String) -> Problem {
        Problem(status: .forbidden, kind: "forbidden", title: "Not allowed", detail: detail)
    }

    static func unavailable(_ detail: String) -> Problem {
        Problem(status: .serviceUnavailable, kind: "unavailable", title: "Not ready", detail: detail)
    }

    var type: String { "urn:minqing:problem:\(kind)" }

    private struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var instance: String?
        var issues: [IssueBody]?
        var state: String?
        var allowedActions: [String]?

        enum CodingKeys: String, CodingKey {
            case type, title, status, detail, instance, issues, state
            case allowedActions = "allowed_actions"
        }
    }

    struct IssueBody: Encodable {
        var severity: String
        var kind: String
        var feature: Int?
        var code: String?
        var place: [Double]?
        var message: String

        init(_ issue: GridImportIssue) {
            severity = issue.severity.rawValue
            kind = issue.kind.rawValue
            feature = issue.feature
            code = issue.code
            place = issue.place.map { [$0.longitude, $0.latitude] }
            message = issue.message
        }
    }

    func response(instance: String?) -> Response {
        let body = Body(
            type: type,
            title: title,
            status: Int(status.code),
            detail: detail,
            instance: instance,
            issues: issues?.map(IssueBody.init),
            state: state,
            allowedActions: allowedActions
        )
        let data = (try? JSONEncoder.api.encode(body)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension JSONEncoder {
    /// The one encoder of hand-written JSON responses: ISO 8601 dates, sorted keys.
    static let api: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// Turns every error into problem details: ours as they are, the router's and the OpenAPI layer's by
/// their status, anything else as a 500 that says nothing of the inside (it is logged instead).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return problem(for: error, context: context).response(instance: request.uri.path)
        }
    }

    private func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as ServerError:
            // What a generated handler threw is inside: ours, or the store's.
            if error.underlyingError is Problem || error.underlyingError is StoreError {
                return problem(for: error.underlyingError, context: context)
            }
            if error.underlyingError is DecodingError || (400..<500).contains(Int(error.httpStatus.code)) {
                let status = error.httpStatus.code >= 400 && error.httpStatus.code < 500 ? error.httpStatus : .badRequest
                return Problem(status: status, kind: "invalid-request", title: "The request is not valid", detail: Self.describe(error))
            }
            return internalError(error, context)
        case let error as StoreError:
            switch error {
            case .conflict(let message): return Problem(status: .conflict, kind: "conflict", title: "Conflict", detail: message)
            case .notFound(let message): return Problem.notFound(message)
            case .invalid(let problem): return Problem.badRequest(problem.description)
            case .invalidConfiguration: return internalError(error, context)
            }
        case let error as HTTPError:
            guard error.status.code < 500 else { return internalError(error, context) }
            let kind = error.status == .notFound ? "not-found" : error.status == .contentTooLarge ? "too-large" : "invalid-request"
            return Problem(status: error.status, kind: kind, title: error.status.reasonPhrase, detail: error.body ?? error.status.reasonPhrase)
        default:
            return internalError(error, context)
        }
    }

    private func internalError(_ error: any Error, _ context: Context) -> Problem {
        // The error's plain description only: database errors' debug descriptions carry bound values.
        context.logger.error("request failed", metadata: ["error": "\(type(of: error)): \(String(describing: error))"])
        return Problem(status: .internalServerError, kind: "internal", title: "Internal error", detail: "The server could not complete the request.")
    }

    /// Names the field that was wrong and how; the decoder's own words only where they say more.
    private static func describe(_ error: ServerError) -> String {
        guard case let decoding as DecodingError = error.underlyingError else { return error.causeDescription }
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            (context.codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            return "the field \(path(context, key)) is required"
        case .valueNotFound(_, let context):
            return "the field \(path(context)) must not be null"
        case .typeMismatch(let type, let context):
            let field = path(context)
            return field.isEmpty ? "the body must be a JSON object" : "the field \(field) has the wrong type (expected \(type))"
        case .dataCorrupted(let context):
            let field = path(context)
            return field.isEmpty
                ? "the body is not valid: \(context.debugDescription)" : "the field \(field) is not valid: \(context.debugDescription)"
        @unknown default:
            return error.causeDescription
        }
    }
}
