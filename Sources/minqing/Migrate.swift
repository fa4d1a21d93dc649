import ArgumentParser
import MinqingServer
import MinqingStore

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the database migrations not yet applied (serve also does this at start).")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger(configuration)
        let applied = try await Store.with(configuration.databaseLocation, logger: logger) { try await $0.migrate() }
        print(applied.isEmpty ? "The database is up to date." : "Applied: " + applied.joined(separator: ", "))
    }
}
