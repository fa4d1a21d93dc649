import Foundation
import Logging
import MinqingCore
import MinqingServer
import MinqingStore
import MinqingTestSupport
import SQLKit
import Testing

/// The demo city's year of history, written at once: chained, summed and scheduled as if every
/// event had been written in turn.
struct DemoHistoryImportTests {
    @Test(arguments: TestDatabase.enabled)
    func theHistoryIsChainedSummedAndScheduledLikeLiveCases(_ database: TestDatabase) async throws {
        let folder = CommandLineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await database.withStore { store in
            var setup = DemoSetup(plan: ServerHarness.plan)
            setup.bcryptCost = 4
            setup.historyCases = 1200
            _ = try await setup.run(store: store, dataDirectory: folder, logger: TestDatabase.logger)
            let city = ServerHarness.plan.cityCode
            func count(_ sql: String) async throws -> Int {
                try await store.backend.read { db in try await db.raw("\(unsafeRaw: sql)").first()!.decode(column: "n", as: Int.self) }
            }
            #expect(try await count("SELECT COUNT(*) AS n FROM cases") == 1200)
            #expect(
                try await count("SELECT CAST(SUM(event_count) AS BIGINT) AS n FROM cases")
                    == (try await count("SELECT COUNT(*) AS n FROM case_events"))
            )
            #expect(try await store.verifyCaseLogs(city: city).firstBreak == nil)
            #expect(try await store.checkMeasureCounts(city: city) == nil)

            let now = store.nowMilliseconds
            let year = MeasureFilter(
                fromDay: store.calendar.day(of: now - 366 * 86_400_000),
                untilDay: CalendarDay(number: store.calendar.day(of: now).number + 1)
            )
            let (counters, _) = try await store.measureCounts(city: city, year)
            #expect(counters.reports == 1200)
            #expect(counters.onTheSpot > 120 && counters.handled > 400 && counters.returnCalls > 200)

            // Every open deadline still ahead has its timer; nothing already supervised is scheduled again.
            let ahead = try await count(
                "SELECT COUNT(*) AS n FROM cases WHERE due_at > \(now) AND paused_at IS NULL AND closed_at IS NULL"
            )
            #expect(try await count("SELECT COUNT(*) AS n FROM case_timers WHERE done_at IS NULL") == ahead)
            #expect(try await count("SELECT COUNT(*) AS n FROM case_timers WHERE due_at <= \(now)") == 0)

            // New cases take the ids after the history's.
            let grid = try #require(try await store.currentAreas(city: city).first { $0.level == .grid })
            let report = CaseReport(
                cityCode: city,
                classCode: "C0101",
                source: .patrol,
                areaCode: grid.code,
                level: .town,
                longitude: 115.5,
                latitude: 22.9,
                description: "井盖缺失",
                reporter: "test"
            )
            #expect(try await store.report(report).record.id == 1201)
        }
    }
}
