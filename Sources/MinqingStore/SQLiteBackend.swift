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
/// Transactions that wait for the writer while it is busy are run together, as one SQLite
/// transaction (组提交, group commit), each in a savepoint of its own: one that throws is rolled back
/// to its savepoint and the others commit. Why: in WAL mode each COMMIT appends every page it
/// changed to the log, and the disk syncs what was appended. Writes of one kind change the same few
/// pages (the last leaf of each table and index they insert into), so ten residents added in one
/// commit append those pages once, where ten commits append them ten times.
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
    /// Transactions waiting for the writer, and whether one of their callers is running a batch.
    private let queue = Mutex(WriterQueue())

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
        // `temp_store=MEMORY`: a batch's savepoints keep the pages they change in memory, never in a
        // temporary file (SQLite spills them to one past 64 KiB otherwise).
        // The writer opens first: it makes the file and puts it in WAL mode.
        let writer = try await SQLiteConnection.open(
            path: path,
            role: "write",
            pragmas: [
                "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=5000",
                "PRAGMA cache_size=-131072", "PRAGMA temp_store=MEMORY",
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

    /// Runs `body` in a transaction on the writer's thread, in a batch with the transactions that
    /// waited for the writer beside it (see the type's comment): it is committed with them, and
    /// durable with them. A body that throws changes nothing, and the others keep what they wrote;
    /// only a failure of the transaction itself (the disk) fails every member that ran. The caller
    /// of the first waiting transaction starts the batch; when it is done, it hands the writer to the
    /// next waiting caller, who starts the next batch with the transactions queued meanwhile.
    ///
    /// A batch runs in a task of its own, which nobody cancels: a body runs to its end, whatever
    /// happens to its caller or to the caller who started the batch, and commits or rolls back, so
    /// no transaction is left open on the writer. A caller cancelled while it waits for the writer
    /// hears `CancellationError`, and its body never runs.
    public func committedTransaction<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> (value: T, durability: Durability) {
        let walSync = walSync
        // The body runs before this call returns, by whichever caller runs its batch, which sets
        // `result` before it resumes this caller and lets go of the body.
        nonisolated(unsafe) var result: Result<T, any Error>?
        let outcome = await withoutActuallyEscaping(body) { body in
            let body = UncheckedSendable(value: body)
            let job = WriterJob { database in
                do {
                    let value = try await body.value(database)
                    result = .success(value)
                    return true
                } catch {
                    result = .failure(error)
                    return false
                }
            }
            return await withTaskCancellationHandler {
                await submit(job)
            } onCancel: {
                job.cancel()
            }
        }
        switch (outcome, result) {
        case (.ran(let commit), .success(let value)?):
            return (value, Durability { try await walSync.waitUntilDurable(commit) })
        case (.ran(let commit), .failure(let error)?):
            // A refusal may rest on another's commit not yet on disk ("that name is taken"), one of
            // its batch's among them: it waits for the disk as an answer would.
            try? await walSync.waitUntilDurable(commit)
            throw error
        case (.failed(let error), _):
            try? await walSync.waitUntilDurable(walSync.lastCommit)
            throw error
        case (.ran, nil):
            // Cancelled before its turn: its body did not run.
            throw CancellationError()
        }
    }

    /// At most this many transactions in a batch: the first waits for all of them before its
    /// commit, so a long queue is taken in parts.
    static let batchLimit = 64

    /// Transactions waiting for the writer, for tests.
    var waitingTransactions: Int { queue.withLock { $0.waiting.count } }

    /// Commits begun since the database was opened, for tests.
    var commitsBegun: UInt64 { walSync.lastCommit }

    /// Queues `job` for the writer and returns what became of it; runs its batch, and perhaps more,
    /// if the writer is free.
    private func submit(_ job: WriterJob) async -> WriterJob.Outcome {
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<WriterJob.Turn, Never>) in
            let first = queue.withLock { queue in
                if queue.running {
                    job.continuation = continuation
                    queue.waiting.append(job)
                    return false
                }
                queue.running = true
                return true
            }
            if first { continuation.resume(returning: .run) }
        }
        switch turn {
        case .done(let outcome):
            return outcome
        case .run:
            // This caller starts the batch: its own transaction first, then those waiting now.
            var batch =
                [job]
                + queue.withLock { queue in
                    let taken = Array(queue.waiting.prefix(Self.batchLimit - 1))
                    queue.waiting.removeFirst(taken.count)
                    return taken
                }
            let (writer, walSync) = (writer, walSync)
            let outcomes = await Task.detached { [batch] in
                do {
                    return try await writer.run { database in await Self.runBatch(batch, on: database, numbering: walSync) }
                } catch {
                    return Array(repeating: WriterJob.Outcome.failed(error), count: batch.count)
                }
            }.value
            // Transactions not reached by a batch that failed wait for the next.
            let unrun = batch[outcomes.count...]
            batch.removeLast(unrun.count)
            let next = queue.withLock { queue -> WriterJob? in
                queue.waiting.insert(contentsOf: unrun, at: 0)
                guard !queue.waiting.isEmpty else {
                    queue.running = false
                    return nil
                }
                return queue.waiting.removeFirst()
            }
            for member in batch { member.end() }
            for (member, outcome) in zip(batch, outcomes).dropFirst() { member.hear(.done(outcome)) }
            next?.hear(.run)
            return outcomes[0]
        }
    }

    /// Runs the batch's transactions in one SQLite transaction, each in a savepoint when there are
    /// several; returns what became of each, in order. Fewer outcomes than transactions: the batch
    /// failed before it reached the rest, which did not run.
    private static func runBatch(
        _ batch: [WriterJob],
        on database: SQLiteSQLDatabase,
        numbering walSync: SQLiteWALSync
    ) async
        -> [WriterJob.Outcome]
    {
        do {
            try await database.raw("BEGIN IMMEDIATE").run()
        } catch {
            return Array(repeating: .failed(error), count: batch.count)
        }
        let memo = database.memo
        do {
            memo?.begin(dataVersion: try database.dataVersion())
        } catch {
            try? await database.raw("ROLLBACK").run()
            return Array(repeating: .failed(error), count: batch.count)
        }
        if batch.count == 1 {
            guard await batch[0].run(database) else {
                try? await database.raw("ROLLBACK").run()
                return [.ran(commit: walSync.lastCommit)]
            }
        } else {
            for (index, job) in batch.enumerated() {
                do {
                    try await database.raw("SAVEPOINT one").run()
                    memo?.beginSavepoint()
                    let done = await job.run(database)
                    if !done { try await database.raw("ROLLBACK TO one").run() }
                    try await database.raw("RELEASE one").run()
                    memo?.endSavepoint(keeping: done)
                } catch {
                    // The transaction itself is in doubt (the disk failed, or a statement ended it):
                    // what ran in it is undone and fails; what did not run waits for the next batch.
                    try? await database.raw("ROLLBACK").run()
                    return Array(repeating: .failed(error), count: index + 1)
                }
            }
        }
        let number = walSync.willCommit()
        defer { walSync.didCommit(number) }
        do {
            try await database.raw("COMMIT").run()
        } catch {
            try? await database.raw("ROLLBACK").run()
            return Array(repeating: .failed(error), count: batch.count)
        }
        memo?.commit()
        return Array(repeating: .ran(commit: number), count: batch.count)
    }

    /// Runs `body` on the reader, in one read transaction: all its statements see the same
    /// snapshot, as they did when reads and writes took turns on one connection. Returns, or
    /// throws, once every commit the snapshot may hold is on disk.
    public func read<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        let walSync = walSync
        do {
            // The snapshot holds at most the commits begun by the time the read ended.
            let value = try await reader.run { database in
                try await database.raw("BEGIN").run()
                do {
                    let value = try await body(database)
                    try await database.raw("COMMIT").run()
                    return value
                } catch {
                    try? await database.raw("ROLLBACK").run()
                    throw error
                }
            }
            try await walSync.waitUntilDurable(walSync.lastCommit)
            return value
        } catch {
            try? await walSync.waitUntilDurable(walSync.lastCommit)
            throw error
        }
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

