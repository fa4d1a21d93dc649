import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import MinqingCore
import MinqingStore
import NIOCore
import NIOPosix

/// Sign-in for browsers: `POST /api/v1/session` checks the password and sets a session cookie
/// (Secure, HttpOnly, SameSite=Strict; a new token every time, so a planted one is never adopted);
/// unsafe requests carry the session's CSRF token in `X-CSRF-Token` (``AuthenticationMiddleware``
/// checks it). Written by hand, like the import,
/// because it sets cookies; its contract is in openapi.yaml.
struct SessionController {
    static let cookieName = "minqing_session"
    let store: Store
    let bcryptCost: UInt8
    /// Sign-in attempts per client address (``ServerConfiguration/signInBurst``).
    let attempts: RateLimit
    /// A bcrypt hash of nothing anyone knows, at the configured cost, checked for unknown usernames
    /// so that they take as long as known ones.
    let decoyHash: String

    init(store: Store, configuration: ServerConfiguration) {
        self.store = store
        bcryptCost = configuration.bcryptCost
        attempts = RateLimit(capacity: Double(configuration.signInBurst), perSecond: 1 / configuration.signInRefillSeconds)
        decoyHash = Bcrypt.hash(UUID().uuidString, cost: configuration.bcryptCost)
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/api/v1/session", use: signIn)
        router.get("/api/v1/session", use: current)
        router.delete("/api/v1/session") { request, context in try await signOut(request, context, everywhere: false) }
        router.delete("/api/v1/sessions") { request, context in try await signOut(request, context, everywhere: true) }
        router.post("/api/v1/session/password", use: changePassword)
    }

    struct PasswordChange: Decodable {
        var current: String
        var new: String
    }

    /// Checks the current password, applies the rules to the new one, ends every other session.
    @Sendable func changePassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (holder, token) = try context.caller.session()
        if let wait = attempts.take(context.remoteAddress) {
            throw Problem.rateLimited("Too many attempts", "too many password changes from this address", wait: wait)
        }
        let change = try await Self.decode(PasswordChange.self, from: request, example: "{\"current\": …, \"new\": …}")
        guard let stored = try await store.passwordHash(accountID: holder.accountID) else {
            throw Problem.unauthorized("sign in first: no live session")
        }
        let current = change.current
        guard try await NIOThreadPool.singleton.runIfActive({ Bcrypt.verify(current, hash: stored) }) else {
            throw Problem.forbidden("the current password is wrong")
        }
        if let problem = AccountRules.passwordProblem(change.new, username: holder.username) { throw Problem.badRequest(problem) }
        let new = change.new
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(new, cost: bcryptCost) }
        try await store.changePassword(holder: holder, keeping: token, newHash: hash, address: context.remoteAddress)
        return Response(status: .noContent)
    }

    /// A small JSON body decoded with problems that name the field.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, example: String) async throws -> T {
        // Only JSON: a cross-site form (text/plain) cannot sign a victim into another account.
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            throw Problem(
                status: .unsupportedMediaType,
                kind: "unsupported-media-type",
                title: "Unsupported media type",
                detail: "send application/json"
            )
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 16 * 1024)
        } catch {
            throw Problem(status: .contentTooLarge, kind: "too-large", title: "Too large", detail: "the body may be at most 16 KiB")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch DecodingError.keyNotFound(let key, _) {
            throw Problem.badRequest("the field \(key.stringValue) is required")
        } catch DecodingError.typeMismatch(_, let context) {
            throw Problem.badRequest("the field \(context.codingPath.map(\.stringValue).joined(separator: ".")) must be a string")
        } catch {
            throw Problem.badRequest("the body must be JSON: \(example)")
        }
    }

    struct Credentials: Decodable {
        var username: String
        var password: String
    }

    @Sendable func signIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let wait = attempts.take(context.remoteAddress) {
            return Problem.rateLimited("Too many sign-in attempts", "too many sign-in attempts from this address", wait: wait)
                .response(instance: request.uri.path)
        }
        let credentials = try await Self.decode(Credentials.self, from: request, example: "{\"username\": …, \"password\": …}")
        guard credentials.password.utf8.count <= 72 else { throw Problem.badRequest("password may be at most 72 bytes") }
        // A malformed username (a NUL, say) is simply unknown; the decoy check keeps the timing alike.
        let candidate =
            AccountRules.usernameProblem(credentials.username) == nil ? try await store.signInCandidate(username: credentials.username) : nil
        // Counted before the (slow) check, so parallel guesses cannot slip past the lock. A locked
        // account answers like a wrong password, so that locks do not reveal which usernames exist.
        var claimed = true
        if let candidate { claimed = try await store.claimSignInAttempt(candidate) }
        let password = credentials.password
        let hash = candidate?.passwordHash ?? decoyHash
        let matches = try await NIOThreadPool.singleton.runIfActive { !password.utf8.contains(0) && Bcrypt.verify(password, hash: hash) }
        guard let candidate, claimed, matches, !candidate.disabled else {
            if let candidate {
                let reason = !claimed ? "locked" : !matches ? "wrong password" : "account disabled"
                try await store.recordFailedSignIn(candidate, username: credentials.username, address: context.remoteAddress, reason: reason)
            }
            throw Problem(status: .unauthorized, kind: "sign-in-failed", title: "Sign-in failed", detail: "the username or the password is wrong")
        }
        let token = try await store.openSession(candidate, username: credentials.username, address: context.remoteAddress)
        guard let holder = try await store.session(token: token) else { throw Problem.unavailable("the new session could not be read back") }
        var response = try Self.json(holder)
        response.headers[.setCookie] =
            "\(Self.cookieName)=\(token); Path=/; Max-Age=\(Int(Store.sessionLifetime)); HttpOnly; Secure; SameSite=Strict"
        return response
    }

    @Sendable func current(_ request: Request, context: AppRequestContext) async throws -> Response {
        try Self.json(try context.caller.session().holder)
    }

    func signOut(_ request: Request, _ context: AppRequestContext, everywhere: Bool) async throws -> Response {
        let (holder, token) = try context.caller.session()
        try await store.endSessions(token: token, everywhere: everywhere, holder: holder, address: context.remoteAddress)
        var response = Response(status: .noContent)
        response.headers[.setCookie] = "\(Self.cookieName)=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
        return response
    }

    /// The session cookie's value.
    static func token(of request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == cookieName { return String(parts[1]) }
            }
        }
        return nil
    }

    private static func json(_ holder: SessionHolder) throws -> Response {
        struct Body: Encodable {
            var username: String
            var display_name: String
            var city: String
            var roles: [String]
            var area: String?
            var department: String?
            var csrf_token: String
            var expires_at: Date
        }
        let grant = holder.actor.grants.first
        let body = Body(
            username: holder.username,
            display_name: holder.displayName,
            city: holder.actor.cityCode,
            roles: holder.actor.grants.map(\.role.rawValue),
            area: grant?.areaCode,
            department: grant?.departmentCode,
            csrf_token: holder.csrfToken,
            expires_at: holder.expiresAt
        )
        var response = Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.api.encode(body)))
        )
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
