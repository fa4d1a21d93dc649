import Foundation
import HTTPTypes
import Hummingbird
import MinqingCore
import MinqingStore

/// Who is calling and from where. ``AuthenticationMiddleware`` reads it once per request and puts it
/// on the request context for hand-written routes and in ``Caller/current`` for the generated API
/// handlers, which never see the context.
struct Caller: Sendable {
    enum Credential: Sendable {
        /// Nothing was sent: public routes go on, the others answer 401.
        case none
        /// A browser signed in with a session cookie (and, on unsafe requests, its CSRF token).
        case session(SessionHolder, token: String)
        /// A device or an integration with an API key; the actor carries the key's scopes.
        case apiKey(Actor)
        /// 群众: a resident on the citizens' page, without an account, known by a case's follow code
        /// (``Actor/resident(city:followCodeDigest:)``).
        case resident(Actor)
        /// A credential was sent and refused: routes that need a caller answer with this problem.
        case refused(Problem)
        /// Acts unchecked: only in the access-control benchmark (``ServerConfiguration/unauthenticatedActorForBenchmarks``).
        case unchecked(Actor)
    }

    var credential: Credential
    var address: String?

    @TaskLocal static var current = Caller(credential: .none, address: nil)

    /// The account acting, or the problem to answer with.
    func actor() throws -> Actor {
        switch credential {
        case .session(let holder, _): holder.actor
        case .apiKey(let actor), .resident(let actor), .unchecked(let actor): actor
        case .refused(let problem): throw problem
        case .none: throw Problem.unauthorized("sign in, or send an API key as Authorization: Bearer mq_…")
        }
    }

    /// The signed-in session, for what only a person in a browser does (change a password, sign out).
    func session() throws -> (holder: SessionHolder, token: String) {
        if case .session(let holder, let token) = credential { return (holder, token) }
        if case .apiKey = credential { throw Problem.forbidden("this needs a signed-in session, not an API key") }
        _ = try actor()
        throw Problem.unauthorized("sign in first: no live session")
    }

    /// Whether the policy allows the action, for answers that show more to some than to others.
    func authorizes(_ action: Action, _ resource: Resource, areas: any AreaAncestry) -> Bool {
        guard let actor = try? actor() else { return false }
        if case .unchecked = credential { return true }
        return Policy.decide(actor, action, resource, areas: areas).isAllowed
    }

    /// Refuses, before anything is looked up, a caller whom no scope could help: one holding no role
    /// for the action, or a key not issued for it. Otherwise "no such record" and "not yours to see"
    /// would answer differently, and tell what exists.
    func requireRole(for action: Action, in city: String) throws {
        let actor = try actor()
        if case .unchecked = credential { return }
        switch Policy.decide(actor, action, Resource(city: city), purpose: "-", areas: AreaTree.empty) {
        case .deny(.noRole): throw Problem.forbidden("\(actor.username) holds no role that may \(action.rawValue)")
        case .deny(.keyScope): throw Problem.forbidden("this API key was not issued for \(action.rawValue)")
        default: return
        }
    }

    /// Asks the policy and turns a refusal into the answer: a read refused for scope is a 404, so that
    /// nobody learns what exists outside their scope; anything else refused is a 403 with the reason.
    @discardableResult
    func authorize(
        _ action: Action,
        _ resource: Resource,
        purpose: String? = nil,
        areas: any AreaAncestry,
        notFound: @autoclosure () -> String = "not found"
    ) throws -> Actor {
        let actor = try actor()
        if case .unchecked = credential { return actor }
        guard case .deny(let refusal) = Policy.decide(actor, action, resource, purpose: purpose, areas: areas) else { return actor }
        switch refusal {
        case .otherCity, .outsideArea, .otherDepartment, .notOwner:
            if action.isRead { throw Problem.notFound(notFound()) }
            throw Problem.forbidden("\(actor.username) may not \(action.rawValue) here (\(refusal.rawValue))")
        case .purposeRequired:
            throw Problem.badRequest("state the purpose of reading personal data in full (purpose)")
        case .keyScope:
            throw Problem.forbidden("this API key was not issued for \(action.rawValue)")
        case .noRole:
            throw Problem.forbidden("\(actor.username) holds no role that may \(action.rawValue)")
        }
    }
}

/// Reads the caller of every request, once: `Authorization: Bearer mq_…` (an API key) or the session
/// cookie. A session on an unsafe request (anything but GET, HEAD, OPTIONS) must also send its CSRF
/// token in `X-CSRF-Token`, or it does not count. A credential that was sent and is wrong is
/// remembered as refused, never silently treated as anonymous.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    let store: Store
    /// Set only by the access-control benchmark.
    let uncheckedActor: Actor?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let uncheckedActor {
            context.caller.credential = .unchecked(uncheckedActor)
        } else {
            context.caller.credential = try await credential(of: request)
        }
        return try await Caller.$current.withValue(context.caller) { try await next(request, context) }
    }

    func credential(of request: Request) async throws -> Caller.Credential {
        if let header = request.headers[.authorization] {
            // The scheme name is case-insensitive (RFC 9110 §11.1); spaces around the key are not part of it.
            guard header.utf8.count > 7, header.prefix(7).lowercased() == "bearer " else {
                return .refused(.unauthorized("send an API key as Authorization: Bearer mq_…"))
            }
            var key = header.dropFirst(7)
            while key.first == " " { key = key.dropFirst() }
            while key.last == " " { key = key.dropLast() }
            guard let actor = try await store.apiKeyActor(String(key)) else {
                return .refused(.unauthorized("the API key is unknown, revoked or expired"))
            }
            return .apiKey(actor)
        }
        guard let token = SessionController.token(of: request) else { return .none }
        guard let holder = try await store.session(token: token) else {
            return .refused(.unauthorized("the session has ended: sign in again"))
        }
        if ![.get, .head, .options].contains(request.method) {
            guard Secret.equal(request.headers[Self.csrfHeader] ?? "", holder.csrfToken) else {
                return .refused(.forbidden("send the session's CSRF token in X-CSRF-Token"))
            }
        }
        return .session(holder, token: token)
    }
}
