import Foundation
import MinqingCore
import Testing

/// A year of synthetic history for a small demo city: deterministic, made of real steps only, and
/// shaped like a working city's (DemoHistory's table of distributions).
struct DemoHistoryTests {
    static let plan = DemoCityPlan.scaled(down: 40)
    static let areas = DemoCityBuilder(plan: plan).build()
    static let tree = AreaTree(areas: areas)
    static let calendar = WorkingCalendarTests.calendar
    /// "Now" is a Friday afternoon after the 2026 Spring Festival; the year before it is covered.
    static let end = WorkingCalendarTests.at("2026-02-27 15:30")
    static let start = end - 365 * 86_400_000
    static let classes = StandardCatalog.caseClasses
    static let limits = Dictionary(uniqueKeysWithValues: classes.map { ($0.code, $0.limit) })
    static let sampleSize = 20_000

    static func history(count: Int = sampleSize, plan: DemoCityPlan = plan) -> DemoHistory {
        DemoHistory(
            plan: plan,
            grids: areas.filter { $0.level == .grid },
            classes: classes,
            routes: CaseRoutes(),
            tree: tree,
            calendar: calendar,
            start: start,
            end: end,
            count: count
        )
    }

    /// Twenty thousand cases over the year, made once for the tests that count.
    static let sample = history().cases(0..<sampleSize)

    @Test func theSameIndexesGiveTheSameCasesHoweverTheRangeIsSplit() {
        let history = Self.history()
        let whole = history.cases(0..<100)
        #expect(whole == history.cases(0..<40) + history.cases(40..<100))
        #expect(whole == Self.history().cases(0..<100))
        #expect(Array(whole[60..<70]) == history.cases(60..<70))
        #expect(whole.map(\.record.id) == Array(1...100))
        var other = Self.plan
        other.seed = 7
        #expect(Self.history(plan: other).cases(0..<100) != whole)
    }

    @Test func noStepIsRefused() {
        let history = Self.history()
        var refused: [DemoHistoryError] = []
        for index in 0..<Self.sampleSize {
            do throws(DemoHistoryError) {
                _ = try history.demoCase(index)
            } catch {
                refused.append(error)
            }
        }
        #expect(refused.isEmpty, "\(refused.prefix(3))")
    }

    /// Each log, replayed through the lifecycle from its report, gives back the same events and the
    /// same record: the history holds nothing the live API could not have written.
    @Test func everyLogReplaysThroughTheLifecycle() throws {
        for demo in stride(from: 0, to: Self.sampleSize, by: 5).map({ Self.sample[$0] }) {
            let record = demo.record
            let caseClass = try #require(Self.classes.first { $0.code == record.classCode })
            var replayed = CaseReport(
                cityCode: record.cityCode,
                classCode: record.classCode,
                source: record.source,
                areaCode: record.areaCode,
                areasAbove: Self.tree.areasAbove(code: record.areaCode),
                level: CaseIntakeRules.level(of: caseClass),
                longitude: record.longitude,
                latitude: record.latitude,
                description: record.description,
                reporter: record.reporter
            ).opened(id: record.id, at: demo.events[0].at)
            var events = [replayed.event]
            for event in demo.events.dropFirst() {
                let action = try #require(CaseAction(rawValue: event.action))
                let role: Role =
                    event.actor.hasPrefix("wgy-") ? .gridWorker : event.actor.hasPrefix("bm-") ? .departmentHead : .commandCenter
                replayed = try CaseLifecycle.take(
                    action,
                    on: replayed.record,
                    by: role,
                    actor: event.actor,
                    fields: event.fields,
                    at: event.at,
                    calendar: Self.calendar,
                    limit: caseClass.limit
                ).get()
                events.append(replayed.event)
            }
            #expect(events == demo.events, "case \(record.id)")
            #expect(replayed.record == record, "case \(record.id)")
        }
    }

