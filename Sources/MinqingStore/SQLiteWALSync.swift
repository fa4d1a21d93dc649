import Foundation

/// Group commit (组提交) for SQLite: the connection commits with `synchronous=NORMAL`, which writes a
/// transaction's WAL frames without syncing them, and this thread then syncs the WAL file, once for
/// every commit that finished before the sync began. A committed transaction's caller hears back
/// only after such a sync, so an acknowledged write is on disk as with `synchronous=FULL`.
///
/// Why: with `synchronous=FULL` each COMMIT syncs on the connection's one thread, and every other
/// transaction and read waits for the disk meanwhile; one sync a transaction is the ceiling of
/// single-transaction writes. Here the connection runs the next transactions while the disk syncs,
/// and the commits that queued meanwhile share the next sync (PostgreSQL flushes its WAL the same
/// way). SQLite keeps the database consistent under power loss with `synchronous=NORMAL` in WAL
/// mode; what it gives up, durability of the last commits, is what this sync gives back.
///
/// Reads wait too, for the commits they may have seen: nothing shown to anyone is lost by a crash.
final class SQLiteWALSync: @unchecked Sendable {
    /// What syncs a file's data: `fdatasync` as SQLite does it; tests hold or fail it.
    typealias SyncFile = @Sendable (Int32) -> Int32

    // Guarded by `condition`.
    private let condition = NSCondition()
    /// Commits numbered in the order the writer makes them; a number is taken just before COMMIT,
    /// so that a read that may see the commit waits for it.
    private var begun: UInt64 = 0
    /// Every commit up to this one has written its WAL frames (or failed and written none).
    private var committed: UInt64 = 0
    /// Every commit up to this one is on disk.
    private var synced: UInt64 = 0
    private var waiters: [(commit: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    /// Once a sync fails, what was written since may be lost without a trace: every later wait fails
    /// too, until the server restarts and SQLite recovers what the disk holds.
    private var failure: SQLiteFailure?
    private var stopping = false
    private var stopped = false

    private let walPath: String
    private let syncFile: SyncFile
    /// The WAL file, opened at the first sync; only the sync thread touches it.
    private var descriptor: Int32 = -1

    init(databasePath: String, syncFile: @escaping SyncFile = { fdatasync($0) }) {
        walPath = databasePath + "-wal"
        self.syncFile = syncFile
        let thread = Thread { [self] in run() }
        thread.name = "sqlite wal sync"
        thread.start()
    }

    /// Numbers the commit about to be made; called by the writer's thread just before COMMIT.
    func willCommit() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        begun += 1
        return begun
    }

    /// Records that commit `number` has written its frames, or failed; called by the writer's
    /// thread right after COMMIT, whatever its outcome.
    func didCommit(_ number: UInt64) {
        condition.lock()
        committed = max(committed, number)
        condition.signal()
        condition.unlock()
    }

    /// The last commit begun so far: what a read may have seen.
    var lastCommit: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return begun
    }

    /// Returns once `commit` and every commit before it are on disk.
    func waitUntilDurable(_ commit: UInt64) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            condition.lock()
            if let failure {
                condition.unlock()
                continuation.resume(throwing: failure)
            } else if commit <= synced {
                condition.unlock()
                continuation.resume()
            } else if stopped {
                condition.unlock()
                continuation.resume(throwing: SQLiteFailure(code: 21, message: "the database is closed"))
            } else {
                waiters.append((commit, continuation))
                condition.signal()
                condition.unlock()
            }
        }
    }

    /// After the writer closed: every commit made is in the database file (closing checkpoints,
    /// and SQLite syncs a checkpoint), so every waiter is answered, and the thread ends.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            // A sync is worth making when someone waits and a commit has written frames since the last.
            while !stopping && (waiters.isEmpty || committed == synced) { condition.wait() }
            if stopping {
                let remaining = waiters
                waiters = []
                stopped = true
                // The writer synced, or checkpointed, everything before it closed.
                if failure == nil { synced = committed }
                let failure = failure
                let done = committed
                condition.unlock()
                if descriptor >= 0 { close(descriptor) }
                for waiter in remaining {
                    if let failure {
                        waiter.continuation.resume(throwing: failure)
                    } else if waiter.commit <= done {
                        waiter.continuation.resume()
                    } else {
                        waiter.continuation.resume(throwing: SQLiteFailure(code: 21, message: "the database is closed"))
                    }
                }
                return
            }
            // Every commit that has written its frames by now is in the WAL file's pages: one sync
            // makes all of them durable.
            let target = committed
            condition.unlock()
            let outcome = sync()
            condition.lock()
            var resumed: [(CheckedContinuation<Void, any Error>, SQLiteFailure?)] = []
            if let outcome {
                failure = outcome
                resumed = waiters.map { ($0.continuation, outcome) }
                waiters = []
            } else {
                synced = target
                waiters.removeAll { waiter in
                    guard waiter.commit <= target else { return false }
                    resumed.append((waiter.continuation, nil))
                    return true
                }
            }
            condition.unlock()
            for (continuation, failure) in resumed {
                if let failure { continuation.resume(throwing: failure) } else { continuation.resume() }
            }
        }
    }

    /// Syncs the WAL file; the failure, if any. The file is opened again if it was replaced (SQLite
    /// deletes it only when the last connection closes, and it is recreated at the next open); each
    /// time it is opened, its folder is synced too, so that a new WAL file's name is on disk.
    private func sync() -> SQLiteFailure? {
        var status = stat()
        if descriptor >= 0, fstat(descriptor, &status) == 0, status.st_nlink == 0 {
            close(descriptor)
            descriptor = -1
        }
        if descriptor < 0 {
            descriptor = open(walPath, O_RDWR | O_CLOEXEC)
            guard descriptor >= 0 else {
                let code = errno
                return Self.failure("cannot open the write-ahead log \(walPath) to sync it", code)
            }
            let folder = open(
                (walPath as NSString).deletingLastPathComponent.isEmpty ? "." : (walPath as NSString).deletingLastPathComponent,
                O_RDONLY | O_CLOEXEC
            )
            if folder >= 0 {
                let synced = fsync(folder)
                let code = errno
                close(folder)
                if synced != 0 { return Self.failure("the folder of the write-ahead log could not be synced", code) }
            }
        }
        guard syncFile(descriptor) == 0 else {
            let code = errno
            return Self.failure("the write-ahead log could not be synced: recent writes may not be on disk; restart the server", code)
        }
        return nil
    }

    private static func failure(_ what: String, _ code: Int32) -> SQLiteFailure {
        SQLiteFailure(code: 10, message: "\(what) (\(String(cString: strerror(code))))")
    }
}
