import Foundation
import MinqingCore
import Testing

/// The measures of DOMAIN.md §3 from real case logs: twelve cases run through the lifecycle in
/// March 2026 (no holidays; Monday 2 March to Friday 13 March), counted by hand.
struct CaseMeasuresTests {
    static let calendar = WorkingCalendarTests.calendar
    static let at = WorkingCalendarTests.at
    static let fiveDays = TimeLimit(5, .workingDays)
    static let hour: Int64 = 3_600_000

    /// A case's log with the projection after each of its events.
    struct Trail {
        var records: [CaseRecord]
        var events: [CaseEvent]
        var record: CaseRecord { records[records.count - 1] }
    }

    static func trail(
        _ id: Int64,
        from source: CaseSource = .patrol,
        reported time: String = "2026-03-02 09:00",
        _ steps: [(CaseAction, Role, CaseActionFields, String)]
    ) throws -> Trail {
        let opened = CaseReport(
            cityCode: "449900",
            classCode: "C0201",
            source: source,
            areaCode: "449900001001001",
            level: .village,
            longitude: 115.3,
            latitude: 22.8,
            description: "路面坑槽",
            reporter: "wgy"
        ).opened(id: id, at: at(time))
        var trail = Trail(records: [opened.record], events: [opened.event])
        for (action, role, fields, time) in steps {
            let step = try CaseLifecycle.take(
                action,
                on: trail.record,
                by: role,
                actor: "x",
                fields: fields,
                at: at(time),
                calendar: calendar,
                limit: fiveDays
            ).get()
            trail.records.append(step.record)
            trail.events.append(step.event)
        }
        return trail
    }

    static func facts(_ trail: Trail) -> CaseFacts { CaseFacts(record: trail.record, events: trail.events, calendar: calendar) }

    // The steps the fixture repeats.
    static func accept(_ time: String = "2026-03-02 09:00") -> (CaseAction, Role, CaseActionFields, String) {
        (.accept, .commandCenter, .init(), time)
    }
    static func dispatch(_ department: String, _ time: String = "2026-03-02 09:00") -> (CaseAction, Role, CaseActionFields, String) {
        (.dispatch, .commandCenter, .init(leadDepartment: department), time)
    }
    static func sign(_ time: String = "2026-03-02 10:00") -> (CaseAction, Role, CaseActionFields, String) {
        (.sign, .departmentHandler, .init(), time)
    }
    static func handle(_ time: String) -> (CaseAction, Role, CaseActionFields, String) {
        (.handle, .departmentHandler, .init(evidence: ["after.jpg"], result: "已处置"), time)
    }
    static func verify(_ time: String) -> (CaseAction, Role, CaseActionFields, String) {
        (.verify, .gridWorker, .init(evidence: ["check.jpg"]), time)
    }
    static func close(_ time: String) -> (CaseAction, Role, CaseActionFields, String) { (.close, .commandCenter, .init(), time) }
    static func rate(solved: Bool, satisfied: Bool, _ time: String) -> (CaseAction, Role, CaseActionFields, String) {
        (.rate, .commandCenter, .init(solved: solved, satisfied: satisfied), time)
    }

