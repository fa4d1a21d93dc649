import ArgumentParser
import MinqingServer
import MinqingStore

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The audit log.", subcommands: [AuditVerify.self])
}

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Walk the hash chain of the audit log: exit 1 at the first entry that was edited, inserted or deleted."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger(configuration)
        let results = try await Store.with(configuration.databaseLocation, logger: logger) { store in
            try await store.migrate()
            var cities = [String]()
            if let city = configuration.city { cities = [city] } else { cities = try await store.auditedCities() }
            var results: [(String, AuditVerification)] = []
            for city in cities { results.append((city, try await store.verifyAudit(city: city))) }
            return results.map { AuditResult(city: $0.0, checked: $0.1.checked, breakID: $0.1.firstBreak?.id, reason: $0.1.firstBreak?.reason) }
        }
        if results.isEmpty { print("The audit log is empty.") }
        for result in results {
            if let id = result.breakID, let reason = result.reason {
                throw CommandFailure("city \(result.city): the chain holds for \(result.checked) entries, then entry \(id) \(reason)")
            }
            print("city \(result.city): \(result.checked) entries, the chain holds.")
        }
    }
}

/// A verification as the command prints it.
struct AuditResult: Sendable {
    var city: String
    var checked: Int
    var breakID: Int64?
    var reason: String?
}
