import Crypto
import Foundation
import MinqingCore
import SQLKit

/// An account to create.
public struct NewAccount: Sendable, Hashable {
    public var username: String
    public var displayName: String
    public var passwordHash: String
    public var roles: [Role]
    public var areaCode: String?
    public var departmentCode: String?
    /// A citizen's own record in the registry, so that they can see who read it.
    public var personID: Int64?

    public init(
        username: String,
        displayName: String,
        passwordHash: String,
        roles: [Role],
        areaCode: String? = nil,
        departmentCode: String? = nil,
        personID: Int64? = nil
    ) {
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.roles = roles
        self.areaCode = areaCode
        self.departmentCode = departmentCode
        self.personID = personID
    }
}

/// An API key as listings show it: never the key itself, which is shown once, nor its hash.
public struct APIKeySummary: Sendable, Hashable {
    /// The key's public part (`mq_PREFIX_…`), by which it is listed and revoked.
    public var prefix: String
    public var username: String
    public var label: String
    public var scopes: [APIKeyScope]
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
}

/// Roles and scopes are stored as JSON text through a Codable struct, never as a bare array
/// (a bare `[String]` binds as a PostgreSQL `text[]`).
struct StoredList<Element: Codable & Sendable>: Codable, Sendable {
    var items: [Element]

    var json: String { String(decoding: try! JSONEncoder().encode(self), as: UTF8.self) }

    static func read(_ text: String) throws -> [Element] {
        try JSONDecoder().decode(StoredList.self, from: Data(text.utf8)).items
    }
}

extension Store {
    /// Creates accounts in one transaction, in batches; returns their ids in order.
    @discardableResult
    public func createAccounts(city: String, _ accounts: [NewAccount]) async throws -> [Int64] {
        let stamp = nowMilliseconds
        return try await backend.transaction { db in
            var ids: [Int64] = []
            for start in stride(from: 0, to: accounts.count, by: 500) {
                var insert = db.insert(into: "accounts").columns(Self.accountColumns)
                for account in accounts[start..<min(start + 500, accounts.count)] {
                    insert = insert.values(Self.accountRow(city: city, account, stamp: stamp))
                }
                let rows = try await insert.returning("id").all()
                ids += try rows.map { try $0.decode(column: "id", as: Int64.self) }
            }
            return ids
        }
    }

    /// Issues an API key for an account. The key is returned once and only its hash is stored.
    public func createAPIKey(
        accountID: Int64,
        label: String,
        scopes: [APIKeyScope],
        expiresAt: Date?,
        actor: String = "system",
        address: String? = nil
    ) async throws -> String {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        let prefix = String((0..<10).map { _ in alphabet.randomElement(using: &random)! })
        let secret = String((0..<32).map { _ in alphabet.randomElement(using: &random)! })
        let key = "mq_\(prefix)_\(secret)"
        let expiry = expiresAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        let stamp = nowMilliseconds
        try await backend.transaction { db in
            try await db.insert(into: "api_keys")
                .columns("account_id", "prefix", "key_hash", "label", "scopes", "created_at", "expires_at")
                .values(
                    SQLBind(accountID),
                    SQLBind(prefix),
                    SQLBind(Self.hash(key)),
                    SQLBind(label),
                    SQLBind(StoredList(items: scopes).json),
                    SQLBind(stamp),
                    SQLBind(expiry)
                )
                .run()
            let owner = try await db.raw("SELECT city_code, username FROM accounts WHERE id = \(bind: accountID)").first()
            guard let owner else { throw StoreError.notFound("no account has the id \(accountID)") }
            let username = try owner.decode(column: "username", as: String.self)
            try await appendAudit(
                AuditRecord(
                    at: stamp,
                    cityCode: try owner.decode(column: "city_code", as: String.self),
                    actor: actor,
                    action: Action.manageAPIKeys.rawValue,
                    target: "api_keys/\(prefix)",
                    address: address,
                    detail: "issued to \(username) (\(label)) with \(scopes.map(\.rawValue).joined(separator: ","))"
                ),
                db: db
            )
        }
        return key
    }

    /// The account acting through a valid key (known, unrevoked, unexpired, on an enabled account),
    /// narrowed to the key's scopes; otherwise `nil`.
    public func apiKeyActor(_ key: String) async throws -> Actor? {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "mq", parts[1].count == 10, parts[2].count == 32 else { return nil }
        let hash = Self.hash(key)
        let (cached, generation) = try await cachedCredential(hash)
        if case .apiKey(let actor) = cached { return actor }
        let row = try await backend.read { db in
            try await db.raw(
                """
                SELECT k.key_hash, k.scopes, k.expires_at, k.revoked_at, a.id, a.username, a.city_code, a.roles, a.area_code,
                       a.department_code, a.disabled
                FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE k.prefix = \(bind: String(parts[1]))
                """
            ).first()
        }
        guard let row else { return nil }
        let stored = try row.decode(column: "key_hash", as: String.self)
        guard Secret.equal(stored, hash),
            try row.decode(column: "revoked_at", as: Int64?.self) == nil,
            try !row.decode(column: "disabled", as: Bool.self)
        else { return nil }
        let expiry = try row.decode(column: "expires_at", as: Int64?.self)
        let stamp = nowMilliseconds
        if let expiry, expiry <= stamp { return nil }
        var actor = try Self.actor(row)
        actor.keyScopes = Set(try StoredList<APIKeyScope>.read(try row.decode(column: "scopes", as: String.self)))
        credentials.fill(hash, .apiKey(actor), until: min(expiry ?? .max, stamp + Self.credentialReuse), generation: generation)
        return actor
    }