    /// Departments: jtj (transport), cgj (city management), sw (water). Unless said, a case is a patrol
    /// report at village level at Monday 2 March 09:00, accepted and dispatched at once, so that its
    /// five working days end Monday 9 March 09:00.
    static func fixture() throws -> [Trail] {
        [
            // 1. Resolved on the spot (grid level); the return call: solved, not satisfied.
            try trail(
                1,
                [
                    (.resolveOnSite, .gridWorker, .init(evidence: ["spot.jpg"]), "2026-03-02 09:10"),
                    rate(solved: true, satisfied: false, "2026-03-02 15:00"),
                ]
            ),
            // 2. A citizen's report accepted in 30 minutes (responded), dispatched at 10:00 (due 9 March
            // 10:00), handled Wednesday 10:00 (on time; verification due Thursday 10:00), closed Wednesday
            // 16:00 (on time), called back: solved and satisfied.
            try trail(
                2,
                from: .citizen,
                [
                    accept("2026-03-02 09:30"), dispatch("jtj", "2026-03-02 10:00"), sign("2026-03-02 11:00"), handle("2026-03-04 10:00"),
                    verify("2026-03-04 15:00"), close("2026-03-04 16:00"), rate(solved: true, satisfied: true, "2026-03-05 09:00"),
                ]
            ),
            // 3. Dispatched to sw at 10:00, returned by sw the next morning, dispatched to cgj at 10:00
            // (due 10 March 10:00), handled Thursday 09:00 (on time), verified, not yet closed.
            try trail(
                3,
                [
                    accept(), dispatch("sw", "2026-03-02 10:00"),
                    (.returnToDispatcher, .departmentHandler, .init(reason: "非本部门职责"), "2026-03-03 09:00"),
                    dispatch("cgj", "2026-03-03 10:00"), sign("2026-03-03 11:00"), handle("2026-03-05 09:00"), verify("2026-03-05 10:00"),
                ]
            ),
            // 4. Two more working days approved (due 11 March 09:00); handled 10 March 09:00, late on the
            // first deadline but on time on the extended one; closed 11:00, before verification's deadline.
            try trail(
                4,
                [
                    accept(), dispatch("jtj"), sign(),
                    (.requestExtension, .departmentHandler, .init(reason: "待采购", extensionDays: 2), "2026-03-03 09:00"),
                    (.approveExtension, .commandCenter, .init(), "2026-03-03 10:00"), handle("2026-03-10 09:00"), verify("2026-03-10 10:00"),
                    close("2026-03-10 11:00"),
                ]
            ),
            // 5. Handled Tuesday, sent back for rework Tuesday 14:00 (a fresh limit: due 10 March 12:00),
            // handled again Friday 09:00 (on time; verification due Monday 09:00), closed Friday 11:00.
            try trail(
                5,
                [
                    accept(), dispatch("cgj"), sign(), handle("2026-03-03 09:00"), (.rework, .gridWorker, .init(reason: "未修复"), "2026-03-03 14:00"),
                    handle("2026-03-06 09:00"), verify("2026-03-06 10:00"), close("2026-03-06 11:00"),
                ]
            ),
            // 6. Deferred by sw: waits for a budget.
            try trail(6, [accept(), dispatch("sw"), sign(), (.defer_, .commandCenter, .init(reason: "待预算"), "2026-03-03 09:00")]),
            // 7. Escalated to the town first; handled 10 March 09:00, a day late; closed 12 March 09:00.
            try trail(
                7,
                [
                    (.escalate, .commandCenter, .init(reason: "超出村级能力"), "2026-03-02 09:00"), accept(), dispatch("jtj"), sign(),
                    handle("2026-03-10 09:00"), verify("2026-03-10 10:00"), close("2026-03-12 09:00"),
                ]
            ),
            // 8. A citizen's report on Friday 16:00, rejected on Monday 10:00: its response was due Friday 17:00.
            try trail(8, from: .citizen, reported: "2026-03-06 16:00", [(.reject, .commandCenter, .init(reason: "非管辖事项"), "2026-03-09 10:00")]),
            // 9. A hotline report on Saturday 20:00, accepted Monday 09:00: within an hour of working time
            // (due Monday 09:30). Dispatched to sw (37 hours after the report), handled, closed, then
            // "not solved" at the return call: reopened, so sw's handling and closing no longer count.
            try trail(
                9,
                from: .hotline,
                reported: "2026-03-07 20:00",
                [
                    accept("2026-03-09 09:00"), dispatch("sw", "2026-03-09 09:00"), sign("2026-03-09 10:00"), handle("2026-03-10 09:00"),
                    verify("2026-03-10 10:00"), close("2026-03-10 11:00"), rate(solved: false, satisfied: false, "2026-03-11 09:00"),
                ]
            ),
            // 10. A hotline report accepted after 61 minutes: not responded.
            try trail(10, from: .hotline, [accept("2026-03-02 10:01")]),
            // 11. Signed by cgj and left: overdue and open once 9 March 09:00 has passed.
            try trail(11, [accept(), dispatch("cgj"), sign()]),
            // 12. Signed by jtj, then suspended: its clock stopped, it is not overdue.
            try trail(12, [accept(), dispatch("jtj"), sign(), (.suspend, .commandCenter, .init(reason: "涉诉"), "2026-03-03 09:00")]),
        ]
    }

