import ArgumentParser
import MinqingServer
import MinqingStore

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The audit log.", subcommands: [AuditVerify.self])
}

struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Walk the hash chains of the audit log and of every case's log: exit 1 at the first entry or event that was edited, inserted or deleted."
    )

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger(configuration)
        let results = try await Store.with(configuration.databaseLocation, logger: logger) { store in
            try await store.migrate()
            var results: [AuditResult] = []
            var audited = [String]()
            if let city = configuration.city { audited = [city] } else { audited = try await store.auditedCities() }
            for city in audited {
                results.append(AuditResult(city: city, log: "audit log", unit: "entries", try await store.verifyAudit(city: city)))
            }
            var withCases = [String]()
            if let city = configuration.city { withCases = [city] } else { withCases = try await store.citiesWithCases() }
            for city in withCases {
                results.append(AuditResult(city: city, log: "case logs", unit: "events", try await store.verifyCaseLogs(city: city)))
            }
            return results
        }
        if results.isEmpty { print("The audit log is empty.") }
        for result in results {
            if let id = result.breakID, let reason = result.reason {
                throw CommandFailure(
                    "city \(result.city), \(result.log): the chain holds for \(result.checked) \(result.unit), then \(id): \(reason)"
                )
            }
            let pending = result.pending > 0 ? " (\(result.pending) newer, written while it was being linked, are checked next time)" : ""
            print("city \(result.city), \(result.log): \(result.checked) \(result.unit), the chain holds.\(pending)")
        }
    }
}

/// A verification as the command prints it.
struct AuditResult: Sendable {
    var city: String
    var log: String
    var unit: String
    var checked: Int
    var breakID: Int64?
    var reason: String?
    var pending = 0
}

extension AuditResult {
    init(city: String, log: String, unit: String, _ verification: AuditVerification) {
        self.init(
            city: city,
            log: log,
            unit: unit,
            checked: verification.checked,
            breakID: verification.firstBreak?.id,
            reason: verification.firstBreak?.reason,
            pending: verification.pending
        )
    }
}
