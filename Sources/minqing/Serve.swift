import ArgumentParser
import Hummingbird
import Logging
import Metrics
import MinqingServer
import MinqingStore
import Prometheus

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the API, the pages and the metrics until SIGTERM or SIGINT.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on. Env: MINQING_HOST. Default: 127.0.0.1") var host: String?
    @Option(help: "Port to listen on. Env: MINQING_PORT. Default: 8080") var port: Int?

    func run() async throws {
        var configuration = try common.configuration()
        configuration.host = host ?? CommonOptions.environment["MINQING_HOST"] ?? configuration.host
        configuration.port = try port ?? environmentNumber("MINQING_PORT") ?? configuration.port
        let logger = try common.logger(configuration)
        try await serve(configuration, logger: logger)
    }
}

/// Runs the server with metrics bootstrapped; returns after a graceful shutdown.
func serve(_ configuration: ServerConfiguration, logger: Logger) async throws {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    let store = try await Store.open(configuration.databaseLocation, logger: logger)
    logger.info("starting", metadata: ["database": "\(configuration.databaseLocation)", "address": "\(configuration.host):\(configuration.port)"])
    let app = try await buildApplication(configuration: configuration, store: store, registry: registry, logger: logger)
    try await app.runService()
}
