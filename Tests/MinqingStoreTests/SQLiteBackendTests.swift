import Foundation
import Logging
import SQLKit
import Synchronization
import Testing

@testable import MinqingStore

/// SQLite's two connections and its group commit: reads run beside writes, each on one snapshot, and
/// write nothing; nobody hears of a write, and no read shows one, before the WAL holding it is synced;
/// the writes that commit while the disk syncs share the next sync; a failed sync is never taken for
/// success.
@Suite(.serialized)
struct SQLiteBackendTests {
    /// A WAL sync that the test holds shut, counts, or fails.
    final class Disk: Sendable {
        private struct State {
            var shut = false
            var failing = false
            var syncs = 0
            var waiting = 0
        }

        private let state = Mutex(State())

        var syncs: Int { state.withLock { $0.syncs } }
        /// Syncs that started and are held.
        var held: Int { state.withLock { $0.waiting } }

        func shut() { state.withLock { $0.shut = true } }
        func open() { state.withLock { $0.shut = false } }
        func fail() { state.withLock { $0.failing = true } }

        func sync(_ descriptor: Int32) -> Int32 {
            state.withLock { $0.waiting += 1 }
            while state.withLock({ $0.shut }) { usleep(1_000) }
            return state.withLock { state in
                state.waiting -= 1
                state.syncs += 1
                if state.failing {
                    errno = EIO
                    return -1
                }
                return fdatasync(descriptor)
            }
        }
    }

