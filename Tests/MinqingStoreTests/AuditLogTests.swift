import Foundation
import MinqingCore
import MinqingTestSupport
import SQLKit
import Synchronization
import Testing

@testable import MinqingStore

/// The audit log is append-only in meaning: any edit, insertion or deletion of a linked entry is
/// found by `verifyAudit`.
@Suite(.serialized)
struct AuditLogTests {
    static let city = "449900"

    /// Appends `count` entries, each in a transaction of its own, and links them to the chain (which
    /// SQLite does as they are written, PostgreSQL a moment later).
    static func fill(_ store: Store, _ count: Int, city: String = city) async throws {
        for index in 0..<count { try await store.audit(record(index, city: city)) }
        try await store.linkAudit(city: city)
    }

    static func record(_ index: Int, actor: String = "wgy", city: String = city) -> AuditRecord {
        AuditRecord(
            at: 1_790_000_000_000 + Int64(index),
            cityCode: city,
            actor: "\(actor)-\(index)",
            action: Action.readPerson.rawValue,
            target: "persons/\(index)",
            purpose: "入户走访",
            address: "127.0.0.1"
        )
    }

    /// Each entry's link is the hash of the entry before it, and its hash that of its link and its
    /// content. SQLite's writer links an entry in the transaction that writes it; PostgreSQL's
    /// writes leave it unlinked (so that a city's writes need not commit one at a time), and the
    /// linker links it after.
    @Test(arguments: TestDatabase.enabled)
    func eachEntryIsLinkedToTheOneBeforeIt(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            for index in 0..<3 { try await store.audit(Self.record(index)) }
            let written = try await Self.chain(store)
            if store.dialect == .sqlite {
                #expect(written.allSatisfy { $0.hash.count == 64 })
                #expect(try await store.linkAudit(city: Self.city) == (0, written[2].id))
            } else {
                #expect(written.allSatisfy { $0.link.isEmpty && $0.hash.isEmpty })
                #expect(try await store.linkAudit(city: Self.city) == (3, written[2].id))
                #expect(try await store.linkAudit(city: Self.city) == (0, written[2].id))
            }
            let linked = try await Self.chain(store)
            var previous = ""
            for (index, entry) in linked.enumerated() {
                #expect(entry.link == previous)
                #expect(entry.hash == Store.chain(previous, Self.record(index)))
                previous = entry.hash
            }
            let verification = try await store.verifyAudit(city: Self.city)
            #expect(verification == AuditVerification(checked: 3, firstBreak: nil, pending: 0))
        }
    }

    /// A batch of entries of two cities, as the intake's writer appends them, comes back with each
    /// entry's own id in the order given (a resident's read of personal data records it), and each
    /// city's entries are linked in that order, after what the city's chain held.
    @Test(arguments: TestDatabase.enabled)
    func aBatchOfTwoCitiesGetsEachEntrysId(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            try await Self.fill(store, 1)
            let batch = [
                Self.record(1), Self.record(0, city: "449800"), Self.record(2), Self.record(1, city: "449800"), Self.record(3),
            ]
            let ids = try await store.backend.transaction { try await store.appendAuditReturningIDs(batch, db: $0) }
            try await store.linkAudit(city: Self.city)
            try await store.linkAudit(city: "449800")
            let here = try await Self.chain(store)
            let there = try await Self.chain(store, city: "449800")
            #expect(here.map(\.actor) == ["wgy-0", "wgy-1", "wgy-2", "wgy-3"])
            #expect(there.map(\.actor) == ["wgy-0", "wgy-1"])
            #expect(ids == [here[1].id, there[0].id, here[2].id, there[1].id, here[3].id])
            #expect(Set(ids).count == 5)
            for city in [Self.city, "449800"] {
                #expect(try await store.verifyAudit(city: city).firstBreak == nil)
            }
            #expect(try await store.verifyAudit(city: Self.city).checked == 4)
        }
    }

    /// On PostgreSQL a transaction's entries go to the database with its next write, inside that
    /// statement (a round trip less), or alone before a read (which sees them) and before the
    /// commit; entries appended in turn keep their order. Whichever way, they are in the log once
    /// the transaction commits, and in none if it does not, nor if the write that took them failed.
    /// (SQLite writes each at once.)
    @Test(arguments: TestDatabase.enabled)
    func entriesGoWithTheirTransactionWhicheverStatementTakesThem(_ database: TestDatabase) async throws {
        struct Refused: Error {}
        try await database.withStore { store in
            func count(_ db: any SQLDatabase) async throws -> Int {
                try await db.raw("SELECT COUNT(*) AS n FROM audit_log").first()!.decode(column: "n", as: Int.self)
            }
            try await store.backend.transaction { db in
                try await store.appendAudit(Self.record(0), db: db)
                try await store.appendAudit([Self.record(1), Self.record(0, city: "449800")], db: db)
                try await db.raw("UPDATE persons SET name = name WHERE id < 0").run()
                try await store.appendAudit([Self.record(2), Self.record(1, city: "449800")], db: db)
                // A statement with a WITH of its own takes none: they go alone before it, as before a read.
                try await db.raw("WITH none AS (SELECT 0 AS id) DELETE FROM persons WHERE id < (SELECT id FROM none)").run()
                #expect(try await count(db) == 5)
                try await store.appendAudit(Self.record(3), db: db)
                #expect(try await count(db) == 6)
                try await store.appendAudit(Self.record(4), db: db)
                try await db.raw("DELETE FROM persons WHERE id < 0").run()
                try await store.appendAudit(Self.record(5), db: db)
            }
            await #expect(throws: Refused.self) {
                try await store.backend.transaction { db in
                    try await store.appendAudit(Self.record(6, actor: "rolled-back"), db: db)
                    try await db.raw("UPDATE persons SET name = name WHERE id < 0").run()
                    try await store.appendAudit(Self.record(7, actor: "rolled-back"), db: db)
                    throw Refused()
                }
            }
            // The write that takes the entry fails: a name may not be NULL.
            await #expect(throws: (any Error).self) {
                try await store.backend.transaction { db in
                    try await store.appendAudit(Self.record(8, actor: "failed"), db: db)
                    try await db.raw("INSERT INTO persons (city_code, area_code, name, created_at, updated_at) VALUES ('449900', 'x', NULL, 0, 0)")
                        .run()
                }
            }
            for city in [Self.city, "449800"] { try await store.linkAudit(city: city) }
            #expect(try await Self.chain(store).map(\.actor) == ["wgy-0", "wgy-1", "wgy-2", "wgy-3", "wgy-4", "wgy-5"])
            #expect(try await Self.chain(store, city: "449800").map(\.actor) == ["wgy-0", "wgy-1"])
            #expect(try await store.verifyAudit(city: Self.city) == AuditVerification(checked: 6, firstBreak: nil, pending: 0))
            #expect(try await store.verifyAudit(city: "449800") == AuditVerification(checked: 2, firstBreak: nil, pending: 0))
        }
    }

    /// A transaction that wrote an entry and has not committed keeps the linker from linking past
    /// it: the entries written after it wait, so that the chain keeps id order, and nobody waits
    /// for the linker. Once it commits, its entry is linked in its place. (PostgreSQL: SQLite's
    /// writer runs one transaction at a time, and links in it.) The two cities' chain locks have
    /// keys of either sign (`hashtext`), which `pg_locks` shows as two unsigned halves.
    @Test(arguments: TestDatabase.enabled.filter { $0 == .postgres }, ["449900", "449800"])
    func aLateCommitIsLinkedInItsPlace(_ database: TestDatabase, city: String) async throws {
        try await database.withStore { store in
            let key = try await store.backend.read {
                try await $0.raw("SELECT hashtext(\(bind: "audit:" + city)) AS key").first()!.decode(column: "key", as: Int32.self)
            }
            #expect((key < 0) == (city == "449900"))
            try await Self.fill(store, 2, city: city)
            let (appended, slowHasAppended) = AsyncStream<Void>.makeStream()
            let (release, commitNow) = AsyncStream<Void>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await store.backend.transaction { db in
                        try await store.appendAudit(Self.record(2, actor: "slow", city: city), db: db)
                        // The write that takes the entry to PostgreSQL.
                        try await db.raw("UPDATE persons SET name = name WHERE id < 0").run()
                        slowHasAppended.yield()
                        for await _ in release {}
                    }
                }
                for await _ in appended { break }
                try await store.audit(Self.record(3, actor: "quick", city: city))
                // The linker watches for the slow transaction to end; a writer meanwhile does not wait for it.
                let linkerDone = Atomic(false)
                let linker = Task {
                    defer { linkerDone.store(true, ordering: .sequentiallyConsistent) }
                    return try await store.linkAudit(city: city)
                }
                try await Task.sleep(for: .milliseconds(50))
                try await store.audit(Self.record(4, actor: "quick", city: city))
                let linkerWasDone = linkerDone.load(ordering: .sequentiallyConsistent)
                #expect(!linkerWasDone)
                #expect(try await linker.value.linked == 0)
                #expect(try await Self.chain(store, city: city).map(\.hash.isEmpty) == [false, false, true, true])
                let meanwhile = try await store.verifyAudit(city: city)
                #expect(meanwhile == AuditVerification(checked: 2, firstBreak: nil, pending: 2))
                commitNow.finish()
                try await group.waitForAll()
            }
            #expect(try await store.linkAudit(city: city).linked == 3)
            let linked = try await Self.chain(store, city: city)
            #expect(linked.map(\.actor) == ["wgy-0", "wgy-1", "slow-2", "quick-3", "quick-4"])
            #expect(linked[2].link == linked[1].hash && linked[3].link == linked[2].hash)
            #expect(try await store.verifyAudit(city: city) == AuditVerification(checked: 5, firstBreak: nil, pending: 0))
        }
    }

    /// Many writers at once, each entry in its own transaction, with the linker running beside them:
    /// every entry ends up in the chain, once.
    @Test(arguments: TestDatabase.enabled)
    func concurrentWritesAllEndUpInTheChain(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            let (writers, each) = (8, 25)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for index in 0..<each { try await store.audit(Self.record(writer * each + index, actor: "w\(writer)")) }
                    }
                }
                let linker = Task {
                    while !Task.isCancelled {
                        try await store.linkAudit(city: Self.city)
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
                try await group.waitForAll()
                linker.cancel()
                _ = await linker.result
            }
            #expect(try await store.verifyAudit(city: Self.city) == AuditVerification(checked: writers * each, firstBreak: nil, pending: 0))
            #expect(try await Self.chain(store).allSatisfy { $0.hash.count == 64 })
        }
    }

    /// An entry whose link and hash were erased, as if never linked, and its content changed: in
    /// the middle of the chain, or the last one, which a linker would otherwise link again with
    /// its new content.
    @Test(arguments: TestDatabase.enabled, [1, 2])
    func findsAnEntryWhoseLinkWasErased(_ database: TestDatabase, offset: Int) async throws {
        try await database.withStore { store in
            try await Self.fill(store, 3)
            let erased = try await Self.id(store, offset: offset)
            try await store.backend.transaction {
                try await $0.raw("UPDATE audit_log SET previous_hash = '', hash = '', purpose = '随便看看' WHERE id = \(bind: erased)").run()
            }
            #expect(try await store.linkAudit(city: Self.city).linked == 0)
            let verification = try await store.verifyAudit(city: Self.city)
            #expect(verification.checked == offset)
            #expect(verification.firstBreak?.id == erased)
            #expect(verification.firstBreak?.reason.contains("link was erased") == true)
            #expect(try await Self.entry(store, offset: offset, "hash") as String == "")
        }
    }

    /// A log whose head was never recorded (linked before the linker existed; migration 0027
    /// records the heads of the logs it finds): its head is its last linked entry, and new entries
    /// are linked after it.
    @Test(arguments: TestDatabase.enabled.filter { $0 == .postgres })
    func aLogLinkedBeforeTheLinkerGoesOnFromItsLastEntry(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            try await Self.fill(store, 2)
            try await store.backend.transaction { try await $0.raw("DELETE FROM audit_chain_heads").run() }
            try await store.audit(Self.record(2))
            #expect(try await store.linkAudit(city: Self.city).linked == 1)
            let linked = try await Self.chain(store)
            #expect(linked[2].link == linked[1].hash)
            #expect(try await store.verifyAudit(city: Self.city) == AuditVerification(checked: 3, firstBreak: nil, pending: 0))
        }
    }

    /// Migration 0027 on a database whose logs were linked before it: it records each city's last
    /// linked entry as the head, not an unlinked one after it, so that the linker goes on from there
    /// and `audit verify` holds the chain's end from the first start after the upgrade.
    @Test(arguments: TestDatabase.enabled.filter { $0 == .postgres })
    func theHeadsMigrationRecordsEachCitysLastLinkedEntry(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            try await Self.fill(store, 3)
            try await Self.fill(store, 2, city: "449800")
            try await store.audit(Self.record(3))
            // As the database was before the migration: no table of heads, the migration not applied.
            try await store.backend.transaction { db in
                try await db.raw("DROP TABLE audit_chain_heads").run()
                try await db.raw("DELETE FROM minqing_migrations WHERE id = '0027_audit_chain_heads'").run()
            }
            #expect(try await store.migrate() == ["0027_audit_chain_heads"])
            let heads = try await store.backend.read { db in
                try await db.raw("SELECT city_code, id, hash FROM audit_chain_heads ORDER BY city_code").all().map {
                    (
                        try $0.decode(column: "city_code", as: String.self), try $0.decode(column: "id", as: Int64.self),
                        try $0.decode(column: "hash", as: String.self)
                    )
                }
            }
            let here = try await Self.chain(store)
            let there = try await Self.chain(store, city: "449800")
            #expect(heads.count == 2)
            #expect(heads.first.map { [$0.0, String($0.1), $0.2] } == ["449800", String(there[1].id), there[1].hash])
            #expect(heads.last.map { [$0.0, String($0.1), $0.2] } == [Self.city, String(here[2].id), here[2].hash])
            #expect(here[3].hash.isEmpty)
            #expect(try await store.linkAudit(city: Self.city).linked == 1)
            #expect(try await store.verifyAudit(city: Self.city) == AuditVerification(checked: 4, firstBreak: nil, pending: 0))
        }
    }

    /// On PostgreSQL the linker records the chain's head, so that the end of the chain is held too:
    /// its last entries deleted, or the last one edited with its hash made again to fit, break it.
    @Test(arguments: TestDatabase.enabled.filter { $0 == .postgres })
    func theRecordedHeadHoldsTheChainsEnd(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            try await Self.fill(store, 3)
            let third = try await Self.id(store, offset: 2)
            var edited = Self.record(2)
            edited.purpose = "随便看看"
            let previous: String = try await Self.entry(store, offset: 1, "hash")
            try await store.backend.transaction {
                try await $0.raw(
                    "UPDATE audit_log SET purpose = '随便看看', hash = \(bind: Store.chain(previous, edited)) WHERE id = \(bind: third)"
                ).run()
            }
            let rehashed = try await store.verifyAudit(city: Self.city)
            #expect(rehashed.checked == 2)
            #expect(rehashed.firstBreak?.id == third)
            #expect(rehashed.firstBreak?.reason.contains("recorded head") == true)
        }
        try await database.withStore { store in
            // A city's whole log deleted: still listed for `audit verify`, and broken.
            try await Self.fill(store, 2)
            let last = try await Self.id(store, offset: 1)
            try await store.backend.transaction { try await $0.raw("DELETE FROM audit_log").run() }
            #expect(try await store.auditedCities() == [Self.city])
            let emptied = try await store.verifyAudit(city: Self.city)
            #expect(emptied.firstBreak?.id == last)
            #expect(emptied.firstBreak?.reason == Store.headGone)
        }
        try await database.withStore { store in
            try await Self.fill(store, 3)
            let third = try await Self.id(store, offset: 2)
            try await store.backend.transaction { try await $0.raw("DELETE FROM audit_log WHERE id = \(bind: third)").run() }
            let truncated = try await store.verifyAudit(city: Self.city)
            #expect(truncated.checked == 2)
            #expect(truncated.firstBreak?.id == third)
            #expect(truncated.firstBreak?.reason.contains("entries at the chain's end were deleted") == true)
        }
    }

    /// The city's entries in id order, with their links.
    static func chain(_ store: Store, city: String = city) async throws -> [(id: Int64, actor: String, link: String, hash: String)] {
        try await store.backend.read { db in
            try await db.raw("SELECT id, actor, previous_hash, hash FROM audit_log WHERE city_code = \(bind: city) ORDER BY id").all().map {
                (
                    try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "actor", as: String.self),
                    try $0.decode(column: "previous_hash", as: String.self), try $0.decode(column: "hash", as: String.self)
                )
            }
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func anImportIsLoggedAndTheChainHolds(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            _ = try await AreaStoreTests.importFile(store, AreaStoreTests.file)
            try await Self.fill(store, 5)
            // The import, the standard catalog the new city's first grids brought, and five more.
            let verification = try await store.verifyAudit(city: Self.city)
            #expect(verification.checked == 7)
            #expect(verification.firstBreak == nil)
            let first = try await store.backend.read { try await $0.raw("SELECT actor, action, detail FROM audit_log ORDER BY id LIMIT 1").first()! }
            #expect(try first.decode(column: "action", as: String.self) == "grids.import")
            #expect(try first.decode(column: "actor", as: String.self) == "test")
            #expect(try first.decode(column: "detail", as: String.self).contains("\(AreaStoreTests.areas.count) new"))
        }
    }

    /// Each append links to the true head of the chain, wherever the entry before it came from: another
    /// process writing to the same database (a command run beside the server), or nowhere, because the
    /// transaction that appended it rolled back. (SQLite's writer remembers the head between appends.)
    @Test(arguments: TestDatabase.enabled)
    func appendsFollowOtherWritersAndRollbacks(_ database: TestDatabase) async throws {
        struct Refused: Error {}
        try await database.withLocation { location in
            try await Store.with(location, logger: TestDatabase.logger) { server in
                try await server.migrate()
                try await Self.fill(server, 2)
                try await Store.with(location, logger: TestDatabase.logger) { command in try await Self.fill(command, 1) }
                try await Self.fill(server, 1)
                await #expect(throws: Refused.self) {
                    try await server.backend.transaction { db in
                        try await server.appendAudit(
                            AuditRecord(at: 1, cityCode: Self.city, actor: "rolled-back", action: Action.readPerson.rawValue, target: "persons/1"),
                            db: db
                        )
                        throw Refused()
                    }
                }
                try await Self.fill(server, 1)
                let verification = try await server.verifyAudit(city: Self.city)
                #expect(verification.checked == 5)
                #expect(verification.firstBreak == nil)
                let actors = try await server.backend.read { db in
                    try await db.raw("SELECT actor FROM audit_log ORDER BY id").all().map { try $0.decode(column: "actor", as: String.self) }
                }
                #expect(actors == ["wgy-0", "wgy-1", "wgy-0", "wgy-0", "wgy-0"])
                #expect(try await Self.chain(server).allSatisfy { $0.hash.count == 64 })
            }
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func findsAnEditedEntry(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            try await Self.fill(store, 5)
            let third = try await Self.id(store, offset: 2)
            try await store.backend.transaction { try await $0.raw("UPDATE audit_log SET purpose = '随便看看' WHERE id = \(bind: third)").run() }
            let verification = try await store.verifyAudit(city: Self.city)
            #expect(verification.checked == 2)
            #expect(verification.firstBreak?.id == third)
            #expect(verification.firstBreak?.reason.contains("edited") == true)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func findsADeletedEntry(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            try await Self.fill(store, 5)
            let (second, third) = (try await Self.id(store, offset: 1), try await Self.id(store, offset: 2))
            try await store.backend.transaction { try await $0.raw("DELETE FROM audit_log WHERE id = \(bind: second)").run() }
            let verification = try await store.verifyAudit(city: Self.city)
            #expect(verification.firstBreak?.id == third)
            #expect(verification.firstBreak?.reason.contains("deleted or inserted") == true)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func findsAnInsertedEntryEvenWithAPlausibleLink(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            try await Self.fill(store, 3)
            // A forger copies the last hash as the new entry's link but cannot make its own hash fit.
            let last = try await store.backend.read {
                try await $0.raw("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").first()!.decode(column: "hash", as: String.self)
            }
            try await store.backend.transaction {
                try await $0.raw(
                    """
                    INSERT INTO audit_log (city_code, at, actor, action, target, outcome, previous_hash, hash)
                    VALUES (\(bind: Self.city), 1, 'ghost', 'persons.read_full', 'persons/1', 'ok', \(bind: last), 'forged')
                    """
                ).run()
            }
            let verification = try await store.verifyAudit(city: Self.city)
            #expect(verification.checked == 3)
            #expect(verification.firstBreak?.reason.contains("edited") == true)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func findsAForkedEntry(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            try await Self.fill(store, 3)
            // A new entry linked to the first one, which already has a successor: a fork of the chain.
            let first = try await store.backend.read {
                try await $0.raw("SELECT hash FROM audit_log ORDER BY id LIMIT 1").first()!.decode(column: "hash", as: String.self)
            }
            try await store.backend.transaction {
                try await $0.raw(
                    """
                    INSERT INTO audit_log (city_code, at, actor, action, target, outcome, previous_hash, hash)
                    VALUES (\(bind: Self.city), 1, 'ghost', 'persons.read_full', 'persons/1', 'ok', \(bind: first), 'forged')
                    """
                ).run()
            }
            let verification = try await store.verifyAudit(city: Self.city)
            #expect(verification.checked == 3)
            #expect(verification.firstBreak?.reason.contains("does not follow the entry before it") == true)
        }
    }

    /// Finding the chain's head (the first append of a city after a start), walking the chain
    /// (`audit verify`) and an auditor's search for an actor's entries never sort or read a city's
    /// whole log, which grows by an entry a write: the head and the walk read it in id order, the
    /// search only the actor's entries (in a time window, only the window's). On SQLite the rowid
    /// and the actor's index give that (migration 0026); an index beginning with the city would lead
    /// SQLite's planner to sort the city's log instead.
    @Test func theLogIsReadWithoutSortingACitysWholeLog() async throws {
        try await TestDatabase.sqlite.withStore { store in
            try await Self.fill(store, 3)
            func plan(_ query: SQLQueryString) async throws -> String {
                try await store.backend.read { db in
                    try await db.raw("EXPLAIN QUERY PLAN " + query).all().map { try $0.decode(column: "detail", as: String.self) }
                        .joined(separator: "; ")
                }
            }
            let head = try await plan(Store.chainHead(city: Self.city))
            #expect(head == "SCAN audit_log")
            let walk = try await plan(Store.chainAfter(city: Self.city, after: 1))
            #expect(walk.contains("PRIMARY KEY") && !walk.contains("TEMP B-TREE"), "\(walk)")
            let window = AuditQuery(actor: "wgy-1", from: Date(timeIntervalSince1970: 1_790_000_000), to: Date(timeIntervalSince1970: 1_790_000_001))
            let search = try await store.backend.read { db in Store.auditPage(db, city: Self.city, window).query }
            let found = try await plan("\(search)")
            #expect(found.contains("INDEX audit_log_actor (actor=? AND city_code=? AND at>? AND at<?)"), "\(found)")
            // And what the head's query finds: the hash of the city's last entry.
            let last = try await store.backend.read {
                try await $0.raw(Store.chainHead(city: Self.city)).first()?.decode(column: "hash", as: String.self)
            }
            #expect(try await last == Self.entry(store, offset: 2, "hash"))
        }
    }

    static func id(_ store: Store, offset: Int) async throws -> Int64 { try await entry(store, offset: offset, "id") }

    /// A column of the log's entry at `offset`, in id order.
    static func entry<T: Decodable & Sendable>(_ store: Store, offset: Int, _ column: String) async throws -> T {
        try await store.backend.read {
            try await $0.raw("SELECT \(ident: column) FROM audit_log ORDER BY id LIMIT 1 OFFSET \(bind: offset)").first()!.decode(
                column: column,
                as: T.self
            )
        }
    }
}
