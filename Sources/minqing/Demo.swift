import ArgumentParser
import Foundation
import MinqingCore
import MinqingServer
import MinqingStore

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a synthetic city at the reference scale (56 towns, 864 villages, 4,509 grids, 9,311 grid workers) and serve it."
    )

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on. Env: MINQING_HOST. Default: 127.0.0.1") var host: String?
    @Option(help: "Port to listen on. Env: MINQING_PORT. Default: 8080") var port: Int?
    @Option(help: "Divide the city by this at every level below the counties, for a quick try (1 = reference scale).") var scale = 1
    @Option(help: "The seed: the same seed draws the same city.") var seed: UInt64 = 2026
    @Option(help: "Cases of history, a year up to now (300,000 at the reference scale, fewer in proportion in a smaller city).")
    var historyCases: Int?
    @Flag(help: "Build the city and exit without serving.") var noServe = false

    func validate() throws {
        guard (1...100).contains(scale) else { throw ValidationError("--scale must be from 1 to 100, not \(scale)") }
        if let historyCases, !(0...10_000_000).contains(historyCases) {
            throw ValidationError("--history-cases must be from 0 to 10,000,000, not \(historyCases)")
        }
    }

    func run() async throws {
        var configuration = try common.configuration()
        configuration.host = host ?? CommonOptions.environment["MINQING_HOST"] ?? configuration.host
        configuration.port = try port ?? environmentNumber("MINQING_PORT") ?? configuration.port
        let (host, port) = (configuration.host, configuration.port)
        let logger = try common.logger(configuration)
        var plan = DemoCityPlan.scaled(down: scale)
        plan.seed = seed
        configuration.city = plan.cityCode
        let started = ContinuousClock.now
        let dataDirectory = configuration.dataDirectory
        let setup = {
            var setup = DemoSetup(plan: plan)
            setup.historyCases = historyCases
            return setup
        }()
        var credentials = try await Store.with(configuration.databaseLocation, logger: logger) { store in
            try await store.migrate()
            return try await setup.run(store: store, dataDirectory: dataDirectory, logger: logger)
        }
        credentials.url = "http://\(host):\(port)/"
        print("Demo city \(plan.cityName) (\(plan.cityCode)) ready in \(ContinuousClock.now - started).")
        print("URL: http://\(host):\(port)/  (API: /api/v1, contract: /openapi.json)")
        for login in credentials.logins { print("  \(login.role): \(login.username) / \(login.password)\(login.note.map { "  (\($0))" } ?? "")") }
        for (name, key) in credentials.apiKeys.sorted(by: { $0.key < $1.key }) { print("  API key \(name): \(key)") }
        print("All of this is in \(configuration.dataDirectory)/demo-credentials.json")
        if noServe { return }
        try await serve(configuration, logger: logger)
    }
}
