import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import ServiceLifecycle

/// PostgreSQL through PostgresNIO's connection pool.
public final class PostgresBackend: DatabaseBackend {
    public let dialect = Dialect.postgres
    private let client: PostgresClient
    private let logger: Logger

    /// Connects to a `postgres://user:password@host:port/database` URL (`?sslmode=disable` or
    /// `require` as in libpq; local servers need no TLS).
    public init(url: String, logger: Logger) throws {
        let configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
        let tls: PostgresClient.Configuration.TLS =
            switch (configuration.tls.isEnforced, configuration.tls.isAllowed) {
            case (true, _): .require(configuration.tls.sslContext!.configuration)
            case (_, true): .prefer(configuration.tls.sslContext!.configuration)
            default: .disable
            }
        guard let host = configuration.host else { throw StoreError.invalidConfiguration("the PostgreSQL URL has no host") }
        var clientConfiguration = PostgresClient.Configuration(
            host: host,
            port: configuration.port ?? 5432,
            username: configuration.username,
            password: configuration.password,
            database: configuration.database,
            tls: tls
        )
        clientConfiguration.options.maximumConnections = 16
        client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        self.logger = logger
    }

    public func committedTransaction<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> (value: T, durability: Durability) {
        // PostgreSQL's COMMIT returns once its WAL is flushed (`synchronous_commit` on), and it
        // flushes the commits of concurrent sessions together.
        (try await inTransaction(body), .immediate)
    }

    private func inTransaction<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        // BEGIN and COMMIT by hand rather than `withTransaction`, which wraps the body's errors:
        // callers see the same errors from both backends.
        // COMMIT and ROLLBACK run in tasks of their own, so that a cancelled caller cannot return a
        // connection to the pool in the middle of a transaction.
        try await client.withConnection { connection in
            let logger = self.logger
            try await connection.query("BEGIN", logger: logger)
            let result: T
            do {
                let db = PostgresSQLDatabase(connection: connection, inTransaction: true)
                result = try await body(db)
                try await db.flushPendingAudit()
            } catch {
                _ = try? await Task { try await connection.query("ROLLBACK", logger: logger) }.value
                throw error
            }
            do {
                _ = try await Task { try await connection.query("COMMIT", logger: logger) }.value
            } catch {
                _ = try? await Task { try await connection.query("ROLLBACK", logger: logger) }.value
                throw error
            }
            return result
        }
    }

    public func read<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(PostgresSQLDatabase(connection: connection)) }
    }

    public func run() async throws {
        await client.run()
    }
}