    /// How long a looked-up credential is trusted without reading it again (changes that end one move
    /// the epoch and take effect at once; this bounds anything else, such as an edit made in SQL).
    static let credentialReuse: Int64 = 5 * 60 * 1000

    /// A city's API keys, newest first.
    public func apiKeys(city: String) async throws -> [APIKeySummary] {
        let rows = try await backend.read { db in
            try await db.raw(
                """
                SELECT k.prefix, a.username, k.label, k.scopes, k.created_at, k.expires_at, k.revoked_at
                FROM api_keys k JOIN accounts a ON a.id = k.account_id WHERE a.city_code = \(bind: city) ORDER BY k.id DESC
                """
            ).all()
        }
        return try rows.map { row in
            APIKeySummary(
                prefix: try row.decode(column: "prefix", as: String.self),
                username: try row.decode(column: "username", as: String.self),
                label: try row.decode(column: "label", as: String.self),
                scopes: try StoredList<APIKeyScope>.read(try row.decode(column: "scopes", as: String.self)),
                createdAt: Self.date(try row.decode(column: "created_at", as: Int64.self)),
                expiresAt: try row.decode(column: "expires_at", as: Int64?.self).map(Self.date),
                revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Self.date)
            )
        }
    }

    /// Revokes a key of the city, audited; revoking a revoked key changes nothing and succeeds.
    public func revokeAPIKey(city: String, prefix: String, actor: String, address: String? = nil) async throws {
        let stamp = nowMilliseconds
        try await endingCredentials { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT k.id, k.revoked_at, a.username FROM api_keys k JOIN accounts a ON a.id = k.account_id
                    WHERE a.city_code = \(bind: city) AND k.prefix = \(bind: prefix)
                    """
                ).first()
            else { throw StoreError.notFound("no API key of city \(city) has the prefix \(prefix)") }
            guard try row.decode(column: "revoked_at", as: Int64?.self) == nil else { return }
            try await db.update("api_keys").set("revoked_at", to: stamp).where("id", .equal, try row.decode(column: "id", as: Int64.self)).run()
            try await appendAudit(
                AuditRecord(
                    at: stamp,
                    cityCode: city,
                    actor: actor,
                    action: Action.manageAPIKeys.rawValue,
                    target: "api_keys/\(prefix)",
                    address: address,
                    detail: "revoked the key of \(try row.decode(column: "username", as: String.self))"
                ),
                db: db
            )
        }
    }

    /// An account row (id, username, city_code, roles, area_code, department_code) as the policy sees
    /// it: each role held over the account's area and department.
    static func actor(_ row: any SQLRow) throws -> Actor {
        let roles = try StoredList<Role>.read(try row.decode(column: "roles", as: String.self))
        let area = try row.decode(column: "area_code", as: String?.self)
        let department = try row.decode(column: "department_code", as: String?.self)
        return Actor(
            accountID: try row.decode(column: "id", as: Int64.self),
            username: try row.decode(column: "username", as: String.self),
            cityCode: try row.decode(column: "city_code", as: String.self),
            grants: roles.map { Grant($0, area: area, department: department) }
        )
    }

    /// Ends every live session of an account (a reset password, a disabled account).
    static func endSessions(of accountID: Int64, at stamp: Int64, db: any SQLDatabase) async throws {
        try await db.update("sessions").set("revoked_at", to: stamp).where("account_id", .equal, accountID).where("revoked_at", .is, SQLLiteral.null)
            .run()
    }

    static let accountColumns = [
        "city_code", "username", "display_name", "password_hash", "roles", "area_code", "department_code", "disabled", "created_at", "person_id",
    ]

    /// The values of a new account's row, in the order of ``accountColumns``.
    static func accountRow(city: String, _ account: NewAccount, stamp: Int64) -> [SQLBind] {
        [
            SQLBind(city), SQLBind(account.username), SQLBind(account.displayName), SQLBind(account.passwordHash),
            SQLBind(StoredList(items: account.roles).json), SQLBind(account.areaCode), SQLBind(account.departmentCode), SQLBind(false),
            SQLBind(stamp), SQLBind(account.personID),
        ]
    }

    static func hash(_ key: String) -> String {
        hexSHA256(Array(key.utf8))
    }
}

/// An account as listings show it (never its password hash).
public struct AccountSummary: Sendable, Hashable {
    public var id: Int64
    public var username: String
    public var displayName: String
    public var roles: [Role]
    public var areaCode: String?
    public var departmentCode: String?
    public var personID: Int64?
    public var disabled: Bool
}

extension Store {
    /// Adds one account, audited; a username already taken is a conflict.
    @discardableResult
    public func addAccount(city: String, _ account: NewAccount, actor: String, address: String? = nil) async throws -> Int64 {
        let stamp = nowMilliseconds
        return try await backend.transaction { db in
            if try await db.raw("SELECT id FROM accounts WHERE username = \(bind: account.username)").first() != nil {
                throw StoreError.conflict("the username \(account.username) is taken")
            }
            if let area = account.areaCode,
                try await db.raw("SELECT id FROM areas WHERE city_code = \(bind: city) AND code = \(bind: area) AND valid_to IS NULL").first() == nil
            {
                throw StoreError.notFound("no area in force has the code \(area)")
            }
            if let person = account.personID,
                try await db.raw("SELECT id FROM persons WHERE city_code = \(bind: city) AND id = \(bind: person)").first() == nil
            {
                throw StoreError.notFound("no resident has the id \(person)")
            }
            if let department = account.departmentCode,
                try await db.raw("SELECT id FROM departments WHERE city_code = \(bind: city) AND code = \(bind: department)").first() == nil
            {
                throw StoreError.notFound("no department has the code \(department)")
            }
            let row = try await db.insert(into: "accounts").columns(Self.accountColumns)
                .values(Self.accountRow(city: city, account, stamp: stamp))
                .returning("id").first()
            let id = try row!.decode(column: "id", as: Int64.self)
            try await appendAudit(
                AuditRecord(
                    at: stamp,
                    cityCode: city,
                    actor: actor,
                    action: Action.manageAccounts.rawValue,
                    target: "accounts/\(account.username)",
                    areaCode: account.areaCode,
                    address: address,
                    detail: "added with roles \(account.roles.map(\.rawValue).joined(separator: ","))"
                ),
                db: db
            )
            return id
        }
    }

    /// A city's accounts in username order, optionally only those holding a role.
    public func accounts(city: String, role: Role? = nil) async throws -> [AccountSummary] {
        try await accountSummaries(city: city, username: nil).filter { role == nil || $0.roles.contains(role!) }
    }

    /// One account of the city, or `nil`.
    public func account(city: String, username: String) async throws -> AccountSummary? {
        try await accountSummaries(city: city, username: username).first
    }

    private func accountSummaries(city: String, username: String?) async throws -> [AccountSummary] {
        let rows = try await backend.read { db in
            var query = db.select().columns("id", "username", "display_name", "roles", "area_code", "department_code", "person_id", "disabled")
                .from("accounts").where("city_code", .equal, city).orderBy("username")
            if let username { query = query.where("username", .equal, username) }
            return try await query.all()
        }
        return try rows.map { row in
            AccountSummary(
                id: try row.decode(column: "id", as: Int64.self),
                username: try row.decode(column: "username", as: String.self),
                displayName: try row.decode(column: "display_name", as: String.self),
                roles: try StoredList<Role>.read(try row.decode(column: "roles", as: String.self)),
                areaCode: try row.decode(column: "area_code", as: String?.self),
                departmentCode: try row.decode(column: "department_code", as: String?.self),
                personID: try row.decode(column: "person_id", as: Int64?.self),
                disabled: try row.decode(column: "disabled", as: Bool.self)
            )
        }
    }

    /// Disables or enables an account, audited; its API keys stop working with it.
    public func setAccountDisabled(city: String, username: String, disabled: Bool, actor: String, address: String? = nil) async throws {
        try await updateAccount(city: city, username: username, actor: actor, address: address, detail: disabled ? "disabled" : "enabled") {
            db,
            id,
            stamp in
            try await db.update("accounts").set("disabled", to: disabled).where("id", .equal, id).run()
            try await Self.endSessions(of: id, at: stamp, db: db)
        }
    }

    /// Replaces an account's password hash, audited.
    public func setPasswordHash(city: String, username: String, hash: String, actor: String, address: String? = nil) async throws {
        try await updateAccount(city: city, username: username, actor: actor, address: address, detail: "password reset") { db, id, stamp in
            try await db.update("accounts").set("password_hash", to: hash).set("failed_sign_ins", to: 0).set("locked_until", to: SQLLiteral.null)
                .where("id", .equal, id).run()
            try await Self.endSessions(of: id, at: stamp, db: db)
        }
    }

    private func updateAccount(
        city: String,
        username: String,
        actor: String,
        address: String?,
        detail: String,
        _ change: (any SQLDatabase, _ accountID: Int64, _ stamp: Int64) async throws -> Void
    ) async throws {
        let stamp = nowMilliseconds
        try await endingCredentials { db in
            guard let row = try await db.raw("SELECT id FROM accounts WHERE city_code = \(bind: city) AND username = \(bind: username)").first()
            else {
                throw StoreError.notFound("no account of city \(city) is named \(username)")
            }
            try await change(db, try row.decode(column: "id", as: Int64.self), stamp)
            try await appendAudit(
                AuditRecord(
                    at: stamp,
                    cityCode: city,
                    actor: actor,
                    action: Action.manageAccounts.rawValue,
                    target: "accounts/\(username)",
                    address: address,
                    detail: detail
                ),
                db: db
            )
        }
    }
}
