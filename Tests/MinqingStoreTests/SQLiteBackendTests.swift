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