    @Test func logsAreWellFormedAndNothingHappensAfterNow() {
        var previousReport = Int64.min
        for (index, demo) in Self.sample.enumerated() {
            let record = demo.record
            #expect(record.id == Int64(index + 1))
            #expect(record.eventCount == Int64(demo.events.count))
            #expect(demo.events.map(\.sequence) == Array(0..<Int64(demo.events.count)))
            #expect(demo.events.allSatisfy { $0.caseID == record.id })
            #expect(zip(demo.events, demo.events.dropFirst()).allSatisfy { $0.at <= $1.at })
            #expect(demo.events[0].at >= Self.start && demo.events.last!.at <= Self.end)
            #expect(demo.events.last?.to == record.state)
            #expect(record.updatedAt == demo.events.last?.at)
            // Ids are handed out in report order.
            #expect(record.reportedAt >= previousReport)
            previousReport = record.reportedAt
            if let merged = record.mergedInto { #expect(merged < record.id && merged >= 1) }
        }
        // Every report lies in its small grid.
        for demo in Self.sample.prefix(2000) {
            #expect(Self.tree.locateCode(GeoPoint(demo.record.longitude, demo.record.latitude)) == demo.record.areaCode)
        }
        // Actors are the demo's accounts.
        let actors = Set(Self.sample.flatMap { $0.events.map(\.actor) })
        let prefixes = ["wgy-", "zhzx-", "bm-", "rx-12345", "iot-", "sjfx-", CaseTimers.actor]
        #expect(actors.allSatisfy { actor in prefixes.contains { actor.hasPrefix($0) } })
    }

    @Test func reportsFollowTheWorkingWeekAndDay() {
        var workingDays = 0
        var daytime = 0
        for demo in Self.sample {
            let at = demo.record.reportedAt
            if Self.calendar.isWorkingDay(Self.calendar.day(of: at)) { workingDays += 1 }
            let hour = (at + 8 * 3_600_000) % 86_400_000 / 3_600_000
            if (8..<18).contains(hour) { daytime += 1 }
        }
        // About 249 working days and 116 days off, the latter at 0.45 the rate.
        #expect((0.8...0.9).contains(Double(workingDays) / Double(Self.sampleSize)))
        #expect((0.7...0.85).contains(Double(daytime) / Double(Self.sampleSize)))
    }

    @Test func theDistributionsHold() {
        let cases = Self.sample
        let total = Double(cases.count)
        func share(_ count: Int, of whole: Int) -> Double { Double(count) / Double(max(1, whole)) }
        func count(_ predicate: (DemoCase) -> Bool) -> Int { cases.reduce(0) { $0 + (predicate($1) ? 1 : 0) } }
        func did(_ action: CaseAction) -> (DemoCase) -> Bool { { $0.events.contains { $0.action == action.rawValue } } }
        func times(_ action: CaseAction) -> Int { cases.reduce(0) { $0 + $1.events.count { $0.action == action.rawValue } } }

        for (source, expected) in [(CaseSource.patrol, 0.55), (.citizen, 0.15), (.hotline, 0.15), (.visit, 0.08), (.sensor, 0.04), (.data, 0.03)] {
            let found = Double(count { $0.record.source == source }) / total
            #expect(abs(found - expected) < 0.015, "\(source): \(found)")
        }
        let categories = Dictionary(uniqueKeysWithValues: Self.classes.map { ($0.code, $0.category) })
        let byCategory = Dictionary(grouping: cases) { categories[$0.record.classCode]! }.mapValues { Double($0.count) / total }
        #expect(Set(byCategory.keys) == Set(CaseCategory.allCases))
        #expect(byCategory[.event]! > byCategory[.dispute]! && byCategory[.hazard]! > byCategory[.dispute]!)
        #expect((0.06...0.2).contains(byCategory[.dispute]!))

        let byWorkers = count { [.patrol, .visit].contains($0.record.source) }
        let onSite = share(count(did(.resolveOnSite)), of: byWorkers)
        #expect(abs(onSite - 0.35) < 0.03, "on the spot: \(onSite)")
        #expect(abs(share(count(did(.reject)), of: cases.count) - 0.04) < 0.01)
        #expect(abs(share(count(did(.merge)), of: cases.count) - 0.02) < 0.008)
        #expect(abs(share(count(did(.referElsewhere)), of: cases.count) - 0.02) < 0.008)
        #expect(abs(share(count(did(.escalate)), of: cases.count) - 0.03) < 0.01)

        let dispatches = times(.dispatch)
        let returnRate = share(times(.returnToDispatcher), of: dispatches)
        #expect(abs(returnRate - 0.06) < 0.012, "returns: \(returnRate)")
        let coDispatched = share(
            cases.reduce(0) { $0 + $1.events.count { $0.action == "dispatch" && !$0.fields.coDepartments.isEmpty } },
            of: dispatches
        )
        #expect(abs(coDispatched - 0.15) < 0.02)
        let signed = count(did(.sign))
        #expect(abs(share(count(did(.requestExtension)), of: signed) - 0.08) < 0.015)
        #expect(share(count(did(.approveExtension)), of: count(did(.requestExtension))) > 0.75)
        #expect(count(did(.denyExtension)) > 0)
        #expect(abs(share(count(did(.defer_)), of: signed) - 0.015) < 0.006)
        #expect(count { $0.record.state == .deferred } > count { did(.defer_)($0) && $0.record.state != .deferred })
        #expect(abs(share(count(did(.suspend)), of: signed) - 0.01) < 0.005)
        #expect(count(did(.resume)) > 0)
        let verifications = times(.verify) + times(.rework)
        #expect(abs(share(times(.rework), of: verifications) - 0.05) < 0.012)
        let closed = times(.close)
        let calls = times(.rate)
        #expect(abs(share(calls, of: closed) - 0.7) < 0.03, "return calls: \(share(calls, of: closed))")
        // A "not solved" call reopens the case, and it goes round once more.
        let reopened = cases.filter { $0.events.contains { $0.action == "rate" && $0.fields.solved == false } }
        #expect(!reopened.isEmpty)
        #expect(reopened.allSatisfy { $0.events.count { $0.action == "rate" && $0.fields.solved == false } == 1 })
        #expect(reopened.contains { demo in demo.events.count { $0.action == "close" } == 2 })
        // The scheduler supervised overdue stages.
        #expect(times(.supervise) > 0)

        // Open now, at every stage, some of them overdue.
        let open = cases.filter { !$0.record.state.isFinished }
        let openStates = Set(open.map(\.record.state))
        #expect(openStates.isSuperset(of: [.dispatched, .signed, .handled, .deferred]), "\(openStates)")
        #expect(open.count < cases.count / 10)
        let overdue = open.filter { CaseMeasures.isOverdueOpen($0.record, at: Self.end) }
        #expect(!overdue.isEmpty && overdue.count < open.count)
    }

    /// The measures of DOMAIN.md §3 computed from the log come out as a working city's.
    @Test func theMeasuresArePlausible() {
        var counters = CaseCounters()
        var overdue: Int64 = 0
        for demo in Self.sample {
            counters += CaseFacts(record: demo.record, events: demo.events, calendar: Self.calendar).total
            if CaseMeasures.isOverdueOpen(demo.record, at: Self.end) { overdue += 1 }
        }
        let measures = CaseMeasures(counters: counters, overdueOpen: overdue)
        func rate(_ ratio: CaseMeasures.Ratio) -> Double { ratio.rate ?? -1 }
        #expect(counters.reports == Int64(Self.sampleSize))
        #expect((0.9...0.96).contains(rate(measures.validReportRate)))
        #expect((0.2...0.26).contains(rate(measures.onTheSpotRate)))
        #expect((0.92...0.96).contains(rate(measures.dispatchAccuracy)))
        #expect((0.95...1).contains(rate(measures.handlingRate)), "\(measures.handlingRate)")
        #expect((0.85...0.95).contains(rate(measures.onTimeHandlingRate)), "\(measures.onTimeHandlingRate)")
        #expect((0.001...0.04).contains(rate(measures.overdueOpenRate)), "\(measures.overdueOpenRate)")
        #expect((0.05...0.09).contains(rate(measures.extensionRate)), "\(measures.extensionRate)")
        #expect((0.03...0.07).contains(rate(measures.reworkRate)), "\(measures.reworkRate)")
        #expect((0.9...1).contains(rate(measures.closureRate)), "\(measures.closureRate)")
        #expect((0.75...0.95).contains(rate(measures.onTimeClosureRate)), "\(measures.onTimeClosureRate)")
        #expect((0.8...0.98).contains(rate(measures.responseRate)), "\(measures.responseRate)")
        #expect(abs(rate(measures.solvedRate) - 0.92) < 0.02, "\(measures.solvedRate)")
        #expect(abs(rate(measures.satisfactionRate) - 0.85) < 0.025, "\(measures.satisfactionRate)")
        // Small matters stay in the village: a good share closes at grid level, almost none above the town.
        #expect(rate(measures.closedAtGridShare) > 0.2)
        #expect(rate(measures.closedAtCityShare) < 0.02)
    }
}
