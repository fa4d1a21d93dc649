import Foundation
import MinqingCore
import MinqingTestSupport
import SQLKit
import Testing

@testable import MinqingStore

/// The audit log is append-only in meaning: any edit, insertion or deletion is found by `verifyAudit`.
@Suite(.serialized)
struct AuditLogTests {
    static let city = "449900"

    static func fill(_ store: Store, _ count: Int) async throws {
        for index in 0..<count {
            try await store.audit(
                AuditRecord(
                    at: 1_790_000_000_000 + Int64(index),
                    cityCode: city,
                    actor: "wgy-\(index)",
                    action: Action.readPerson.rawValue,
                    target: "persons/\(index)",
                    purpose: "入户走访",
                    address: "127.0.0.1"
                )
            )
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
