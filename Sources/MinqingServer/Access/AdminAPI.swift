import Foundation
import HummingbirdBcrypt
import MinqingCore
import MinqingStore
import NIOPosix

/// The generated API's account and API-key operations, for system administrators: the same store
/// calls as `minqing user …`, each audited with the caller and their address.
extension APIHandler {
    /// The caller, allowed to take the action in this server's city, and that city.
    private func administrator(_ action: Action) throws -> (actor: Actor, city: String) {
        let caller = Caller.current
        let actor = try caller.actor()
        let city = grids.city ?? actor.cityCode
        try caller.authorize(action, Resource(city: city), areas: grids.tree ?? .empty)
        return (actor, city)
    }

    func listAccounts(_ input: Operations.ListAccounts.Input) async throws -> Operations.ListAccounts.Output {
        let (_, city) = try administrator(.manageAccounts)
        let accounts = try await store.accounts(city: city, role: input.query.role.flatMap { Role(rawValue: $0.rawValue) })
        // Ranges of page and per_page are checked against openapi.yaml by QueryValidationMiddleware.
        let page = input.query.page ?? 1
        let perPage = input.query.perPage ?? 100
        let (offset, overflow) = (page - 1).multipliedReportingOverflow(by: perPage)
        let start = overflow ? accounts.count : min(offset, accounts.count)
        let items = accounts[start..<min(start + perPage, accounts.count)].map(Components.Schemas.Account.init)
        return .ok(.init(body: .json(.init(total: accounts.count, page: page, perPage: perPage, items: items))))
    }

    func createAccount(_ input: Operations.CreateAccount.Input) async throws -> Operations.CreateAccount.Output {
        let (actor, city) = try administrator(.manageAccounts)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        let roles = body.roles.compactMap { Role(rawValue: $0.rawValue) }
        if let problem = AccountRules.accountProblem(
            username: body.username,
            displayName: body.displayName,
            roles: roles,
            area: body.area,
            department: body.department,
            person: body.person
        ) {
            throw Problem.badRequest(problem.description)
        }
        var random = SystemRandomNumberGenerator()
        let password = AccountRules.newPassword(using: &random)
        let cost = bcryptCost
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
        let account = NewAccount(
            username: body.username,
            displayName: body.displayName,
            passwordHash: hash,
            roles: roles,
            areaCode: body.area,
            departmentCode: body.department,
            personID: body.person
        )
        try await store.addAccount(city: city, account, actor: actor.username, address: Caller.current.address)
        guard let added = try await store.account(city: city, username: body.username) else {
            throw Problem.unavailable("the new account could not be read back")
        }
        return .created(.init(body: .json(.init(account: .init(added), password: password))))
    }

    func getAccount(_ input: Operations.GetAccount.Input) async throws -> Operations.GetAccount.Output {
        let (_, city) = try administrator(.manageAccounts)
        guard let account = try await store.account(city: city, username: input.path.username) else {
            throw Problem.notFound("no account is named \(input.path.username)")
        }
        return .ok(.init(body: .json(.init(account))))
    }

    func updateAccount(_ input: Operations.UpdateAccount.Input) async throws -> Operations.UpdateAccount.Output {
        let (actor, city) = try administrator(.manageAccounts)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        let username = input.path.username
        if body.disabled, username == actor.username { throw Problem.badRequest("disabled: an administrator cannot disable their own account") }
        try await store.setAccountDisabled(
            city: city,
            username: username,
            disabled: body.disabled,
            actor: actor.username,
            address: Caller.current.address
        )
        guard let account = try await store.account(city: city, username: username) else {
            throw Problem.notFound("no account is named \(username)")
        }
        return .ok(.init(body: .json(.init(account))))
    }

    func resetPassword(_ input: Operations.ResetPassword.Input) async throws -> Operations.ResetPassword.Output {
        let (actor, city) = try administrator(.manageAccounts)
        var random = SystemRandomNumberGenerator()
        let password = AccountRules.newPassword(using: &random)
        let cost = bcryptCost
        let hash = try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
        let username = input.path.username
        try await store.setPasswordHash(city: city, username: username, hash: hash, actor: actor.username, address: Caller.current.address)
        return .ok(.init(body: .json(.init(username: username, password: password))))
    }

    func listAPIKeys(_ input: Operations.ListAPIKeys.Input) async throws -> Operations.ListAPIKeys.Output {
        let (_, city) = try administrator(.manageAPIKeys)
        return .ok(.init(body: .json(try await store.apiKeys(city: city).map(Components.Schemas.APIKey.init))))
    }

    func createAPIKey(_ input: Operations.CreateAPIKey.Input) async throws -> Operations.CreateAPIKey.Output {
        let (actor, city) = try administrator(.manageAPIKeys)
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        guard let owner = try await store.account(city: city, username: body.username) else {
            throw Problem.notFound("no account is named \(body.username)")
        }
        if body.scopes.isEmpty {
            throw Problem.badRequest("scopes: give at least one of \(APIKeyScope.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let expiry = body.expiresAt, expiry <= store.now() { throw Problem.badRequest("expires_at must be in the future") }
        let label = body.label.trimmingCharacters(in: .whitespacesAndNewlines)
        if label.isEmpty || label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw Problem.badRequest("label must say what the key is for, without control characters")
        }
        let key = try await store.createAPIKey(
            accountID: owner.id,
            label: label,
            scopes: Array(Set(body.scopes.compactMap { APIKeyScope(rawValue: $0.rawValue) })).sorted { $0.rawValue < $1.rawValue },
            expiresAt: body.expiresAt,
            actor: actor.username,
            address: Caller.current.address
        )
        let prefix = String(key.split(separator: "_")[1])
        guard let summary = try await store.apiKeys(city: city).first(where: { $0.prefix == prefix }) else {
            throw Problem.unavailable("the new key could not be read back")
        }
        return .created(.init(body: .json(.init(key: key, apiKey: .init(summary)))))
    }

    func revokeAPIKey(_ input: Operations.RevokeAPIKey.Input) async throws -> Operations.RevokeAPIKey.Output {
        let (actor, city) = try administrator(.manageAPIKeys)
        try await store.revokeAPIKey(city: city, prefix: input.path.prefix, actor: actor.username, address: Caller.current.address)
        return .noContent(.init())
    }
}

extension Components.Schemas.Account {
    init(_ account: AccountSummary) {
        self.init(
            username: account.username,
            displayName: account.displayName,
            roles: account.roles.compactMap { Components.Schemas.Role(rawValue: $0.rawValue) },
            area: account.areaCode,
            department: account.departmentCode,
            person: account.personID,
            disabled: account.disabled
        )
    }
}

extension Components.Schemas.APIKey {
    init(_ key: APIKeySummary) {
        self.init(
            prefix: key.prefix,
            username: key.username,
            label: key.label,
            scopes: key.scopes.compactMap { Components.Schemas.APIKeyScope(rawValue: $0.rawValue) },
            createdAt: key.createdAt,
            expiresAt: key.expiresAt,
            revokedAt: key.revokedAt
        )
    }
}