/// The writer's queue: transactions waiting for the writer, and whether a caller is running a batch
/// (then the waiting ones are run by it or its successor).
private struct WriterQueue {
    var waiting: [WriterJob] = []
    var running = false
}

/// A transaction waiting for the writer: its body, as a batch runs it, and how its caller hears.
private final class WriterJob: Sendable {
    /// What a transaction's caller hears from the batch's runner.
    enum Turn {
        /// The caller runs the next batch.
        case run
        case done(Outcome)
    }

    /// What became of a transaction in its batch.
    enum Outcome {
        /// Its body returned or threw, and its batch ended as commit `commit` (a batch of one whose
        /// body threw rolled back: the last commit before it): the caller hears once that is on disk.
        case ran(commit: UInt64)
        /// The batch failed: whatever the body wrote is not in the database.
        case failed(any Error)
    }

    /// The caller's body, until it runs or its batch ends: the caller's body may not outlive the
    /// caller's call (`withoutActuallyEscaping` checks).
    private nonisolated(unsafe) var body: (@Sendable (SQLiteSQLDatabase) async -> Bool)?
    /// Set, under the queue's lock, when the transaction waits.
    nonisolated(unsafe) var continuation: CheckedContinuation<Turn, Never>?

    init(_ body: @escaping @Sendable (SQLiteSQLDatabase) async -> Bool) { self.body = body }

    /// Set when the caller is cancelled: if its turn has not come, its body is not run.
    private let cancelled = Atomic(false)

    /// Runs the caller's body, once, unless the caller was cancelled; whether it returned (it threw,
    /// or did not run: the caller knows which).
    func run(_ database: SQLiteSQLDatabase) async -> Bool {
        guard let body else { preconditionFailure("a transaction ran twice") }
        self.body = nil
        guard !cancelled.load(ordering: .acquiring) else { return false }
        return await body(database)
    }

    func cancel() { cancelled.store(true, ordering: .releasing) }

    /// Lets go of the body, run or not, before the caller hears that its batch has ended.
    func end() { body = nil }

    func hear(_ turn: Turn) { continuation?.resume(returning: turn) }
}

/// A caller's transaction body, handed to whichever caller runs its batch while its own caller waits.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
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
