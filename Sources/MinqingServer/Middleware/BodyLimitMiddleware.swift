import Hummingbird
import NIOCore

/// Reads a request's whole body up to a limit before the route runs, so that an oversized body is a
/// 413 problem whatever the route (the generated JSON handlers would otherwise read without end).
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let maximumBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        do {
            _ = try await request.collectBody(upTo: maximumBytes)
        } catch is NIOTooManyBytesError {
            throw Problem(status: .contentTooLarge, kind: "too-large", title: "Too large", detail: "the body may be at most \(maximumBytes) bytes")
        }
        return try await next(request, context)
    }
}
