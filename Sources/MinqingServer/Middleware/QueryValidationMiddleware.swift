import Foundation
import Hummingbird

/// Checks every query parameter against openapi.yaml before a handler runs, so that a bad value is
/// answered with a problem that names the parameter and the value (the generated decoders say only
/// "failed to convert"). Built once from the served document: the contract and the check cannot drift.
struct QueryValidationMiddleware<Context: RequestContext>: RouterMiddleware {
    struct Rule: Sendable {
        var name: String
        var required: Bool
        var type: String?
        var allowed: [String]?
        var minimum: Double?
        var maximum: Double?
        var maxLength: Int?
    }

    struct Operation: Sendable {
        var method: String
        var segments: [String]
        var rules: [Rule]
    }

    let operations: [Operation]

    /// Reads the rules of every operation from the OpenAPI document (JSON).
    init(openAPI document: Data) throws {
        guard let root = try JSONSerialization.jsonObject(with: document) as? [String: Any],
            let paths = root["paths"] as? [String: Any]
        else { throw Problem.unavailable("openapi.json has no paths") }
        let base = ((root["servers"] as? [[String: Any]])?.first?["url"] as? String) ?? ""
        func resolve(_ value: Any?) -> [String: Any]? {
            guard let object = value as? [String: Any] else { return nil }
            guard let reference = object["$ref"] as? String else { return object }
            var node: Any? = root
            for part in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
            return resolve(node)
        }
        var operations: [Operation] = []
        for (path, item) in paths {
            guard let item = item as? [String: Any] else { continue }
            for (method, value) in item {
                guard let operation = value as? [String: Any] else { continue }
                let rules = ((operation["parameters"] as? [Any]) ?? []).compactMap(resolve).compactMap { parameter -> Rule? in
                    guard parameter["in"] as? String == "query", let name = parameter["name"] as? String else { return nil }
                    let schema = resolve(parameter["schema"]) ?? [:]
                    return Rule(
                        name: name,
                        required: parameter["required"] as? Bool ?? false,
                        type: schema["type"] as? String,
                        allowed: (schema["enum"] as? [Any])?.map { "\($0)" },
                        minimum: (schema["minimum"] as? NSNumber)?.doubleValue,
                        maximum: (schema["maximum"] as? NSNumber)?.doubleValue,
                        maxLength: (schema["maxLength"] as? NSNumber)?.intValue
                    )
                }
                operations.append(
                    Operation(method: method.uppercased(), segments: (base + path).split(separator: "/").map(String.init), rules: rules)
                )
            }
        }
        // Literal paths before templated ones, so /grids/import is not taken for /grids/{code}.
        self.operations = operations.sorted { $0.segments.filter { $0.hasPrefix("{") }.count < $1.segments.filter { $0.hasPrefix("{") }.count }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let request = Self.droppingEmptyParameters(request)
        let segments = request.uri.path.split(separator: "/")
        if let operation = operations.first(where: { operation in
            operation.method == request.method.rawValue && operation.segments.count == segments.count
                && zip(operation.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }) {
            try check(request.uri.queryParameters, against: operation.rules)
        }
        return try await next(request, context)
    }

    /// `?crs=&lat=1` reads as `?lat=1`: an empty parameter counts as absent everywhere.
    private static func droppingEmptyParameters(_ request: Request) -> Request {
        guard let query = request.uri.query, query.split(separator: "&").contains(where: { $0.hasSuffix("=") || !$0.contains("=") }) else {
            return request
        }
        var head = request.head
        let kept = query.split(separator: "&").filter { !$0.hasSuffix("=") && $0.contains("=") }
        head.path = request.uri.path + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        return Request(head: head, body: request.body)
    }

    private func check(_ query: Parameters, against rules: [Rule]) throws {
        for rule in rules {
            guard let raw = query[Substring(rule.name)] else {
                if rule.required { throw Problem.badRequest("the query parameter \(rule.name) is required") }
                continue
            }
            let value = String(raw)
            if let allowed = rule.allowed, !allowed.contains(value) {
                throw Problem.badRequest("\(rule.name) must be one of \(allowed.joined(separator: ", ")), not \(value)")
            }
            if let maxLength = rule.maxLength, value.count > maxLength {
                throw Problem.badRequest("\(rule.name) may be at most \(maxLength) characters")
            }
            guard rule.type == "number" || rule.type == "integer" else { continue }
            guard let number = rule.type == "integer" ? Int(value).map(Double.init) : Double(value), number.isFinite else {
                throw Problem.badRequest("\(rule.name) must be \(rule.type == "integer" ? "a whole number" : "a number"), not \(value)")
            }
            if let minimum = rule.minimum, number < minimum {
                throw Problem.badRequest("\(rule.name) must be at least \(Self.plain(minimum)), not \(value)")
            }
            if let maximum = rule.maximum, number > maximum {
                throw Problem.badRequest("\(rule.name) must be at most \(Self.plain(maximum)), not \(value)")
            }
        }
    }

    private static func plain(_ number: Double) -> String {
        number == number.rounded() ? String(Int(number)) : String(number)
    }
}
