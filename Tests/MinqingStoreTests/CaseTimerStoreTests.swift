import Foundation
import MinqingCore
import MinqingStore
import MinqingTestSupport
import SQLKit
import Testing

/// The durable scheduler's rows: each timer fires once, across sweeps that race, across a restart,
/// and not at all once its case moved on.
struct CaseTimerStoreTests {
    static let city = "449900"
    /// An urgent class counted in clock hours, so the test needs no working-time calendar.
    static let urgent = CaseClass(code: "H01", name: "社会治安隐患", category: .hazard, limit: TimeLimit(2, .clockHours), urgency: .critical)
    static let calendar = WorkingCalendar()

    static func report(_ store: Store, count: Int) async throws -> [Int64] {
        try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<count {
                group.addTask {
                    let report = CaseReport(
                        cityCode: city,
                        classCode: urgent.code,
                        source: .patrol,
                        areaCode: "449900001001001",
                        level: .town,
                        longitude: 115.0,
                        latitude: 23.0,
                        description: "隐患 \(index)",
                        reporter: "worker"
                    )
                    guard case .created(let record) = try await store.report(report) else { throw StoreTestError("not created") }
                    return record.id
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Takes `action` as the command center or department would, with the timers it sets.
    @discardableResult
    static func act(_ store: Store, _ id: Int64, _ action: CaseAction, _ role: Role, _ fields: CaseActionFields = .init()) async throws -> CaseRecord
    {
        try await store.act(city: city, caseID: id, address: nil) { current, now in
            let step = try CaseLifecycle.take(
                action,
                on: current,
                by: role,
                actor: "tester",
                fields: fields,
                at: now,
                calendar: calendar,
                limit: urgent.limit
            )
            .get()
            return (step, CaseTimers.plan(from: current, to: step.record, caseClass: urgent, calendar: calendar, at: now))
        }.record
    }

    static func dispatch(_ store: Store, _ id: Int64) async throws {
        try await act(store, id, .accept, .commandCenter)
        try await act(store, id, .dispatch, .commandCenter, CaseActionFields(leadDepartment: "gaj"))
    }

    /// Sweeps until nothing is due, as the server's scheduler does.
    static func sweepAll(_ store: Store) async throws -> Int {
        var total = 0
        while true {
            let swept = try await store.sweepTimers(limit: 50) { stored, record, now in
                CaseTimers.fire(stored.timer, on: record, at: now, calendar: calendar, classLimit: urgent.limit, areaAbove: "449900")
            }
            if swept == 0 { return total }
            total += swept
        }
    }

    static func count(_ store: Store, _ sql: String) async throws -> Int {
        try await store.backend.read { db in try await db.raw("\(unsafeRaw: sql)").first()!.decode(column: "n", as: Int.self) }
    }

    @Test(arguments: TestDatabase.enabled)
    func aDispatchSetsAWarningAndAnOverdueTimerThatFireOnceEach(_ database: TestDatabase) async throws {
        let clock = TestClock()
        try await database.withStore(now: clock.now) { store in
            let id = try await Self.report(store, count: 1)[0]
            try await Self.dispatch(store, id)
            let timers = try await store.caseTimers(caseID: id).map(\.timer.timer)
            let due = try #require(try await store.caseRecord(city: Self.city, id: id)?.dueAt)
            // 75 % of two clock hours: the warning 30 minutes before the deadline.
            #expect(
                timers == [CaseTimer(kind: .warning, dueAt: due - 1_800_000, reference: due), CaseTimer(kind: .overdue, dueAt: due, reference: due)]
            )

            #expect(try await Self.sweepAll(store) == 0)
            clock.advance(by: 95 * 60)
            #expect(try await Self.sweepAll(store) == 1)
            let warned = try await store.caseNotices(city: Self.city, to: .department("gaj"))
            #expect(warned.map(\.notice.kind) == [.warning])
            #expect(try await store.caseLog(caseID: id).map(\.event.action) == ["report", "accept", "dispatch"])

            clock.advance(by: 30 * 60)
            #expect(try await Self.sweepAll(store) == 1)
            let log = try await store.caseLog(caseID: id)
            #expect(log.map(\.event.action) == ["report", "accept", "dispatch", "supervise"])
            #expect(log.last?.event.actor == CaseTimers.actor)
            #expect(log.last?.event.to == .dispatched)
            #expect(try await store.caseNotices(city: Self.city, to: .department("gaj")).map(\.notice.kind) == [.overdue, .warning])
            #expect(try await store.caseNotices(city: Self.city, to: .commandCenters(areas: ["449900"])).map(\.notice.kind) == [.overdue])
            #expect(try await store.caseTimers(caseID: id).map(\.outcome) == ["fired", "fired"])
            // Nothing fires twice.
            clock.advance(by: 86_400)
            #expect(try await Self.sweepAll(store) == 0)
            #expect(try await store.verifyCaseLogs(city: Self.city).firstBreak == nil)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aSuspendedCaseIsNotSupervisedAndResumingSetsTheShiftedDeadline(_ database: TestDatabase) async throws {
        let clock = TestClock()
        try await database.withStore(now: clock.now) { store in
            let id = try await Self.report(store, count: 1)[0]
            try await Self.dispatch(store, id)
            let due = try #require(try await store.caseRecord(city: Self.city, id: id)?.dueAt)
            clock.advance(by: 60 * 60)
            try await Self.act(store, id, .suspend, .commandCenter, CaseActionFields(reason: "等待产权单位确认"))
            #expect(try await store.caseTimers(caseID: id).map(\.outcome) == ["ended", "ended"])
            clock.advance(by: 5 * 3600)
            #expect(try await Self.sweepAll(store) == 0)
            #expect(try await store.caseNotices(city: Self.city, to: .department("gaj")).isEmpty)

            let resumed = try await Self.act(store, id, .resume, .commandCenter)
            // Five paused hours later, the deadline moved by five hours; one hour of the limit is left.
            #expect(resumed.dueAt == due + 5 * 3_600_000)
            let open = try await store.caseTimers(caseID: id).filter { $0.doneAt == nil }.map(\.timer.timer)
            #expect(
                open == [
                    CaseTimer(kind: .warning, dueAt: due + 5 * 3_600_000 - 1_800_000, reference: due + 5 * 3_600_000),
                    CaseTimer(kind: .overdue, dueAt: due + 5 * 3_600_000, reference: due + 5 * 3_600_000),
                ]
            )
            // Handled in time: the verification clock replaces the handling clock.
            try await Self.act(store, id, .sign, .departmentHandler)
            try await Self.act(store, id, .handle, .departmentHandler, CaseActionFields(evidence: ["sha256:1"], result: "已处置"))
            clock.advance(by: 2 * 3600)
            #expect(try await Self.sweepAll(store) == 0)
            #expect(try await store.caseLog(caseID: id).contains { $0.event.action == "supervise" } == false)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aClosedHazardIsFollowedUpAfterSevenDaysUnlessReopened(_ database: TestDatabase) async throws {
        let clock = TestClock()
        try await database.withStore(now: clock.now) { store in
            let ids = try await Self.report(store, count: 2).sorted()
            for id in ids {
                try await Self.dispatch(store, id)
                try await Self.act(store, id, .sign, .departmentHandler)
                try await Self.act(store, id, .handle, .departmentHandler, CaseActionFields(evidence: ["sha256:1"], result: "已处置"))
                try await Self.act(store, id, .verify, .commandCenter, CaseActionFields(evidence: ["sha256:2"]))
                try await Self.act(store, id, .close, .commandCenter)
            }
            try await Self.act(store, ids[1], .reopen, .commandCenter, CaseActionFields(reason: "群众反映问题仍在"))
            clock.advance(by: 7 * 86_400 + 60)
            _ = try await Self.sweepAll(store)
            let notices = try await store.caseNotices(city: Self.city, to: .commandCenters(areas: nil)).filter { $0.notice.kind == .followUp }
            #expect(notices.map(\.caseID) == [ids[0]])
            #expect(notices.first?.notice.areaCode == "449900001001001")
        }
    }

    /// Two servers on one database: sweeps that race each fire every timer once (PostgreSQL's
    /// `SKIP LOCKED`; SQLite's single writer), and a restarted store finds nothing left.
    @Test(arguments: TestDatabase.enabled)
    func racingSweepsAndARestartFireEachTimerExactlyOnce(_ database: TestDatabase) async throws {
        let clock = TestClock()
        let cases = 200
        try await database.withLocation { location in
            try await Store.with(location, logger: TestDatabase.logger, now: clock.now) { first in
                try await first.migrate()
                for id in try await Self.report(first, count: cases) { try await Self.dispatch(first, id) }
                clock.advance(by: 3 * 3600)
                try await Store.with(location, logger: TestDatabase.logger, now: clock.now) { second in
                    // SQLite has one writer per file: the second process there is the same store sweeping twice at once.
                    let other = database == .postgres ? second : first
                    async let a = Self.sweepAll(first)
                    async let b = Self.sweepAll(other)
                    let swept = try await a + b
                    #expect(swept == 2 * cases)
                }
                #expect(try await Self.count(first, "SELECT COUNT(*) AS n FROM case_events WHERE action = 'supervise'") == cases)
                #expect(
                    try await Self.count(
                        first,
                        "SELECT COUNT(*) AS n FROM (SELECT case_id FROM case_events WHERE action = 'supervise' GROUP BY case_id HAVING COUNT(*) > 1) t"
                    ) == 0
                )
                #expect(try await Self.count(first, "SELECT COUNT(*) AS n FROM case_notices") == cases * 3)
                #expect(try await Self.count(first, "SELECT COUNT(*) AS n FROM case_timers WHERE done_at IS NULL") == 0)
                #expect(try await first.verifyCaseLogs(city: Self.city).firstBreak == nil)
            }
            // A restart: the rows say everything was done.
            try await Store.with(location, logger: TestDatabase.logger, now: clock.now) { restarted in
                clock.advance(by: 86_400)
                let swept = try await Self.sweepAll(restarted)
                #expect(swept == 0)
            }
        }
    }
}

struct StoreTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
