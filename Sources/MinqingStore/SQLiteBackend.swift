import Logging
import NIOPosix
import SQLKit
import ServiceLifecycle
import Synchronization

/// SQLite through one connection: WAL and foreign keys on. A committed transaction is on disk before
/// the caller hears of it: the WAL is synced off the connection's thread, once for all the commits
/// made meanwhile (``SQLiteWALSync``). Every statement runs on the connection's own thread
/// (``SQLiteThread``): a transaction moves there once and runs all its statements without switching
/// threads.
public final class SQLiteBackend: DatabaseBackend {
    public let dialect = Dialect.sqlite
    private let handle: SQLiteConnectionHandle
    private let thread: SQLiteThread
    private let database: SQLiteSQLDatabase
    private let lock = AsyncSerialLock()
    private let walSync: SQLiteWALSync
    /// Set once the connection is closed; the thread has ended and takes no more work.
    private let closed = Mutex(false)

    private init(handle: SQLiteConnectionHandle, path: String, syncFile: @escaping SQLiteWALSync.SyncFile, logger: Logger) {
        self.handle = handle
        thread = SQLiteThread(name: "sqlite \(path)")
        walSync = SQLiteWALSync(databasePath: path, syncFile: syncFile)
        database = SQLiteSQLDatabase(handle: handle, logger: logger, eventLoop: MultiThreadedEventLoopGroup.singleton.any())
    }

    public static func open(path: String, logger: Logger) async throws -> SQLiteBackend {
        try await open(path: path, syncFile: { fdatasync($0) }, logger: logger)
    }

    /// Opens the database with `syncFile` syncing its WAL: tests hold or fail the sync.
    static func open(path: String, syncFile: @escaping SQLiteWALSync.SyncFile, logger: Logger) async throws -> SQLiteBackend {
        let backend = SQLiteBackend(handle: try SQLiteConnectionHandle(path: path), path: path, syncFile: syncFile, logger: logger)
        // A page cache of 128 MiB instead of SQLite's 2 MiB: the indexes that every write touches
        // (cases, events, the measures' sums, the audit chain) stay in memory instead of being read
        // back from the operating system's cache on each statement. `synchronous=NORMAL`: COMMIT
        // writes the WAL without syncing it, and the WAL sync thread syncs it before anyone hears.
        let pragmas = [
            "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000", "PRAGMA cache_size=-131072",
        ]
        do {
            try await backend.read { db in
                for pragma in pragmas { try await db.raw(SQLQueryString(pragma)).run() }
            }
        } catch {
            try? await backend.close()
            throw error
        }
        return backend
    }

    /// Runs `body` in a transaction on the connection's thread. A task cancelled meanwhile still
    /// commits or rolls back: the statements run to the end on that thread whatever happens to the
    /// caller, so no transaction is left open on the only connection. The connection is free for
    /// the next transaction as soon as COMMIT returns; the WAL sync makes this one durable.
    public func committedTransaction<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> (value: T, durability: Durability) {
        let walSync = walSync
        let (value, commit) = try await onThread { database in
            try await database.raw("BEGIN IMMEDIATE").run()
            let result: T
            do {
                result = try await body(database)
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
            do {
                try await database.raw("COMMIT").run()
            } catch {
                try? await database.raw("ROLLBACK").run()
                throw error
            }
            return (result, walSync.didCommit())
        }
        return (value, Durability { try await walSync.waitUntilDurable(commit) })
    }

    public func read<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        let (value, seen) = try await onThread { database in (try await body(database), walSync.lastCommit) }
        try await walSync.waitUntilDurable(seen)
        return value
    }

    private func onThread<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await lock.withLock {
            guard !closed.withLock({ $0 }) else { throw SQLiteFailure(code: 21, message: "the database is closed") }
            return try await withTaskExecutorPreference(thread) { try await body(database) }
        }
    }

    /// Waits for shutdown or cancellation, then closes the connection.
    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    public func close() async throws {
        await lock.withLock {
            guard !closed.withLock({ $0 }) else { return }
            // Closing checkpoints and deletes the WAL: what is waiting for its sync is synced first.
            try? await walSync.waitUntilDurable(walSync.lastCommit)
            await withTaskExecutorPreference(thread) { handle.close() }
            closed.withLock { $0 = true }
            thread.stop()
            walSync.stop()
        }
    }
}
