import Foundation
import MinqingCore
import MinqingStore
import MinqingTestSupport
import SQLKit
import Testing

/// The measures' sums kept beside the case log: after any mix of actions they are exactly what the
/// log says, in both tables, and a tampered sum is found and rebuilt.
struct CaseCountStoreTests {
    static let city = CaseTimerStoreTests.city
    static let tree = AreaTree(areas: AreaStoreTests.areas)
    /// Two grids of one village and one of another village in the same town.
    static let areas: [String] = {
        let villages = tree.areas(of: .village).filter { tree.children(code: $0.code).count >= 2 }
        let first = villages[0]
        let second = villages.first { $0.parentCode == first.parentCode && $0.code != first.code }!
        return tree.children(code: first.code).prefix(2).map(\.code) + [tree.children(code: second.code)[0].code]
    }()
    static let classes = [
        CaseTimerStoreTests.urgent,
        CaseClass(code: "D01", name: "家庭邻里纠纷", category: .dispute, limit: TimeLimit(15, .workingDays)),
    ]

    /// Random walks through the loop: any action the state allows, by a role that may take it, with
    /// every field an action can need, the clock moving on between steps, and scheduler sweeps.
    @Test(arguments: TestDatabase.enabled)
    func theSumsAreExactlyWhatTheLogSaysAfterRandomWalks(_ database: TestDatabase) async throws {
        let clock = TestClock()
        try await database.withStore(now: clock.now) { store in
            store.use(calendar: WorkingCalendar())
            var random = SeededGenerator(seed: 20_261_126)
            var ids: [Int64] = []
            for index in 0..<80 {
                let report = CaseReport(
                    cityCode: Self.city,
                    classCode: Self.classes[index % 2].code,
                    source: [.patrol, .citizen, .hotline][index % 3],
                    areaCode: Self.areas[index % 3],
                    areasAbove: Self.tree.areasAbove(code: Self.areas[index % 3]),
                    level: index % 2 == 0 ? .town : .village,
                    longitude: 115,
                    latitude: 23,
                    description: "案件 \(index)",
                    reporter: "worker"
                )
                guard case .created(let record) = try await store.report(report) else { throw StoreTestError("not created") }
                ids.append(record.id)
                if index % 10 == 9 { clock.advance(by: 86_400) }
            }
            var steps = 0
            var taken: Set<CaseAction> = []
            var states = Dictionary(uniqueKeysWithValues: ids.map { ($0, CaseState.reported) })
            // Side exits are taken now and then, so that most walks go deep into the loop.
            let exits: Set<CaseAction> = [.reject, .merge, .referElsewhere, .escalate]
            for _ in 0..<700 {
                let open = ids.filter { !CaseLifecycle.allowedActions(in: states[$0]!).isEmpty }
                guard let id = open.randomElement(using: &random) else { break }
                let current = try #require(try await store.caseRecord(city: Self.city, id: id))
                let allowed = CaseLifecycle.allowedActions(in: current.state)
                let onward = allowed.filter { !exits.contains($0) }
                let pool = onward.isEmpty || Double.random(in: 0..<1, using: &random) < 0.1 ? allowed : onward
                let action = pool.randomElement(using: &random)!
                let role = CaseLifecycle.roles(for: action).randomElement(using: &random)!
                let fields = CaseActionFields(
                    reason: "原因",
                    evidence: ["sha256:1"],
                    result: "已处置",
                    mergedInto: ids.first { $0 != id },
                    referral: "供电公司",
                    leadDepartment: ["gaj", "cgj"].randomElement(using: &random)!,
                    solved: Bool.random(using: &random),
                    satisfied: Bool.random(using: &random),
                    extensionDays: action == .requestExtension ? 2 : nil
                )
                let caseClass = Self.classes.first { $0.code == current.classCode }!
                do {
                    states[id] = try await store.act(city: Self.city, caseID: id, address: nil) { record, now in
                        let step = try CaseLifecycle.take(
                            action,
                            on: record,
                            by: role,
                            actor: "tester",
                            fields: fields,
                            at: now,
                            calendar: store.calendar,
                            limit: caseClass.limit
                        ).get()
                        return (step, CaseTimers.plan(from: record, to: step.record, caseClass: caseClass, calendar: store.calendar, at: now))
                    }.record.state
                    steps += 1
                    taken.insert(action)
                } catch is CaseActionRefusal {
                    // A return too late, an escalation above the city: refused, nothing written.
                }
                clock.advance(by: Double(Int.random(in: 0..<4 * 3600, using: &random)))
                if steps % 50 == 0 { _ = try await CaseTimerStoreTests.sweepAll(store) }
            }
            #expect(steps > 400)
            // Nearly every action of the loop was taken somewhere.
            #expect(taken.count >= CaseAction.allCases.count - 4, "taken: \(taken.map(\.rawValue).sorted())")
            #expect(try await store.checkMeasureCounts(city: Self.city) == nil)
            #expect(try await Self.count(store, "SELECT COUNT(*) AS n FROM case_events WHERE action = 'supervise'") > 0)

            // Every level of the tree sums what lies below it: grids into their villages (added up when
            // asked), villages into their town (kept), the county holds the whole city's figures (kept).
            let days = MeasureFilter(fromDay: CalendarDay(number: 0), untilDay: CalendarDay(number: 100_000))
            func counts(_ area: String) async throws -> CaseCounters {
                var filter = days
                filter.area = MeasureArea(area, in: Self.tree)
                return try await store.measureCounts(city: Self.city, filter).counters
            }
            let cityWide = try await store.measureCounts(city: Self.city, days)
            #expect(cityWide.counters.reports == 80)
            let above = Self.tree.areasAbove(code: Self.areas[0])
            let (county, town) = (above[0], above[1])
            let (village, secondVillage) = (Self.tree.path(code: Self.areas[0])[1].code, Self.tree.path(code: Self.areas[2])[1].code)
            #expect(try await counts(county) == cityWide.counters)
            #expect(try await counts(town) == cityWide.counters)
            #expect(try await counts(village) == (try await counts(Self.areas[0])) + (try await counts(Self.areas[1])))
            #expect(try await counts(town) == (try await counts(village)) + (try await counts(secondVillage)))
            #expect(try await counts(village).reports == 54)

            // Cases from before the areas above were kept (migration 0018): filled from the tree and
            // summed afresh, they give the same figures.
            try await store.backend.transaction { db in
                try await db.raw("UPDATE cases SET areas_above = '[]'").run()
                for table in ["case_counts_by_area", "case_counts_by_day", "case_counts_by_city_day"] {
                    try await db.raw("DELETE FROM \(ident: table)").run()
                }
            }
            #expect(try await store.measureCountsMissing(city: Self.city))
            try await store.fillAreasAbove(city: Self.city, tree: Self.tree)
            // Two processes starting at once: one rebuilds, the other finds the sums there, and
            // nothing is counted twice (on PostgreSQL the two run on two connections at once).
            let rebuilt = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<2 { group.addTask { try await store.rebuildMeasureCountsIfMissing(city: Self.city) } }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(rebuilt.filter { $0 }.count == 1 && rebuilt.count == 2)
            #expect(try await store.checkMeasureCounts(city: Self.city) == nil)
            #expect(try await counts(county) == cityWide.counters)
            #expect(try await store.caseRecord(city: Self.city, id: ids[0])?.areasAbove == above)

            // A sum edited behind the log's back is found; a rebuild puts it right.
            try await store.backend.transaction { db in
                try await db.raw("UPDATE case_counts_by_area SET handled = handled + 1 WHERE area_code = \(bind: Self.areas[0])").run()
            }
            let found = try await store.checkMeasureCounts(city: Self.city)
            #expect(found?.contains("area \(Self.areas[0])") == true)
            try await store.backend.transaction { db in
                for table in ["case_counts_by_area", "case_counts_by_day", "case_counts_by_city_day"] {
                    try await db.raw("DELETE FROM \(ident: table)").run()
                }
            }
            #expect(try await store.rebuildMeasureCountsIfMissing(city: Self.city))
            #expect(try await store.checkMeasureCounts(city: Self.city) == nil)
            #expect(try await store.measureCounts(city: Self.city, days).counters == cityWide.counters)
        }
    }

    static func count(_ store: Store, _ sql: String) async throws -> Int {
        try await CaseTimerStoreTests.count(store, sql)
    }
}
