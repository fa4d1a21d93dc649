import Logging
import NIOPosix
import SQLKit
import SQLiteKit
import ServiceLifecycle

/// SQLite through one connection: WAL, foreign keys on, and `synchronous=FULL` so that a committed
/// transaction is on disk before the caller hears of it.
public final class SQLiteBackend: DatabaseBackend {
    public let dialect = Dialect.sqlite
    private let connection: SQLiteConnection
    private let database: any SQLDatabase
    private let lock = AsyncSerialLock()

    private init(connection: SQLiteConnection) {
        self.connection = connection
        database = connection.sql()
    }

    public static func open(path: String, logger: Logger) async throws -> SQLiteBackend {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let backend = SQLiteBackend(connection: connection)
        // A page cache of 128 MiB instead of SQLite's 2 MiB: the indexes that every write touches
        // (cases, events, the measures' sums, the audit chain) stay in memory instead of being read
        // back from the operating system's cache on each statement.
        let pragmas = [
            "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000", "PRAGMA cache_size=-131072",
        ]
        for pragma in pragmas {
            try await backend.database.raw(SQLQueryString(pragma)).run()
        }
        return backend
    }

    public func transaction<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await lock.withLock {
            try await database.raw("BEGIN IMMEDIATE").run()
            let result: T
            do {
                result = try await body(database)
            } catch {
                try? await uncancellable { try await $0.raw("ROLLBACK").run() }
                throw error
            }
            do {
                try await uncancellable { try await $0.raw("COMMIT").run() }
            } catch {
                try? await uncancellable { try await $0.raw("ROLLBACK").run() }
                throw error
            }
            return result
        }
    }

    /// Runs a statement that must run even when the calling task is cancelled: a transaction left
    /// open would wedge the only connection. A new task does not inherit the caller's cancellation.
    private func uncancellable(_ statement: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
        let database = self.database
        try await Task { try await statement(database) }.value
    }

    public func read<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await lock.withLock { try await body(database) }
    }

    /// Waits for shutdown or cancellation, then closes the connection. The close runs in a task of
    /// its own, since a cancelled task's thread-pool work is refused and the file would stay open.
    public func run() async throws {
        try? await gracefulShutdown()
        try await Task { try await self.close() }.value
    }

    public func close() async throws {
        try await lock.withLock { try await connection.close() }
    }
}
