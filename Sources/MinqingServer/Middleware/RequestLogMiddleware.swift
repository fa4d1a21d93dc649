import Hummingbird
import Logging

/// Logs each request at debug level by its method and path, never its query string: a query may
/// carry an Open311 `api_key` or the purpose of reading a resident's data (Hummingbird's own request
/// log writes the whole URI).
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        context.logger.debug(
            "Request",
            metadata: ["hb.request.method": .stringConvertible(request.method), "hb.request.path": .string(request.uri.path)]
        )
        return try await next(request, context)
    }
}
