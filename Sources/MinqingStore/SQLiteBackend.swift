import Logging
import NIOPosix
import SQLKit
import SQLiteKit
import ServiceLifecycle
import Synchronization

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
        for pragma in ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000"] {
            try await backend.database.raw(SQLQueryString(pragma)).run()
        }
        return backend
    }

    /// Group commit (成组提交): while one batch's COMMIT waits for the disk, the transactions that
    /// arrive queue on the lock; the next of them opens a batch that takes in those already queued
    /// (at most 256), each inside the same transaction under a savepoint of its own, so that one
    /// failing rolls back only itself. The last of them commits for all, and each caller hears of
    /// success only after that COMMIT: acknowledged is still on disk, at one fsync per batch instead
    /// of one per transaction. Later arrivals wait for the next batch, so no one waits for more than
    /// the work queued ahead of them.
    public func transaction<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        await lock.acquire()
        if !batch.withLock({ $0.open }) {
            do {
                try await database.raw("BEGIN IMMEDIATE").run()
            } catch {
                lock.release()
                throw error
            }
            let queued = lock.waiterCount
            batch.withLock { $0 = Batch(open: true, quota: min(Self.maximumBatch, 1 + queued)) }
        }
        batch.withLock { $0.jobs += 1 }
        do {
            try await uncancellable { try await $0.raw("SAVEPOINT job").run() }
        } catch {
            // Nothing of this job ran: the others' work stands and is committed.
            try? await endBatch(committing: true, failure: nil)
            throw error
        }
        var outcome: Result<T, any Error>
        do {
            outcome = .success(try await body(database))
            try await uncancellable { try await $0.raw("RELEASE job").run() }
        } catch {
            outcome = .failure(error)
            do {
                try await uncancellable { db in
                    try await db.raw("ROLLBACK TO job").run()
                    try await db.raw("RELEASE job").run()
                }
            } catch {
                // The transaction itself is gone (SQLite ends it on some errors): the whole batch fails.
                try await endBatch(committing: false, failure: error)
                throw error
            }
        }
        let full = batch.withLock { $0.jobs >= $0.quota }
        let more = lock.waiterCount > 0 && !full
        if case .success = outcome, more {
            // Others wait to join: hand them the open transaction and wait for its COMMIT.
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                batch.withLock { $0.waiting.append(continuation) }
                lock.release()
            }
            return try outcome.get()
        }
        if case .failure = outcome, more {
            lock.release()
            return try outcome.get()
        }
        try await endBatch(committing: true, failure: nil)
        return try outcome.get()
    }

    /// Commits (or rolls back) the open batch, tells every caller waiting on it, and releases the lock
    /// unless asked to keep it (a read or a close goes on with it, rather than queue behind new writes).
    /// Called with the lock held.
    private func endBatch(committing: Bool, failure: (any Error)?, keepingLock: Bool = false) async throws {
        var failure = failure
        if committing {
            do {
                try await uncancellable { try await $0.raw("COMMIT").run() }
                let jobs = batch.withLock { $0.jobs }
                counts.withLock { $0 = ($0.commits + 1, $0.transactions + jobs) }
            } catch {
                failure = error
            }
        }
        if failure != nil { try? await uncancellable { try await $0.raw("ROLLBACK").run() } }
        let waiting = batch.withLock { batch in
            defer { batch = Batch() }
            return batch.waiting
        }
        if !keepingLock { lock.release() }
        for continuation in waiting {
            if let failure { continuation.resume(throwing: failure) } else { continuation.resume() }
        }
        if let failure { throw failure }
    }

    /// The open batch: whether a transaction is open, how many transactions ran in it, and the callers
    /// whose work succeeded and who wait for its COMMIT.
    private struct Batch {
        var open = false
        /// How many transactions this batch takes: the opener and those queued when it opened.
        var quota = 1
        var jobs = 0
        var waiting: [CheckedContinuation<Void, any Error>] = []
    }

    private let batch = Mutex(Batch())
    static let maximumBatch = 256
    private let counts = Mutex((commits: 0, transactions: 0))

    /// COMMITs so far and the transactions they carried: their ratio is the mean batch size.
    public var commitCounts: (commits: Int, transactions: Int) { counts.withLock { $0 } }

    /// Runs a statement that must run even when the calling task is cancelled: a transaction left
    /// open would wedge the only connection. A new task does not inherit the caller's cancellation.
    private func uncancellable(_ statement: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
        let database = self.database
        try await Task { try await statement(database) }.value
    }

    /// A read sees only committed data: it commits an open batch before it reads.
    public func read<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        await lock.acquire()
        defer { lock.release() }
        if batch.withLock({ $0.open }) { try await endBatch(committing: true, failure: nil, keepingLock: true) }
        return try await body(database)
    }

    /// Waits for shutdown or cancellation, then closes the connection. The close runs in a task of
    /// its own, since a cancelled task's thread-pool work is refused and the file would stay open.
    public func run() async throws {
        try? await gracefulShutdown()
        try await Task { try await self.close() }.value
    }

    public func close() async throws {
        await lock.acquire()
        defer { lock.release() }
        if batch.withLock({ $0.open }) { try await endBatch(committing: true, failure: nil, keepingLock: true) }
        try await connection.close()
    }
}