    static func sum(_ all: [CaseFacts]) -> [String: CaseCounters] {
        all.reduce(into: [:]) { sums, facts in
            for (key, counters) in facts.byDepartment { sums[key, default: .zero] += counters }
        }
    }

    static func counters(_ build: (inout CaseCounters) -> Void) -> CaseCounters {
        var counters = CaseCounters()
        build(&counters)
        return counters
    }

    /// The counters, worked out by hand from the fixture's comments.
    static let expected: [String: CaseCounters] = [
        "": counters {
            $0.reports = 12
            // Every case but the rejected 8.
            $0.valid = 11
            $0.onTheSpot = 1
            $0.closedAtGrid = 1
            // 2 and 8 (citizen), 9 and 10 (hotline); 2 and 9 in time.
            $0.respondable = 4
            $0.responded = 2
            // Cases 1 (solved), 2 (solved, satisfied), 9 (neither).
            $0.returnCalls = 3
            $0.solved = 2
            $0.satisfied = 1
            // First dispatches: 2 and 3 an hour after the report, 9 after 37 hours (Saturday 20:00 to
            // Monday 09:00), 4, 5, 6, 7, 11, 12 at once: 1 + 1 + 37 = 39 hours over 9 cases.
            $0.reportToDispatchMilliseconds = 39 * hour
            $0.reportToDispatchCount = 9
        },
        // Cases 2, 4, 7, 12.
        "jtj": counters {
            $0.dispatches = 4
            $0.handled = 3
            // 7 was late.
            $0.handledOnTime = 2
            $0.extended = 1
            $0.closed = 3
            $0.closedOnTime = 2
            $0.closedAtVillage = 2
            $0.closedAtTown = 1
            // 2: Monday 10:00 to Wednesday 10:00 = 48 h; 4 and 7: 2 March 09:00 to 10 March 09:00 = 192 h.
            $0.dispatchToHandleMilliseconds = (48 + 192 + 192) * hour
            $0.dispatchToHandleCount = 3
            // 2: 6 h; 4: 2 h; 7: 10 March 09:00 to 12 March 09:00 = 48 h.
            $0.handleToCloseMilliseconds = (6 + 2 + 48) * hour
            $0.handleToCloseCount = 3
        },
        // Cases 3 (from its second dispatch), 5, 11.
        "cgj": counters {
            $0.dispatches = 3
            $0.handled = 2
            $0.handledOnTime = 2
            $0.reworked = 1
            $0.closed = 1
            $0.closedOnTime = 1
            $0.closedAtVillage = 1
            // 3: Tuesday 10:00 to Thursday 09:00 = 47 h; 5: 2 March 09:00 to 6 March 09:00 = 96 h.
            $0.dispatchToHandleMilliseconds = (47 + 96) * hour
            $0.dispatchToHandleCount = 2
            $0.handleToCloseMilliseconds = 2 * hour
            $0.handleToCloseCount = 1
        },
        // Cases 3 (returned), 6 (deferred), 9 (reopened).
        "sw": counters {
            $0.dispatches = 3
            $0.returns = 1
            $0.deferred = 1
        },
    ]

    static let now = at("2026-03-12 09:00")

    @Test func countersOfTheFixtureAreTheHandCountedOnes() throws {
        let trails = try Self.fixture()
        #expect(Self.sum(trails.map(Self.facts)) == Self.expected)
        // Open at 12 March 09:00: 6 (deferred, paused), 9 and 10 (accepted), 11 (signed, due 9 March
        // 09:00: overdue), 12 (suspended, paused). Case 3 is verified, past handling.
        let overdue = trails.filter { CaseMeasures.isOverdueOpen($0.record, at: Self.now) }.map(\.record)
        #expect(overdue.map(\.id) == [11] && overdue.map(\.leadDepartment) == ["cgj"])
        #expect(!CaseMeasures.isOverdueOpen(trails[10].record, at: Self.at("2026-03-09 09:00")))
    }

