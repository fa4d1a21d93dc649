import ArgumentParser
import Foundation
import Logging
import MinqingCore
import MinqingServer
import MinqingStore

@main
struct Minqing: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minqing",
        abstract: "Minqing (民情): grid-based community governance.",
        subcommands: [Serve.self, Migrate.self, Import.self, Export.self, Demo.self, User.self, Audit.self, Keys.self]
    )
}

/// Options every command shares. Each falls back to its `MINQING_*` environment variable.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: "Data directory (SQLite file, demo credentials). Env: MINQING_DATA. Default: ./data")
    var dataDirectory: String?

    @Option(help: "postgres://user:password@host:port/db, or a SQLite file path. Env: MINQING_DATABASE_URL. Default: DATA/minqing.sqlite")
    var database: String?

    @Option(help: "The city (jurisdiction) code. Env: MINQING_CITY. Default: the only city in the database.")
    var city: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical. Env: MINQING_LOG_LEVEL.")
    var logLevel: String?

    @Option(help: "text or json. Env: MINQING_LOG_FORMAT.")
    var logFormat: String?

    static let environment = ProcessInfo.processInfo.environment

    func configuration() throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = dataDirectory ?? Self.environment["MINQING_DATA"] ?? "./data"
        if let database = database ?? Self.environment["MINQING_DATABASE_URL"], !database.isEmpty {
            configuration.database = DatabaseLocation(argument: database)
        }
        configuration.city = city ?? Self.environment["MINQING_CITY"]
        let level = logLevel ?? Self.environment["MINQING_LOG_LEVEL"] ?? "info"
        guard let parsed = Logger.Level(rawValue: level) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical, not \(level)")
        }
        configuration.logLevel = parsed
        if let proxies = Self.environment["MINQING_TRUSTED_PROXIES"], !proxies.isEmpty {
            configuration.trustedProxies = try proxies.split(separator: ",").map { entry in
                guard let range = AddressRange(entry.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("MINQING_TRUSTED_PROXIES: \(entry) is not an address or a block such as 10.0.0.0/8")
                }
                return range
            }
        }
        if let ring = Self.environment["MINQING_PERSONAL_DATA_KEYS"], !ring.isEmpty { configuration.personalDataKeys = ring }
        // Set and empty: no map.
        if let folder = Self.environment["MINQING_MAP_LIBRARY"] { configuration.mapLibraryDirectory = folder.isEmpty ? nil : folder }
        if let cost = try environmentNumber("MINQING_BCRYPT_COST") {
            guard (4...31).contains(cost) else { throw ValidationError("MINQING_BCRYPT_COST must be from 4 to 31, not \(cost)") }
            configuration.bcryptCost = UInt8(cost)
        }
        if let burst = try environmentNumber("MINQING_SIGN_IN_BURST") {
            guard burst >= 1 else { throw ValidationError("MINQING_SIGN_IN_BURST must be at least 1, not \(burst)") }
            configuration.signInBurst = burst
        }
        if let seconds = try environmentNumber("MINQING_SIGN_IN_REFILL_SECONDS") {
            guard seconds >= 1 else { throw ValidationError("MINQING_SIGN_IN_REFILL_SECONDS must be at least 1, not \(seconds)") }
            configuration.signInRefillSeconds = Double(seconds)
        }
        if let milliseconds = try environmentNumber("MINQING_AUDIT_LINK_INTERVAL_MS") {
            guard (10...60_000).contains(milliseconds) else {
                throw ValidationError("MINQING_AUDIT_LINK_INTERVAL_MS must be from 10 to 60000, not \(milliseconds)")
            }
            configuration.auditLinkIntervalMilliseconds = milliseconds
        }
        return configuration
    }

    /// Sets up logging once per process and returns the command's logger.
    func logger(_ configuration: ServerConfiguration) throws -> Logger {
        let format = logFormat ?? Self.environment["MINQING_LOG_FORMAT"] ?? "text"
        guard ["text", "json"].contains(format) else { throw ValidationError("--log-format must be text or json, not \(format)") }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == "json" ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "minqing")
        logger.logLevel = level
        return logger
    }
}

/// Reads an environment variable as a number, naming it when it is not one.
func environmentNumber(_ name: String) throws -> Int? {
    guard let text = CommonOptions.environment[name], !text.isEmpty else { return nil }
    guard let value = Int(text) else { throw ValidationError("\(name) must be a whole number, not \(text)") }
    return value
}

/// A command that ran and failed (a refused file, an empty database): the message is printed
/// without the usage text, which is for mistakes in the arguments.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
