import Crypto
import Foundation
import MinqingCore
import SQLKit

/// What a sign-in attempt needs to know about an account, read before the (slow) password check.
public struct SignInCandidate: Sendable {
    public var accountID: Int64
    public var cityCode: String
    public var passwordHash: String
    public var disabled: Bool
    /// While set and in the future, no password is even checked.
    public var lockedUntil: Date?
}

/// A signed-in browser: the account as the policy sees it and the session's CSRF token.
public struct SessionHolder: Sendable, Hashable {
    public var accountID: Int64
    public var username: String
    public var displayName: String
    public var actor: Actor
    public var csrfToken: String
    public var expiresAt: Date
}

extension Store {
    /// How long a session lasts without signing in again.
    public static let sessionLifetime: TimeInterval = 12 * 3600

    public func signInCandidate(username: String) async throws -> SignInCandidate? {
        try await backend.read { db in
            guard
                let row = try await db.raw(
                    "SELECT id, city_code, password_hash, disabled, locked_until FROM accounts WHERE username = \(bind: username)"
                ).first()
            else { return nil }
            return SignInCandidate(
                accountID: try row.decode(column: "id", as: Int64.self),
                cityCode: try row.decode(column: "city_code", as: String.self),
                passwordHash: try row.decode(column: "password_hash", as: String.self),
                disabled: try row.decode(column: "disabled", as: Bool.self),
                lockedUntil: try row.decode(column: "locked_until", as: Int64?.self).map(Self.date)
            )
        }
    }

    /// Counts an attempt before the password is checked, so that parallel guesses are counted too:
    /// refused (`false`) while the account is locked; the attempt that reaches the threshold locks it
    /// (``SignInThrottle``). A success resets the count (``openSession``).
    public func claimSignInAttempt(_ candidate: SignInCandidate) async throws -> Bool {
        let stamp = nowMilliseconds
        return try await backend.transaction { db in
            guard
                let row = try await db.raw(
                    """
                    UPDATE accounts SET failed_sign_ins = failed_sign_ins + 1
                    WHERE id = \(bind: candidate.accountID) AND (locked_until IS NULL OR locked_until <= \(bind: stamp))
                    RETURNING failed_sign_ins
                    """
                ).first()
            else { return false }
            if let until = SignInThrottle.lockedUntil(failures: try row.decode(column: "failed_sign_ins", as: Int.self), now: stamp) {
                try await db.update("accounts").set("locked_until", to: until).where("id", .equal, candidate.accountID).run()
            }
            return true
        }
    }

    /// Audits a refused sign-in of a known account.
    public func recordFailedSignIn(_ candidate: SignInCandidate, username: String, address: String?, reason: String) async throws {
        try await audit(
            AuditRecord(
                at: nowMilliseconds,
                cityCode: candidate.cityCode,
                actor: username,
                action: "sign_in",
                target: "accounts/\(username)",
                address: address,
                outcome: "denied",
                detail: reason
            )
        )
    }

    /// Opens a new session for an account whose password was just checked: the failure count is
    /// reset, and a new random token (never one the client offered) and CSRF token are issued.
    /// Returns the session token, shown to the client once; only its hash is stored.
    public func openSession(_ candidate: SignInCandidate, username: String, address: String?) async throws -> String {
        let stamp = nowMilliseconds
        let token = Self.randomToken()
        try await backend.transaction { db in
            try await db.update("accounts").set("failed_sign_ins", to: 0).set("locked_until", to: SQLLiteral.null)
                .where("id", .equal, candidate.accountID).run()
            try await db.insert(into: "sessions")
                .columns("token_hash", "account_id", "csrf_token", "address", "created_at", "expires_at")
                .values(
                    SQLBind(Self.hash(token)),
                    SQLBind(candidate.accountID),
                    SQLBind(Self.randomToken()),
                    SQLBind(address),
                    SQLBind(stamp),
                    SQLBind(stamp + Int64(Self.sessionLifetime * 1000))
                )
                .run()
            try await appendAudit(
                AuditRecord(
                    at: stamp,
                    cityCode: candidate.cityCode,
                    actor: username,
                    action: "sign_in",
                    target: "accounts/\(username)",
                    address: address
                ),
                db: db
            )
        }
        return token
    }

