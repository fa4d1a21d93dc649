import Hummingbird
import MinqingCore
import NIOCore

/// The context of every request: who is calling and from where.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AuthenticationMiddleware`` before any route runs.
    var caller: Caller
    /// The client's IP address, for the audit log and the rate limits.
    public var remoteAddress: String? { caller.address }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        caller = Caller(credential: .none, address: source.channel.remoteAddress?.ipAddress)
    }
}

/// The context of routes that need a caller: it cannot be made without one, so a hand-written
/// route in a group of this context cannot forget to check (STYLE.md rule 4).
struct SignedInRequestContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    var caller: Caller
    /// The account acting, as the policy sees it.
    let actor: Actor

    init(context: AppRequestContext) throws {
        coreContext = context.coreContext
        caller = context.caller
        actor = try context.caller.actor()
    }

    var remoteAddress: String? { caller.address }
}
