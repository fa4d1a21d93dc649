import Foundation
import MinqingCore
import MinqingStore
import MinqingTestSupport
import SQLKit
import Testing

/// Residents' records in the store: sealed identifiers, key rotation, the reads each resident is shown.
struct PersonStoreTests {
    static let old = "old:\(PersonalDataCipher.generateKey())"
    static let new = "new:\(PersonalDataCipher.generateKey())"

    static func withCity<T: Sendable>(_ database: TestDatabase, _ body: @Sendable (Store, [Area]) async throws -> T) async throws -> T {
        try await database.withStore { store in
            let areas = AreaStoreTests.areas
            _ = try await AreaStoreTests.importFile(store, AreaStoreTests.file)
            return try await body(store, areas)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func rotationReSealsEveryValueUnderTheNewKeyAndResumes(_ database: TestDatabase) async throws {
        try await Self.withCity(database) { store, areas in
            let grid = areas.first { $0.level == .grid }!.code
            let before = try PersonalDataCipher(keyRing: Self.old)
            // A hotline caller's contact, sealed with the case; a report with a contact and no key is
            // refused. Sealed data in cases alone keeps the server from making a new key.
            #expect(try await !store.holdsSealedPersonalData())
            let contact = ReporterContact(name: "张三", phone: "13812345678")
            var report = CaseReport(
                cityCode: "449900",
                classCode: "C0101",
                source: .hotline,
                areaCode: grid,
                level: .village,
                longitude: 115,
                latitude: 23,
                description: "来电",
                reporter: "operator",
                contact: contact
            )
            await #expect(throws: StoreError.self) { _ = try await store.report(report) }
            await #expect(throws: StoreError.self) { _ = try await store.report(report, cipher: before) }
            report.contactDigest = before.digest(contact.json.serialized)
            guard case .created(let reported) = try await store.report(report, cipher: before) else { throw StoreTestError("not created") }
            #expect(reported.maskedContact == ReporterContact(name: "张*", phone: "138****5678"))
            #expect(try await store.caseRecord(city: "449900", id: reported.id)?.maskedContact == reported.maskedContact)
            #expect(try await store.holdsSealedPersonalData())
            var people: [Person] = []
            for index in 0..<5 {
                people.append(
                    try await store.addPerson(
                        city: "449900",
                        area: grid,
                        name: "居民\(index)",
                        identityNumber: index == 0 ? nil : "441524199003071237",
                        phone: "1381234567\(index)",
                        cipher: before,
                        actor: "test"
                    )
                )
            }
            // The new key first, the old one still in the ring: everything opens, and rotation re-seals
            // 9 identifiers and the contact.
            let ring = try PersonalDataCipher(keyRing: "\(Self.new),\(Self.old)")
            #expect(try await store.person(city: "449900", id: people[1].id, cipher: ring) == people[1])
            #expect(try await store.reporterContact(city: "449900", caseID: reported.id, cipher: ring) == contact)
            #expect(try await store.rotatePersonalData(cipher: ring) == 10)
            #expect(try await store.rotatePersonalData(cipher: ring) == 0)
            // The old key can go: the new one alone opens every value.
            let after = try PersonalDataCipher(keyRing: Self.new)
            for person in people { #expect(try await store.person(city: "449900", id: person.id, cipher: after) == person) }
            #expect(try await store.reporterContact(city: "449900", caseID: reported.id, cipher: after) == contact)
            await #expect(throws: PersonalDataCipher.Failure.self) { _ = try await store.person(city: "449900", id: people[1].id, cipher: before) }
            // A value moved to another row does not open there.
            try await store.backend.transaction { db in
                let sealed = try await db.raw("SELECT phone FROM persons WHERE id = \(bind: people[1].id)").first()!.decode(
                    column: "phone",
                    as: String.self
                )
                try await db.update("persons").set("phone", to: sealed).where("id", .equal, people[2].id).run()
            }
            await #expect(throws: PersonalDataCipher.Failure.tampered) { _ = try await store.person(city: "449900", id: people[2].id, cipher: after) }
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aResidentIsShownEachReadThatDisclosedThemAndNoOther(_ database: TestDatabase) async throws {
        try await Self.withCity(database) { store, areas in
            let grids = areas.filter { $0.level == .grid }
            let cipher = try PersonalDataCipher(keyRing: Self.old)
            let a = try await store.addPerson(
                city: "449900",
                area: grids[0].code,
                name: "甲",
                identityNumber: nil,
                phone: nil,
                cipher: cipher,
                actor: "t"
            )
            let b = try await store.addPerson(
                city: "449900",
                area: grids[1].code,
                name: "乙",
                identityNumber: nil,
                phone: nil,
                cipher: cipher,
                actor: "t"
            )
            func read(_ actor: String, purpose: String?, _ persons: [Int64]) async throws {
                try await store.recordPersonalDataRead(
                    AuditRecord(at: 1, cityCode: "449900", actor: actor, action: "persons.read", target: "x", purpose: purpose, address: "10.0.0.1"),
                    persons: persons
                )
            }
            try await read("zhzx-1", purpose: nil, [a.id, b.id])
            try await read("zhzx-2", purpose: "低保复核", [b.id])
            #expect(try await store.personalDataReads(city: "449900", person: a.id).map(\.actor) == ["zhzx-1"])
            let ofB = try await store.personalDataReads(city: "449900", person: b.id)
            #expect(ofB.map(\.actor) == ["zhzx-2", "zhzx-1"])
            #expect(ofB.first?.purpose == "低保复核" && ofB.first?.address == "10.0.0.1")
            // Lists page through an area subtree.
            let tree = AreaTree(areas: areas)
            let (total, page) = try await store.persons(
                city: "449900",
                areas: tree.subtreeCodes(code: areas[0].code),
                page: 2,
                perPage: 1,
                cipher: cipher
            )
            #expect(total == 2 && page.map(\.id) == [b.id])
            #expect(try await store.verifyAudit(city: "449900").firstBreak == nil)
        }
    }
}