    /// The holder of a live session: known, unrevoked, unexpired, on an enabled account.
    public func session(token: String) async throws -> SessionHolder? {
        guard token.count == 43, token.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else { return nil }
        let hash = Self.hash(token)
        let (cached, generation) = try await cachedCredential(hash)
        if case .session(let holder) = cached { return holder }
        let stamp = nowMilliseconds
        let holder = try await backend.read { db -> SessionHolder? in
            guard
                let row = try await db.raw(
                    """
                    SELECT s.csrf_token, s.expires_at, a.id, a.username, a.display_name, a.city_code, a.roles, a.area_code, a.department_code
                    FROM sessions s JOIN accounts a ON a.id = s.account_id
                    WHERE s.token_hash = \(bind: hash) AND s.revoked_at IS NULL AND s.expires_at > \(bind: stamp) AND a.disabled = \(bind: false)
                    """
                ).first()
            else { return nil }
            let actor = try Self.actor(row)
            return SessionHolder(
                accountID: actor.accountID ?? 0,
                username: actor.username,
                displayName: try row.decode(column: "display_name", as: String.self),
                actor: actor,
                csrfToken: try row.decode(column: "csrf_token", as: String.self),
                expiresAt: Self.date(try row.decode(column: "expires_at", as: Int64.self))
            )
        }
        if let holder {
            let expiry = Int64((holder.expiresAt.timeIntervalSince1970 * 1000).rounded())
            credentials.fill(hash, .session(holder), until: min(expiry, stamp + Self.credentialReuse), generation: generation)
        }
        return holder
    }

    /// Ends one session, or every session of its account ("sign out everywhere"), audited.
    public func endSessions(token: String, everywhere: Bool, holder: SessionHolder, address: String?) async throws {
        let stamp = nowMilliseconds
        try await endingCredentials { db in
            if everywhere {
                try await db.update("sessions").set("revoked_at", to: stamp).where("account_id", .equal, holder.accountID)
                    .where("revoked_at", .is, SQLLiteral.null).run()
            } else {
                try await db.update("sessions").set("revoked_at", to: stamp).where("token_hash", .equal, Self.hash(token)).run()
            }
            try await appendAudit(
                AuditRecord(
                    at: stamp,
                    cityCode: holder.actor.cityCode,
                    actor: holder.username,
                    action: everywhere ? "sign_out_everywhere" : "sign_out",
                    target: "accounts/\(holder.username)",
                    address: address
                ),
                db: db
            )
        }
    }

    /// Replaces the password of a signed-in account and ends every other session of it, audited.
    public func changePassword(holder: SessionHolder, keeping token: String, newHash: String, address: String?) async throws {
        let stamp = nowMilliseconds
        try await endingCredentials { db in
            try await db.update("accounts").set("password_hash", to: newHash).where("id", .equal, holder.accountID).run()
            try await db.update("sessions").set("revoked_at", to: stamp).where("account_id", .equal, holder.accountID)
                .where("token_hash", .notEqual, Self.hash(token)).where("revoked_at", .is, SQLLiteral.null).run()
            try await appendAudit(
                AuditRecord(
                    at: stamp,
                    cityCode: holder.actor.cityCode,
                    actor: holder.username,
                    action: "password_change",
                    target: "accounts/\(holder.username)",
                    address: address,
                    detail: "other sessions ended"
                ),
                db: db
            )
        }
    }

    /// The stored password hash of an account, to check the current password before a change.
    public func passwordHash(accountID: Int64) async throws -> String? {
        try await backend.read { db in
            try await db.raw("SELECT password_hash FROM accounts WHERE id = \(bind: accountID)").first()?.decode(
                column: "password_hash",
                as: String.self
            )
        }
    }

    /// 32 random bytes, base64url without padding (43 characters).
    public static func randomToken() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