    @Test func measuresOfTheFixture() throws {
        let total = Self.expected.values.reduce(.zero, +)
        let measures = CaseMeasures(counters: total, overdueOpen: 1)
        // Handled 3 + 2 = 5, plus 1 overdue open: 6 due for handling; with 1 deferred, 7 due for closing.
        #expect(measures.dueForHandling == 6 && measures.dueForClosing == 7)
        typealias Ratio = CaseMeasures.Ratio
        let expected: [String: Ratio] = [
            "valid_report_rate": Ratio(11, over: 12),
            "on_the_spot_rate": Ratio(1, over: 12),
            // 10 dispatches, 1 returned.
            "dispatch_accuracy": Ratio(9, over: 10),
            "return_rate": Ratio(1, over: 10),
            "handling_rate": Ratio(5, over: 6),
            // 2, 3, 4, 5 on time; 7 late.
            "on_time_handling_rate": Ratio(4, over: 6),
            "overdue_open_rate": Ratio(1, over: 6),
            "extension_rate": Ratio(1, over: 6),
            "rework_rate": Ratio(1, over: 7),
            // Closed 2, 4, 5, 7 over 7 − 1 deferred; 7 closed late.
            "closure_rate": Ratio(4, over: 6),
            "on_time_closure_rate": Ratio(3, over: 6),
            "response_rate": Ratio(2, over: 4),
            "solved_rate": Ratio(2, over: 3),
            "satisfaction_rate": Ratio(1, over: 3),
            // Finished: 1 at grid (on the spot), 2, 4, 5 at village, 7 at town.
            "closed_at_grid_share": Ratio(1, over: 5),
            "closed_at_village_share": Ratio(3, over: 5),
            "closed_at_town_share": Ratio(1, over: 5),
            "closed_at_county_share": Ratio(0, over: 5),
            "closed_at_city_share": Ratio(0, over: 5),
            // 39 h over 9 = 4 h 20 min; (432 + 143) h over 5 = 115 h; (56 + 2) h over 4 = 14.5 h.
            "average_report_to_dispatch": Ratio(39 * Self.hour, over: 9),
            "average_dispatch_to_handle": Ratio(575 * Self.hour, over: 5),
            "average_handle_to_close": Ratio(58 * Self.hour, over: 4),
        ]
        let published = Dictionary(uniqueKeysWithValues: CaseMeasures.formulas.map { ($0.id, measures[keyPath: $0.ratio]) })
        #expect(published == expected)
        #expect(measures.averageReportToDispatch.rate == Double(4 * Self.hour + 20 * 60_000))
        #expect(measures.averageDispatchToHandle.rate == Double(115 * Self.hour))
        #expect(measures.onTimeHandlingRate.rate == 4.0 / 6.0)
        // Each department on its own: jtj has nothing overdue; cgj has case 11.
        let cgj = CaseMeasures(counters: Self.expected["cgj"]!, overdueOpen: 1)
        #expect(cgj.handlingRate == Ratio(2, over: 3) && cgj.reworkRate == Ratio(1, over: 3) && cgj.dispatchAccuracy == Ratio(3, over: 3))
        let sw = CaseMeasures(counters: Self.expected["sw"]!, overdueOpen: 0)
        #expect(sw.returnRate == Ratio(1, over: 3) && sw.dispatchAccuracy == Ratio(2, over: 3))
        // Deferred only: due for closing 1, minus 1 deferred: no closure rate, not a division by zero.
        #expect(sw.reworkRate == Ratio(0, over: 1) && sw.closureRate.rate == nil && sw.handlingRate.rate == nil)
    }

