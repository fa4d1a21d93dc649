import Logging
import NIOPosix
import SQLKit
import ServiceLifecycle
import Synchronization

/// SQLite through two connections to one file in WAL mode: one writes, one reads. Each runs its
/// statements on a thread of its own (``SQLiteThread``): a transaction or a read moves there once
/// and runs all its statements without switching threads. A committed transaction is on disk before
/// the caller hears of it: the WAL is synced off the writer's thread, once for all the commits made
/// meanwhile (``SQLiteWALSync``).
///
/// Why a connection for reads: WAL lets readers and the writer work at once, each reader on a
/// snapshot. With one connection, a public Open311 search (a thousand cases, about 15 ms) held up
/// every report and every write behind it; now it holds up only other reads (a sign-in's lookups
/// among them), never a write.
public final class SQLiteBackend: DatabaseBackend {
    public let dialect = Dialect.sqlite
    private let writer: SQLiteConnection
    private let reader: SQLiteConnection
    private let walSync: SQLiteWALSync

    private init(writer: SQLiteConnection, reader: SQLiteConnection, walSync: SQLiteWALSync) {
        self.writer = writer
        self.reader = reader
        self.walSync = walSync
    }

    public static func open(path: String, logger: Logger) async throws -> SQLiteBackend {
        try await open(path: path, syncFile: { fdatasync($0) }, logger: logger)
    }

    /// Opens the database with `syncFile` syncing its WAL: tests hold or fail the sync.
    static func open(path: String, syncFile: @escaping SQLiteWALSync.SyncFile, logger: Logger) async throws -> SQLiteBackend {
        // A page cache of 128 MiB instead of SQLite's 2 MiB: the indexes that every write touches
        // (cases, events, the measures' sums, the audit chain) stay in memory instead of being read
        // back from the operating system's cache on each statement. `synchronous=NORMAL`: COMMIT
        // writes the WAL without syncing it, and the WAL sync thread syncs it before anyone hears.
        // The writer opens first: it makes the file and puts it in WAL mode.
        let writer = try await SQLiteConnection.open(
            path: path,
            role: "write",
            pragmas: [
                "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000",
                "PRAGMA cache_size=-131072",
            ],
            memo: SQLiteWriterMemo(),
            logger: logger
        )
        let reader: SQLiteConnection
        do {
            reader = try await SQLiteConnection.open(
                path: path,
                role: "read",
                pragmas: ["PRAGMA query_only=ON", "PRAGMA busy_timeout=5000", "PRAGMA cache_size=-131072"],
                logger: logger
            )
        } catch {
            await writer.close()
            throw error
        }
        return SQLiteBackend(writer: writer, reader: reader, walSync: SQLiteWALSync(databasePath: path, syncFile: syncFile))
    }

    /// Runs `body` in a transaction on the writer's thread. A task cancelled meanwhile still
    /// commits or rolls back: the statements run to the end on that thread whatever happens to the
    /// caller, so no transaction is left open on the writer. The writer is free for the next
    /// transaction as soon as COMMIT returns; the WAL sync makes this one durable.
    public func committedTransaction<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> (value: T, durability: Durability) {
        let walSync = walSync
        do {
            let (value, commit) = try await writer.run { database in
                try await Self.inTransaction("BEGIN IMMEDIATE", on: database, body, numbering: walSync)
            }
            return (value, Durability { try await walSync.waitUntilDurable(commit) })
        } catch {
            // A refusal may rest on another's commit not yet on disk ("that name is taken"): it
            // waits for the disk as an answer would.
            try? await walSync.waitUntilDurable(walSync.lastCommit)
            throw error
        }
    }

    /// Runs `body` on the reader, in one read transaction: all its statements see the same
    /// snapshot, as they did when reads and writes took turns on one connection. Returns, or
    /// throws, once every commit the snapshot may hold is on disk.
    public func read<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        let walSync = walSync
        do {
            // The snapshot holds at most the commits begun by the time the read ended.
            let (value, _) = try await reader.run { database in try await Self.inTransaction("BEGIN", on: database, body, numbering: nil) }
            try await walSync.waitUntilDurable(walSync.lastCommit)
            return value
        } catch {
            try? await walSync.waitUntilDurable(walSync.lastCommit)
            throw error
        }
    }

    /// Runs `body` between `begin` and COMMIT; rolls back if either throws. A writer's COMMIT is
    /// numbered by `numbering` before it runs (what a read may see) and reported after, whatever
    /// its outcome (what the next sync covers); the number is returned.
    private static func inTransaction<T>(
        _ begin: StaticString,
        on database: SQLiteSQLDatabase,
        _ body: (any SQLDatabase) async throws -> T,
        numbering: SQLiteWALSync?
    ) async throws -> (T, UInt64) {
        try await database.raw(SQLQueryString(begin.description)).run()
        let result: T
        do {
            if let memo = database.memo { memo.begin(dataVersion: try database.dataVersion()) }
            result = try await body(database)
        } catch {
            try? await database.raw("ROLLBACK").run()
            throw error
        }
        let number = numbering?.willCommit() ?? 0
        defer { numbering?.didCommit(number) }
        do {
            try await database.raw("COMMIT").run()
        } catch {
            try? await database.raw("ROLLBACK").run()
            throw error
        }
        database.memo?.commit()
        return (result, number)
    }

    /// Waits for shutdown or cancellation, then closes the connections.
    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    public func close() async throws {
        await reader.close()
        // What is waiting for its sync is synced before the writer closes (in its turn, after the
        // transactions queued before): closing may checkpoint and delete the WAL, or, with another
        // process still connected, leave it as it is.
        let walSync = walSync
        await writer.close { try? await walSync.waitUntilDurable(walSync.lastCommit) }
        walSync.stop()
    }
}

/// One SQLite connection, the thread its statements run on, and its turns: one caller at a time.
private final class SQLiteConnection: Sendable {
    private let handle: SQLiteConnectionHandle
    private let thread: SQLiteThread
    private let database: SQLiteSQLDatabase
    private let lock = AsyncSerialLock()
    /// Set once the connection is closed; the thread has ended and takes no more work.
    private let closed = Mutex(false)

    private init(handle: SQLiteConnectionHandle, name: String, memo: SQLiteWriterMemo?, logger: Logger) {
        self.handle = handle
        thread = SQLiteThread(name: name)
        database = SQLiteSQLDatabase(handle: handle, logger: logger, eventLoop: MultiThreadedEventLoopGroup.singleton.any(), memo: memo)
    }

    static func open(path: String, role: String, pragmas: [String], memo: SQLiteWriterMemo? = nil, logger: Logger) async throws -> SQLiteConnection {
        let connection = SQLiteConnection(
            handle: try SQLiteConnectionHandle(path: path),
            name: "sqlite \(role) \(path)",
            memo: memo,
            logger: logger
        )
        do {
            try await connection.run { db in
                for pragma in pragmas { try await db.raw(SQLQueryString(pragma)).run() }
            }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    func run<T>(_ body: (SQLiteSQLDatabase) async throws -> T) async throws -> T {
        try await lock.withLock {
            guard !closed.withLock({ $0 }) else { throw SQLiteFailure(code: 21, message: "the database is closed") }
            return try await withTaskExecutorPreference(thread) { try await body(database) }
        }
    }

    /// Closes the connection in its turn, after `first`.
    func close(after first: () async -> Void = {}) async {
        await lock.withLock {
            guard !closed.withLock({ $0 }) else { return }
            await first()
            await withTaskExecutorPreference(thread) { handle.close() }
            closed.withLock { $0 = true }
            thread.stop()
        }
    }
}
