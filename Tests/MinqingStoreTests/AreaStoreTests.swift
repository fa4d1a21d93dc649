import Foundation
import MinqingCore
import MinqingStore
import MinqingTestSupport
import SQLKit
import Synchronization
import Testing

/// The same store behaviour on SQLite and PostgreSQL.
@Suite(.serialized)
struct AreaStoreTests {
    static let city = "449900"
    static let areas = DemoCityBuilder(plan: .scaled(down: 40)).build()

    static var file: [UInt8] { Array(GeoJSON.write(areas).utf8) }

    static func importFile(_ store: Store, _ file: [UInt8], options: GridFileOptions = .init()) async throws -> AreaImportSummary {
        try await store.importAreas(city: city, file: file, options: options, validator: GridTreeValidator(), actor: "test", source: "test.geojson")
    }

    @Test(arguments: TestDatabase.enabled)
    func migratesOnceAndRecordsIt(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            #expect(try await store.pendingMigrations().isEmpty)
            #expect(try await store.migrate().isEmpty)
            try await store.ping()
        }
    }

    /// A database a newer version migrated is refused, before anything is written to it.
    @Test(arguments: TestDatabase.enabled)
    func refusesADatabaseANewerVersionMigrated(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            try await store.backend.transaction {
                try await $0.raw("INSERT INTO minqing_migrations (id, applied_at) VALUES ('9999_from_the_future', 0)").run()
            }
            await #expect(
                throws: StoreError.invalidConfiguration(
                    "a newer version of minqing has migrated this database (9999_from_the_future): run that version, on every server of the city"
                )
            ) {
                try await store.migrate()
            }
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func importsATreeAndReadsItBackExactly(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            let summary = try await Self.importFile(store, Self.file)
            #expect(summary.imported)
            #expect(summary.created == Self.areas.count)
            let stored = try await store.currentAreas(city: Self.city)
            #expect(stored.sorted { $0.code < $1.code } == Self.areas.sorted { $0.code < $1.code })
            #expect(try await store.cities() == [Self.city])
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func keepsTheHistoryOfARedrawnGrid(_ database: TestDatabase) async throws {
        let clock = TestClock()
        try await database.withStore(now: clock.now) { store in
            _ = try await Self.importFile(store, Self.file)
            // Rename one grid: a new version, the old one closed, the rest untouched.
            var renamed = Self.areas
            let index = renamed.firstIndex { $0.level == .grid }!
            renamed[index].name = "改名网格"
            clock.advance(by: 60)
            let summary = try await Self.importFile(store, Array(GeoJSON.write(renamed).utf8))
            #expect(summary.changed == 1)
            #expect(summary.unchanged == Self.areas.count - 1)
            #expect(summary.created == 0)
            let history = try await store.areaHistory(city: Self.city, code: renamed[index].code)
            #expect(history.map(\.area.name) == [Self.areas[index].name, "改名网格"])
            #expect(history[0].validTo == history[1].validFrom)
            #expect(history[1].validTo == nil)
            #expect(try await store.currentAreas(city: Self.city).count == Self.areas.count)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func anInvalidFileChangesNothing(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            _ = try await Self.importFile(store, Self.file)
            let before = try await store.currentAreas(city: Self.city)
            // A valid rename plus one grid that lies far outside its village: the whole file is refused.
            var bad = Self.areas
            let renamed = bad.firstIndex { $0.level == .grid }!
            bad[renamed].name = "不应写入"
            let moved = bad.lastIndex { $0.level == .grid }!
            bad[moved].shape = MultiPolygon([Polygon(exterior: [.init(100, 10), .init(100.01, 10), .init(100.01, 10.01), .init(100, 10)])])
            let summary = try await Self.importFile(store, Array(GeoJSON.write(bad).utf8))
            #expect(!summary.imported)
            #expect(summary.report.errors.contains { $0.kind == .outsideParent && $0.code == bad[moved].code })
            #expect(try await store.currentAreas(city: Self.city) == before)
            let imports = try await store.backend.read {
                try await $0.raw("SELECT COUNT(*) AS n FROM area_imports").first()!.decode(column: "n", as: Int.self)
            }
            #expect(imports == 1)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aTransactionThatFailsHalfwayLeavesNothingAndTheConnectionUsable(_ database: TestDatabase) async throws {
        struct Halfway: Error {}
        try await database.withStore { store in
            await #expect(throws: Halfway.self) {
                try await store.backend.transaction { db in
                    try await db.raw("INSERT INTO departments (city_code, code, name) VALUES ('449900', 'x', '半途')").run()
                    throw Halfway()
                }
            }
            #expect(try await store.departments(city: "449900").isEmpty)
            // The next transaction starts cleanly on the same connection.
            try await store.addCatalog(city: "449900", departments: [Department(code: "y", name: "之后")], classes: [])
            #expect(try await store.departments(city: "449900").map(\.code) == ["y"])
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aCancelledTransactionRollsBackAndTheConnectionStaysUsable(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            let task = Task {
                try await store.backend.transaction { db in
                    try await db.raw("INSERT INTO departments (city_code, code, name) VALUES ('449900', 'x', '取消')").run()
                    try await Task.sleep(for: .seconds(30))
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            _ = await task.result
            #expect(try await store.departments(city: "449900").isEmpty)
            try await store.addCatalog(city: "449900", departments: [Department(code: "y", name: "之后")], classes: [])
            #expect(try await store.departments(city: "449900").map(\.code) == ["y"])
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func concurrentImportsCannotTogetherBreakTheTree(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            let upper = Self.areas.filter { $0.level <= .village }
            _ = try await Self.importFile(store, Array(GeoJSON.write(upper).utf8))
            // Two files each valid alone, overlapping each other: at most one may land.
            let village = upper.last { $0.level == .village }!
            let grids = Self.areas.filter { $0.parentCode == village.code }
            var first = grids[0]
            first.code = village.code + "901"
            var second = grids[0]
            second.code = village.code + "902"
            let results = try await withThrowingTaskGroup(of: AreaImportSummary.self) { group in
                for area in [first, second] {
                    group.addTask { try await Self.importFile(store, Array(GeoJSON.write([area]).utf8)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter(\.imported).count == 1)
            #expect(results.first { !$0.imported }?.report.errors.first?.kind == .siblingOverlap)
            #expect(try await store.currentAreas(city: Self.city).count == upper.count + 1)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func importsOneLevelUnderAParentInForce(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            let upper = Self.areas.filter { $0.level != .grid }
            _ = try await Self.importFile(store, Array(GeoJSON.write(upper).utf8))
            let village = upper.last { $0.level == .village }!
            let grids = Self.areas.filter { $0.parentCode == village.code }
            var options = GridFileOptions()
            options.level = .grid
            options.parentCode = village.code
            let stripped = GeoJSON.write(
                grids.map {
                    var grid = $0
                    grid.parentCode = nil
                    return grid
                }
            )
            let summary = try await Self.importFile(store, Array(stripped.utf8), options: options)
            #expect(summary.created == grids.count, "\(summary.report.issues.map(\.line))")
            #expect(try await store.currentAreas(city: Self.city).count == upper.count + grids.count)
        }
    }
}

/// The departments and case classes a city starts from.
@Suite(.serialized)
struct CatalogStoreTests {
    @Test(arguments: TestDatabase.enabled)
    func storesTheStandardCatalogueAndKeepsACitysOwnEdits(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            try await store.addCatalog(city: "449900", departments: StandardCatalog.departments, classes: StandardCatalog.caseClasses)
            #expect(try await store.departments(city: "449900") == StandardCatalog.departments.sorted { $0.code < $1.code })
            #expect(try await store.caseClasses(city: "449900") == StandardCatalog.caseClasses.sorted { $0.code < $1.code })
            // A city renamed a department; adding the catalogue again leaves it so.
            try await store.backend.transaction { try await $0.raw("UPDATE departments SET name = '城管局' WHERE code = 'cgj'").run() }
            try await store.addCatalog(city: "449900", departments: StandardCatalog.departments, classes: StandardCatalog.caseClasses)
            #expect(try await store.departments(city: "449900").first { $0.code == "cgj" }?.name == "城管局")
            #expect(try await store.caseClasses(city: "449901").isEmpty)
        }
    }

    /// A city's first grids give it the standard catalog, once: a city that already holds a
    /// catalog, even one department, is given nothing.
    @Test(arguments: TestDatabase.enabled)
    func aNewCitysFirstGridsBringTheStandardCatalogOnce(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            let summary = try await AreaStoreTests.importFile(store, AreaStoreTests.file)
            #expect(summary.imported)
            #expect(try await store.departments(city: AreaStoreTests.city) == StandardCatalog.departments.sorted { $0.code < $1.code })
            #expect(try await store.caseClasses(city: AreaStoreTests.city) == StandardCatalog.caseClasses.sorted { $0.code < $1.code })
            #expect(try await store.seedStandardCatalog(city: AreaStoreTests.city) == false)
            let seeds = try await store.backend.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'case_catalog.seed' AND actor = 'system:catalog'").first()!
                    .decode(column: "n", as: Int.self)
            }
            #expect(seeds == 1)
            // Another city that holds one department of its own is given nothing.
            try await store.addCatalog(city: "449901", departments: [Department(code: "own", name: "自设部门")], classes: [])
            #expect(try await store.seedStandardCatalog(city: "449901") == false)
            #expect(try await store.departments(city: "449901").map(\.code) == ["own"])
            #expect(try await store.caseClasses(city: "449901").isEmpty)
        }
    }

    /// A city whose catalog was written before classes and departments had English (migration
    /// 0024) gets the standard English for what it holds as shipped, and none for what it changed.
    @Test(arguments: TestDatabase.enabled)
    func anOlderCatalogGetsTheStandardEnglishWhereItIsAsShipped(_ database: TestDatabase) async throws {
        try await database.withStore { store in
            let shipped = { (item: CaseClass) -> CaseClass in
                var item = item
                item.nameEn = nil
                for index in item.attributes.indices {
                    item.attributes[index].questionEn = nil
                    for choice in item.attributes[index].choices.indices { item.attributes[index].choices[choice].nameEn = nil }
                }
                return item
            }
            try await store.addCatalog(
                city: "449900",
                departments: StandardCatalog.departments.map { Department(code: $0.code, name: $0.name, parentCode: $0.parentCode) },
                classes: StandardCatalog.caseClasses.map(shipped)
            )
            // As before the migration: no English columns; the city renamed a class and a
            // department, and rewrote one class's questions.
            try await store.backend.transaction { db in
                try await db.raw("ALTER TABLE case_classes DROP COLUMN name_en").run()
                try await db.raw("ALTER TABLE departments DROP COLUMN name_en").run()
                try await db.raw("UPDATE case_classes SET name = '生活垃圾' WHERE code = 'E0101'").run()
                try await db.raw("UPDATE departments SET name = '城管局' WHERE code = 'cgj'").run()
                var rewritten = shipped(StandardCatalog.caseClasses.first { $0.code == "E0501" }!).attributes
                rewritten[0].question = "摊位有几个"
                try await db.raw(
                    "UPDATE case_classes SET attributes = \(bind: JSONValue.array(rewritten.map(\.json)).serialized) WHERE code = 'E0501'"
                )
                .run()
                try await db.raw("DELETE FROM minqing_migrations WHERE id = '0024_english_names'").run()
            }
            #expect(try await store.migrate() == ["0024_english_names"])
            let classes = Dictionary(uniqueKeysWithValues: try await store.caseClasses(city: "449900").map { ($0.code, $0) })
            let standard = Dictionary(uniqueKeysWithValues: StandardCatalog.caseClasses.map { ($0.code, $0) })
            for code in standard.keys where !["E0101", "E0501"].contains(code) { #expect(classes[code] == standard[code], "\(code)") }
            #expect(classes["E0101"]?.nameEn == nil)
            #expect(classes["E0501"]?.nameEn == "Street vending on the road")
            #expect(classes["E0501"]?.attributes.allSatisfy { $0.questionEn == nil } == true)
            let departments = try await store.departments(city: "449900")
            #expect(departments.first { $0.code == "cgj" }?.nameEn == nil)
            #expect(departments.filter { $0.code != "cgj" } == StandardCatalog.departments.filter { $0.code != "cgj" }.sorted { $0.code < $1.code })
        }
    }
}
