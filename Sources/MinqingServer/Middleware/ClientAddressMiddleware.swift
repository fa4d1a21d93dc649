import Hummingbird
import MinqingCore

/// Finds the client's address behind trusted reverse proxies (``ClientAddress/resolve(peer:forwardedFor:trusted:)``),
/// for the audit log and the rate limits. Without trusted proxies, the peer is the client.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trusted: [AddressRange]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !trusted.isEmpty else { return try await next(request, context) }
        var context = context
        context.caller.address = ClientAddress.resolve(
            peer: context.caller.address,
            forwardedFor: request.headers[values: .init("X-Forwarded-For")!],
            trusted: trusted
        )
        return try await next(request, context)
    }
}