    final class Count: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func add() { count.withLock { $0 += 1 } }
    }

    static func withDatabase(_ body: (String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minqing-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await body(folder.appendingPathComponent("minqing.sqlite").path)
    }

    static func count(_ backend: SQLiteBackend) async throws -> Int {
        try await backend.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM notes").first()!.decode(column: "n", as: Int.self)
        }
    }

    /// Waits, up to ten seconds, for what another task or thread is bound to do.
    static func eventually(_ what: Comment, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<1_000 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("never happened: \(what)")
    }

    @Test func writesAndReadsReturnOnlyOnceTheWALIsSyncedAndWritesMadeMeanwhileShareOneSync() async throws {
        try await Self.withDatabase { path in
            let disk = Disk()
            let backend = try await SQLiteBackend.open(path: path, syncFile: { disk.sync($0) }, logger: Logger(label: "test"))
            // Another connection to the same file, whose own sync is never held: it sees what is
            // committed, synced or not.
            let observer = try await SQLiteBackend.open(path: path, logger: Logger(label: "test"))
            try await backend.transaction { try await $0.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)").run() }

            disk.shut()
            let returned = Count()
            let first = Task {
                try await backend.transaction { try await $0.raw("INSERT INTO notes (text) VALUES ('first')").run() }
                returned.add()
            }
            try await Self.eventually("the first write's sync started") { disk.held == 1 }
            let syncsBefore = disk.syncs
            // Ten writes commit while the disk is busy with the first: the connection is not held by the sync.
            let others = (0..<10).map { index in
                Task {
                    try await backend.transaction { try await $0.raw("INSERT INTO notes (text) VALUES (\(bind: "note \(index)"))").run() }
                    returned.add()
                }
            }
            try await Self.eventually("all eleven committed") { try await Self.count(observer) == 11 }
            let read = Task {
                let count = try await Self.count(backend)
                returned.add()
                return count
            }
            try await Task.sleep(for: .milliseconds(100))
            #expect(returned.value == 0, "a write was acknowledged, or a read answered, before the WAL sync")

            disk.open()
            try await first.value
            for task in others { try await task.value }
            #expect(try await read.value == 11)
            #expect(returned.value == 12)
            // The held sync covered the first write; the ten that committed meanwhile shared the next.
            #expect(disk.syncs - syncsBefore == 2)

            try await observer.close()
            try await backend.close()
        }
    }

    /// A flag another task raises, or a timer after ten seconds, so that a test fails rather than hangs.
    final class Gate: Sendable {
        private let state = Mutex((entered: false, open: false, timedOut: false))
        var entered: Bool { state.withLock { $0.entered } }
        var open: Bool { state.withLock { $0.open } }
        var timedOut: Bool { state.withLock { $0.timedOut } }

        func enter() { state.withLock { $0.entered = true } }
        func release() { state.withLock { $0.open = true } }

        init() {
            Task { [self] in
                try await Task.sleep(for: .seconds(10))
                timeOut()
            }
        }

        private func timeOut() {
            state.withLock { state in
                if !state.open { state = (state.entered, true, true) }
            }
        }
    }

    /// Holds the writer in a transaction until `gate` opens; returns once it holds it.
    static func holdWriter(_ backend: SQLiteBackend, until gate: Gate) async throws -> Task<Void, any Error> {
        let holder = Task {
            try await backend.transaction { db in
                try await db.raw("INSERT INTO notes (text) VALUES ('held')").run()
                gate.enter()
                while !gate.open { try await Task.sleep(for: .milliseconds(5)) }
            }
        }
        try await eventually("the writer is held") { gate.entered }
        return holder
    }

    static func texts(_ backend: SQLiteBackend) async throws -> [String] {
        try await backend.read { db in
            try await db.raw("SELECT text FROM notes ORDER BY id").all().map { try $0.decode(column: "text", as: String.self) }
        }
    }

    @Test func transactionsThatWaitedForTheWriterCommitTogetherAndOneThatThrowsChangesNothing() async throws {
        try await Self.withDatabase { path in
            let backend = try await SQLiteBackend.open(path: path, logger: Logger(label: "test"))
            try await backend.transaction { try await $0.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)").run() }
            let gate = Gate()
            let holder = try await Self.holdWriter(backend, until: gate)
            let commitsBefore = backend.commitsBegun
            // Queued one after another while the writer is busy: they run in this order.
            let first = Task { try await backend.transaction { try await $0.raw("INSERT INTO notes (text) VALUES ('a')").run() } }
            try await Self.eventually("the first waits") { backend.waitingTransactions == 1 }
            let refused = Task {
                try await backend.transaction { db in
                    try await db.raw("INSERT INTO notes (text) VALUES ('written, then undone')").run()
                    try await db.raw("INSERT INTO notes (text) VALUES ('a')").run()
                }
            }
            try await Self.eventually("the second waits") { backend.waitingTransactions == 2 }
            let third = Task {
                try await backend.transaction { db -> Int in
                    try await db.raw("INSERT INTO notes (text) VALUES ('b')").run()
                    return try await db.raw("SELECT COUNT(*) AS n FROM notes").first()!.decode(column: "n", as: Int.self)
                }
            }
            try await Self.eventually("the third waits") { backend.waitingTransactions == 3 }
            gate.release()
            try await holder.value
            try await first.value
            let failure = await #expect(throws: SQLiteFailure.self) { try await refused.value }
            #expect(failure?.description.contains("UNIQUE") == true)
            // The third saw the first's write and not the refused one's.
            #expect(try await third.value == 3)
            #expect(try await Self.texts(backend) == ["held", "a", "b"])
            // One commit for the holder (still open when counted), one for the three that waited.
            #expect(backend.commitsBegun - commitsBefore == 2)
            #expect(!gate.timedOut)
            try await backend.close()
        }
    }

    @Test func aBatchWhoseTransactionIsLostFailsWhatRanInItAndRunsTheRestAfter() async throws {
        try await Self.withDatabase { path in
            let backend = try await SQLiteBackend.open(path: path, logger: Logger(label: "test"))
            try await backend.transaction { try await $0.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)").run() }
            let gate = Gate()
            let holder = try await Self.holdWriter(backend, until: gate)
            let first = Task { try await backend.transaction { try await $0.raw("INSERT INTO notes (text) VALUES ('a')").run() } }
            try await Self.eventually("the first waits") { backend.waitingTransactions == 1 }
            // Ends the batch's transaction (as a disk error can): nothing that ran in it can stand.
            let breaker = Task {
                try await backend.transaction { db in
                    try await db.raw("ROLLBACK").run()
                    try await db.raw("INSERT INTO notes (text) VALUES ('outside any transaction')").run()
                }
            }
            try await Self.eventually("the second waits") { backend.waitingTransactions == 2 }
            let third = Task { try await backend.transaction { try await $0.raw("INSERT INTO notes (text) VALUES ('b')").run() } }
            try await Self.eventually("the third waits") { backend.waitingTransactions == 3 }
            gate.release()
            try await holder.value
            await #expect(throws: (any Error).self, "its write was rolled back with the batch") { try await first.value }
            await #expect(throws: (any Error).self) { try await breaker.value }
            // Not reached by the failed batch: it runs in the next.
            try await third.value
            let texts = try await Self.texts(backend)
            #expect(texts.contains("held") && texts.contains("b") && !texts.contains("a"))
            #expect(!gate.timedOut)
            try await backend.close()
        }
    }

    @Test func aTransactionCancelledWhileItWaitsNeverRuns() async throws {
        try await Self.withDatabase { path in
            let backend = try await SQLiteBackend.open(path: path, logger: Logger(label: "test"))
            try await backend.transaction { try await $0.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)").run() }
            let gate = Gate()
            let holder = try await Self.holdWriter(backend, until: gate)
            let cancelled = Task { try await backend.transaction { try await $0.raw("INSERT INTO notes (text) VALUES ('cancelled')").run() } }
            try await Self.eventually("it waits") { backend.waitingTransactions == 1 }
            let after = Task { try await backend.transaction { try await $0.raw("INSERT INTO notes (text) VALUES ('after')").run() } }
            try await Self.eventually("the next waits") { backend.waitingTransactions == 2 }
            cancelled.cancel()
            gate.release()
            try await holder.value
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            try await after.value
            #expect(try await Self.texts(backend) == ["held", "after"])
            #expect(!gate.timedOut)
            try await backend.close()
        }
    }

    /// The batch's bodies run in a task of their own: cancelling the caller who started the batch
    /// interrupts nobody's body, its own included, and each caller hears what happened.
    @Test func aBatchRunsToItsEndWhenTheCallerWhoStartedItIsCancelled() async throws {
        try await Self.withDatabase { path in
            let backend = try await SQLiteBackend.open(path: path, logger: Logger(label: "test"))
            try await backend.transaction { try await $0.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)").run() }
            let gate = Gate()
            let holder = try await Self.holdWriter(backend, until: gate)
            let running = Gate()
            // The first to wait starts the next batch, with the second in it.
            let starter = Task {
                try await backend.transaction { db in
                    try await db.raw("INSERT INTO notes (text) VALUES ('a')").run()
                    running.enter()
                    try await Task.sleep(for: .milliseconds(300))
                    try await db.raw("INSERT INTO notes (text) VALUES ('a, later')").run()
                }
            }
            try await Self.eventually("the starter waits") { backend.waitingTransactions == 1 }
            let member = Task {
                try await backend.transaction { db in
                    try await Task.sleep(for: .milliseconds(10))
                    try await db.raw("INSERT INTO notes (text) VALUES ('b')").run()
                }
            }
            try await Self.eventually("the member waits") { backend.waitingTransactions == 2 }
            gate.release()
            try await holder.value
            try await Self.eventually("the batch runs") { running.entered }
            starter.cancel()
            try await starter.value
            try await member.value
            #expect(try await Self.texts(backend) == ["held", "a", "a, later", "b"])
            #expect(!gate.timedOut)
            try await backend.close()
        }
    }

    @Test func aLongReadHoldsUpNoWriteAndSeesOneSnapshot() async throws {
        try await Self.withDatabase { path in
            let backend = try await SQLiteBackend.open(path: path, logger: Logger(label: "test"))
            try await backend.transaction { try await $0.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)").run() }
            let gate = Gate()
            let read = Task {
                try await backend.read { db in
                    let before = try await db.raw("SELECT COUNT(*) AS n FROM notes").first()!.decode(column: "n", as: Int.self)
                    gate.enter()
                    while !gate.open { try await Task.sleep(for: .milliseconds(5)) }
                    let after = try await db.raw("SELECT COUNT(*) AS n FROM notes").first()!.decode(column: "n", as: Int.self)
                    return (before, after)
                }
            }
            try await Self.eventually("the read began") { gate.entered }
            // A public search of a thousand cases must not hold up a report: the write commits
            // while the read is still open.
            try await backend.transaction { try await $0.raw("INSERT INTO notes (text) VALUES ('during the read')").run() }
            gate.release()
            let (before, after) = try await read.value
            #expect(!gate.timedOut, "the write waited for the read")
            #expect(before == 0 && after == 0, "a read sees one snapshot from its first statement to its last")
            #expect(try await Self.count(backend) == 1)
            try await backend.close()
        }
    }

    @Test func aReadWritesNothing() async throws {
        try await Self.withDatabase { path in
            let backend = try await SQLiteBackend.open(path: path, logger: Logger(label: "test"))
            try await backend.transaction { try await $0.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)").run() }
            // A write must go through a transaction, whose commit is synced before anyone hears of it.
            let failure = await #expect(throws: SQLiteFailure.self) {
                try await backend.read { try await $0.raw("INSERT INTO notes (text) VALUES ('not here')").run() }
            }
            #expect(failure?.description.contains("readonly") == true)
            #expect(try await Self.count(backend) == 0)
            try await backend.close()
        }
    }

    @Test func aFailedSyncFailsTheWriteAndEveryLaterOneUntilTheDatabaseIsOpenedAgain() async throws {
        try await Self.withDatabase { path in
            let disk = Disk()
            let backend = try await SQLiteBackend.open(path: path, syncFile: { disk.sync($0) }, logger: Logger(label: "test"))
            try await backend.transaction { try await $0.raw("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)").run() }
            disk.fail()
            let failure = await #expect(throws: SQLiteFailure.self) {
                try await backend.transaction { try await $0.raw("INSERT INTO notes (text) VALUES ('lost?')").run() }
            }
            #expect(failure?.description.contains("write-ahead log could not be synced") == true)
            // The disk may have dropped what it was given: nothing more is acknowledged, reads included.
            await #expect(throws: SQLiteFailure.self) {
                try await backend.transaction { try await $0.raw("INSERT INTO notes (text) VALUES ('after')").run() }
            }
            await #expect(throws: SQLiteFailure.self) { _ = try await Self.count(backend) }
            try await backend.close()

            // Reopened, the database takes writes again. The refused writes were committed and may
            // or may not be there, as after a crash: a caller that was refused retries with its
            // idempotency key.
            let reopened = try await SQLiteBackend.open(path: path, logger: Logger(label: "test"))
            try await reopened.transaction { try await $0.raw("INSERT INTO notes (text) VALUES ('again')").run() }
            let again = try await reopened.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM notes WHERE text = 'again'").first()!.decode(column: "n", as: Int.self)
            }
            #expect(again == 1)
            try await reopened.close()
        }
    }
}
