import Hummingbird
import MinqingCore
import NIOCore

/// Reads a request's whole body up to a limit before the route runs, so that an oversized body is a
/// 413 problem whatever the route (the generated JSON handlers would otherwise read without end). A
/// report with photos (multipart `POST /api/v1/cases`) by a signed-in caller may be larger: nobody
/// without credentials makes the server hold more than the small limit.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    let maximumBytes: Int
    let photoBytes: Int

    /// The most a body without photos may hold: a JSON request, a form.
    static let smallBody = 64 * 1024
    /// The most a body with a report's photos may hold.
    static let withPhotos = Photo.maximumCount * Photo.maximumBytes + smallBody

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let withPhotos =
            (try? context.caller.actor()) != nil && request.method == .post && request.uri.path == "/api/v1/cases"
            && request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true
        let limit = withPhotos ? photoBytes : maximumBytes
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Problem(status: .contentTooLarge, kind: "too-large", title: "Too large", detail: "the body may be at most \(limit) bytes")
        }
        return try await next(request, context)
    }
}
