import ArgumentParser
import Foundation
import HummingbirdBcrypt
import MinqingCore
import MinqingServer
import MinqingStore

extension Role: ExpressibleByArgument {}

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage accounts. Every change is in the audit log.",
        subcommands: [UserAdd.self, UserList.self, UserDisable.self, UserResetPassword.self]
    )

    /// The city the command acts on: --city, else the only city in the database.
    static func city(_ configuration: ServerConfiguration, _ store: Store) async throws -> String {
        if let city = configuration.city { return city }
        let cities = try await store.cities()
        guard cities.count == 1 else {
            throw ValidationError(
                cities.isEmpty ? "the database has no city yet: name one with --city" : "the database holds several cities: name one with --city"
            )
        }
        return cities[0]
    }

    /// A new random password, shown once.
    static func newPassword() -> String {
        var random = SystemRandomNumberGenerator()
        return AccountRules.newPassword(using: &random)
    }
}

struct UserAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an account; prints its password once.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "The username: 3–64 lowercase letters, digits, '.', '_' or '-'.") var username: String
    @Option(help: "The person's name as shown.") var name: String
    @Option(help: "A role (repeat for several): \(Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: [Role]
    @Option(help: "The area code whose subtree the roles cover (default: the whole city).") var area: String?
    @Option(help: "The department code, for department roles.") var department: String?
    @Option(help: "A citizen's own record in the registry (its id), so that they can see who read it.") var person: Int64?

    func validate() throws {
        guard
            let problem = AccountRules.accountProblem(
                username: username,
                displayName: name,
                roles: role,
                area: area,
                department: department,
                person: person
            )
        else {
            return
        }
        let option = ["username": "username", "display_name": "--name", "roles": "--role"][problem.field] ?? "--\(problem.field)"
        throw ValidationError("\(option): \(problem.message)")
    }

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger(configuration)
        let password = User.newPassword()
        let account = NewAccount(
            username: username,
            displayName: name,
            passwordHash: Bcrypt.hash(password, cost: configuration.bcryptCost),
            roles: role,
            areaCode: area,
            departmentCode: department,
            personID: person
        )
        let city = try await Store.with(configuration.databaseLocation, logger: logger) { store in
            try await store.migrate()
            let city = try await User.city(configuration, store)
            do {
                try await store.addAccount(city: city, account, actor: "cli")
            } catch let error as StoreError {
                throw CommandFailure("\(error)")
            }
            return city
        }
        print("Added \(username) to city \(city). Password (shown once): \(password)")
    }
}

struct UserList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List accounts, one a line, tab-separated.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Only accounts holding this role.") var role: Role?

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger(configuration)
        let filter = role
        let accounts = try await Store.with(configuration.databaseLocation, logger: logger) { store in
            try await store.migrate()
            return try await store.accounts(city: try await User.city(configuration, store), role: filter)
        }
        print(["username", "name", "roles", "area", "department", "status"].joined(separator: "\t"))
        for account in accounts {
            print(
                [
                    account.username, account.displayName, account.roles.map(\.rawValue).joined(separator: ","), account.areaCode ?? "-",
                    account.departmentCode ?? "-", account.disabled ? "disabled" : "active",
                ].joined(separator: "\t")
            )
        }
    }
}

struct UserDisable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable an account (its API keys stop working too).")

    @OptionGroup var common: CommonOptions
    @Argument(help: "The username.") var username: String
    @Flag(help: "Enable the account again instead.") var enable = false

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger(configuration)
        let (name, disabled) = (username, !enable)
        try await Store.with(configuration.databaseLocation, logger: logger) { store in
            try await store.migrate()
            do {
                try await store.setAccountDisabled(city: try await User.city(configuration, store), username: name, disabled: disabled, actor: "cli")
            } catch let error as StoreError {
                throw CommandFailure("\(error)")
            }
        }
        print(disabled ? "Disabled \(name)." : "Enabled \(name).")
    }
}

struct UserResetPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset-password", abstract: "Give an account a new random password; prints it once.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "The username.") var username: String

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger(configuration)
        let password = User.newPassword()
        let (name, hash) = (username, Bcrypt.hash(password, cost: configuration.bcryptCost))
        try await Store.with(configuration.databaseLocation, logger: logger) { store in
            try await store.migrate()
            do {
                try await store.setPasswordHash(city: try await User.city(configuration, store), username: name, hash: hash, actor: "cli")
            } catch let error as StoreError {
                throw CommandFailure("\(error)")
            }
        }
        print("New password for \(name) (shown once): \(password)")
    }
}