    @Test func aReturnCountsForTheDepartmentThatReturnedAndHandlingForTheOneThatHandled() throws {
        let trail = try Self.fixture()[2]
        let facts = Self.facts(trail)
        #expect(
            facts.byDepartment["sw"]
                == Self.counters {
                    $0.dispatches = 1
                    $0.returns = 1
                }
        )
        #expect(
            facts.byDepartment["cgj"]
                == Self.counters {
                    $0.dispatches = 1
                    $0.handled = 1
                    $0.handledOnTime = 1
                    $0.dispatchToHandleMilliseconds = 47 * Self.hour
                    $0.dispatchToHandleCount = 1
                }
        )
        #expect(
            facts.byDepartment[""]
                == Self.counters {
                    $0.reports = 1
                    $0.valid = 1
                    $0.reportToDispatchMilliseconds = Self.hour
                    $0.reportToDispatchCount = 1
                }
        )
        #expect(facts.byDepartment.count == 3)
        #expect(CaseMeasures(counters: facts.byDepartment["sw"]!, overdueOpen: 0).dispatchAccuracy == .init(0, over: 1))
    }

    /// The store keeps the sums by adding `after − before` as each event is written: summed over a
    /// case's log, the deltas are the facts of the whole log, and some of them are negative (rework,
    /// a return call that reopens the case take back what stood).
    @Test func factsAreAdditiveOverTheLog() throws {
        var sums: [String: CaseCounters] = [:]
        var negative = 0
        for trail in try Self.fixture() {
            var before = CaseFacts()
            for n in 1...trail.events.count {
                let after = CaseFacts(record: trail.records[n - 1], events: Array(trail.events.prefix(n)), calendar: Self.calendar)
                for (key, change) in after.delta(from: before) {
                    sums[key, default: .zero] += change
                    if CaseCounters.columns.contains(where: { change[keyPath: $0.keyPath] < 0 }) { negative += 1 }
                }
                before = after
            }
            #expect(before == Self.facts(trail))
        }
        #expect(sums.filter { !$0.value.isZero } == Self.expected)
        #expect(negative > 0)
    }

    @Test func zeroDenominatorsGiveNoRate() throws {
        let measures = CaseMeasures(counters: .zero, overdueOpen: 0)
        for formula in CaseMeasures.formulas {
            let ratio = measures[keyPath: formula.ratio]
            #expect(ratio == .init(0, over: 0) && ratio.rate == nil, "\(formula.id)")
        }
        // Overdue cases alone: nothing handled, all overdue.
        let late = CaseMeasures(counters: .zero, overdueOpen: 2)
        #expect(late.handlingRate.rate == 0 && late.overdueOpenRate.rate == 1 && late.solvedRate.rate == nil)
        // Encoded for the API, a missing rate is absent, never NaN.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(measures.handlingRate), as: UTF8.self)
        #expect(json == #"{"denominator":0,"numerator":0}"#)
    }

    @Test func everyCounterHasOneColumnAndTheVectorIsAdditive() throws {
        let names = CaseCounters.columns.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(Mirror(reflecting: CaseCounters()).children.count == names.count)
        var a = CaseCounters()
        var b = CaseCounters()
        for (index, column) in CaseCounters.columns.enumerated() {
            a[keyPath: column.keyPath] = Int64(index + 1)
            b[keyPath: column.keyPath] = Int64(100 * index)
        }
        #expect((a + b) - b == a && a - a == .zero && a + .zero == a)
        #expect(try JSONDecoder().decode(CaseCounters.self, from: JSONEncoder().encode(a)) == a)
        // Every formula is published once, with a Chinese and an English name and both terms.
        let ids = CaseMeasures.formulas.map(\.id)
        #expect(Set(ids).count == ids.count && ids.count == 22)
        #expect(CaseMeasures.formulas.allSatisfy { !$0.chineseName.isEmpty && !$0.numerator.isEmpty && !$0.denominator.isEmpty })
    }

    @Test func aReportWithoutAnActionYetOwesItsResponse() throws {
        let waiting = try Self.trail(20, from: .hotline, [])
        #expect(
            Self.facts(waiting).byDepartment == [
                "": Self.counters {
                    $0.reports = 1
                    $0.respondable = 1
                }
            ]
        )
        #expect(CaseFacts(record: waiting.record, events: [], calendar: Self.calendar).byDepartment.isEmpty)
    }
}
