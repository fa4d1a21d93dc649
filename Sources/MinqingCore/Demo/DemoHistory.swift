import Foundation

/// One generated case: its projection and its log, as the live API would have written them.
public struct DemoCase: Sendable, Hashable {
    public var record: CaseRecord
    /// The log from the report, in order (sequence 0, 1, …).
    public var events: [CaseEvent]

    public init(record: CaseRecord, events: [CaseEvent]) {
        self.record = record
        self.events = events
    }
}

/// A step the lifecycle refused while a case was generated: a bug in the generator, never a property
/// of the data.
public struct DemoHistoryError: Error, Hashable, Sendable {
    /// The case's index (its id is one more).
    public var index: Int
    public var action: CaseAction
    public var refusal: CaseActionRefusal
}

/// 历史案件: a year of synthetic case history for the demo city, so that the map, the lists and the
/// measures open on a city that has been working for a while. Every case is made by the real steps
/// (``CaseReport/opened(id:at:)``, then ``CaseLifecycle/take(_:on:by:actor:fields:at:calendar:limit:)``
/// for each action, and the scheduler's supervision of overdue stages through ``CaseTimers/fire``), so
/// its log is exactly what the live API writes, deadlines included.
///
/// Case `index` (id `index + 1`) is drawn from its own generator, so any range can be generated on its
/// own, in parallel, and the result never depends on how the ranges are split. Report times rise with
/// the id (ids are handed out in report order) and follow the working week and the working day.
/// Nothing happens after `end`, "now": the newest cases stop wherever their next step would fall
/// after it, so they are open at every stage, and some of the open ones are overdue. Records leave
/// `lastHash` empty: the store chains the hashes as it writes the events.
///
/// The distributions, as implemented (shares of all reports unless a row says otherwise):
///
/// | what | share | how |
/// |---|---|---|
/// | source: 巡查 patrol / 群众 citizen / 12345 hotline / 走访 visit / 物联 sensor / 数据 data | 55 / 15 / 15 / 8 / 4 / 3 % | the mix shifts to the hotline and citizens at night and on days off, the year's totals stay |
/// | category: 事件 events / 部件 components / 问题隐患 hazards / 矛盾纠纷 disputes | ≈ 36 / 27 / 24 / 13 % | class weights in ``classWeight(_:)``; visits find disputes, sensors only sensed classes, data hazards |
/// | report time | working days ×1, days off ×0.45; hourly profile peaking 09–11 and 14–17; summer ×1.15 | rising with the id over [start, end) |
/// | 当即办理 resolved on the spot | ≈ 35 % of patrol and visit reports | events and disputes more, components less, never critical classes |
/// | 不予立案 rejected / 合并 merged / 不属职责 not ours | ≈ 4 / 2 / 2 % | merged into a recent earlier id |
/// | 上报上级 escalated before dispatch | ≈ 3 % | a village case by its grid worker, a town case by the town's center |
/// | 协办 co-department | 15 % of dispatches | |
/// | 回退 returned | 6 % of dispatches (at most two per round) | within 2 working days, re-dispatched to another department |
/// | 挂起 suspended | 1 % of signed cases | 85 % resumed after 3–30 days |
/// | 缓办 deferred | ≈ 1.5 % of signed cases (components 4 %, others 0.7 %) | 25 % resumed after 15–120 days, the rest stay deferred |
/// | 延期 extension requested | 8 % of signed cases | 3–15 working days; 85 % approved |
/// | handled late | ≈ 8 % | most a little late, one in five by 2–60 working days |
/// | verified late | 4 % | the scheduler supervises (督办) every overdue stage, as live |
/// | 返工 rework | 5 % of verifications | handled again, then verified |
/// | 回访 return call | 70 % of closures | solved 92 %; satisfied 91 % if solved, 15 % if not (≈ 85 %) |
/// | "not solved" | reopens the case | it goes round once more, from dispatch |
///
/// Actors are the demo's accounts: `wgy-<grid>-<n>` grid workers, `zhzx-<area>` the command center of
/// the town (for village and town cases), county or city, `bm-<department>` departments,
/// `rx-12345` the hotline and citizen channel, `iot-<grid>` sensors and `sjfx-<city>` data discovery.
public struct DemoHistory: Sendable {
    public let count: Int
    public let start: Int64
    public let end: Int64

    private let seed: UInt64
    private let cityCode: String
    private let calendar: WorkingCalendar
    private let routes: CaseRoutes
    private let tree: AreaTree
    private let minutesPerDay: Double

    private let kinds: [Kind]
    /// Per source (``CaseSource/allCases`` order), cumulative class weights.
    private let classTables: [[Double]]
    private let places: [Place]
    private let placeTable: [Double]
    /// Report-time slots: each hour of the year, clipped to [start, end), with its cumulative weight.
    private let slotStart: [Int64]
    private let slotEnd: [Int64]
    private let slotTable: [Double]
    private let slotOffice: [Bool]
    /// Cumulative source weights in office hours and outside them.
    private let officeSources: [Double]
    private let offSources: [Double]
    private let departments: [String]
    private let departmentActors: [String: String]
    private let evidence: [[String]]
    private let dataReporter: String

    /// What a class needs while generating, worked out once.
    private struct Kind: Sendable {
        var caseClass: CaseClass
        var level: AreaLevel
        /// Its deadline runs in clock hours.
        var clockLimit: Bool
        /// Life and property, or a clock-hour limit: everyone works around the clock on it.
        var fast: Bool
        var onSite: Double
        var deferral: Double
        var descriptions: [String]
        var results: [String]
    }

    /// A small grid, with its people.
    private struct Place: Sendable {
        var code: String
        var above: [String]
        var shape: MultiPolygon
        var box: BoundingBox
        var fallback: GeoPoint
        var workers: [String]
        var sensor: String
        var townCode: String
        /// Command centers: the town's answers for village and town cases.
        var townCenter: String
        var countyCenter: String
        var cityCenter: String
    }

    /// - Parameters:
    ///   - grids: the small grids, in the order the demo numbers their workers (the builder's).
    ///   - start, end: the span covered, in milliseconds since 1970; `end` is "now".
    ///   - count: how many cases; ids run from 1 to `count` in report order.
    public init(
        plan: DemoCityPlan,
        grids: [Area],
        classes: [CaseClass],
        routes: CaseRoutes,
        tree: AreaTree,
        calendar: WorkingCalendar,
        start: Int64,
        end: Int64,
        count: Int
    ) {
        precondition(end > start, "the history needs a span")
        precondition(!grids.isEmpty, "the history needs small grids")
        self.count = count
        self.start = start
        self.end = end
        seed = plan.seed
        cityCode = plan.cityCode
        self.calendar = calendar
        self.routes = routes
        self.tree = tree
        minutesPerDay = Double(calendar.minutesPerDay)
        dataReporter = "sjfx-\(plan.cityCode)"

        // Classes: minor ones only, each with its texts.
        let minors = classes.filter { $0.parentCode != nil }
        precondition(!minors.isEmpty, "the history needs case classes")
        var kinds = minors.map { caseClass in
            let critical = caseClass.urgency == .critical
            let clockLimit = caseClass.limit?.unit == .clockHours
            let opening = caseClass.openingCondition ?? caseClass.name
            let closing = caseClass.closingCondition ?? "问题已解决"
            let onSite: Double =
                if critical {
                    0
                } else {
                    switch caseClass.category {
                    case .event: 0.5
                    case .dispute: 0.45
                    case .hazard: 0.3
                    case .component: 0.12
                    }
                }
            return Kind(
                caseClass: caseClass,
                level: CaseIntakeRules.level(of: caseClass),
                clockLimit: clockLimit,
                fast: critical || clockLimit,
                onSite: onSite,
                deferral: caseClass.category == .component ? 0.04 : 0.007,
                descriptions: [
                    "\(caseClass.name)：\(opening)", "\(opening)，请尽快处理", "发现\(caseClass.name)，已拍照留存", "\(opening)，周边群众反映强烈",
                    "\(caseClass.name)，影响居民正常生活",
                ],
                results: ["已处置：\(closing)", "\(closing)，现场照片附后", "经现场处置，\(closing)"]
            )
        }
        let classTables = CaseSource.allCases.map { source in
            let sensed = minors.map { Self.sensed.contains($0.code) }
            let anySensed = sensed.contains(true)
            return Self.cumulative(
                minors.indices.map { index in
                    let weight = Self.classWeight(minors[index]) * Self.sourceFactor(source, minors[index].category)
                    return source == .sensor && anySensed ? (sensed[index] ? weight : 0) : weight
                }
            )
        }

        // Grids: their people and centers, and a weight (busier streets, hot spots).
        var places: [Place] = []
        var placeWeights: [Double] = []
        let perGrid = plan.gridWorkers / grids.count
        let extra = plan.gridWorkers % grids.count
        for (index, grid) in grids.enumerated() {
            let path = tree.path(code: grid.code)
            func above(_ level: AreaLevel) -> String? { path.first { $0.level == level }?.code }
            let town = above(.town) ?? grid.parentCode ?? grid.code
            let county = above(.county) ?? town
            let city = above(.city) ?? plan.cityCode
            let box = grid.shape.boundingBox ?? BoundingBox(minLongitude: 0, minLatitude: 0, maxLongitude: 0, maxLatitude: 0)
            let workers = max(1, perGrid + (index < extra ? 1 : 0))
            places.append(
                Place(
                    code: grid.code,
                    above: tree.areasAbove(code: grid.code),
                    shape: grid.shape,
                    box: box,
                    fallback: grid.shape.interiorPoint(clearance: 0)
                        ?? GeoPoint((box.minLongitude + box.maxLongitude) / 2, (box.minLatitude + box.maxLatitude) / 2),
                    workers: (1...workers).map { "wgy-\(grid.code)-\($0)" },
                    sensor: "iot-\(grid.code)",
                    townCode: town,
                    townCenter: "zhzx-\(town)",
                    countyCenter: "zhzx-\(county)",
                    cityCenter: "zhzx-\(city)"
                )
            )
            // Streets (town codes 001–099) are busier than towns; some grids are hot spots.
            let street = Int(town.suffix(3)).map { $0 < 100 } ?? false
            let hot = SeededGenerator.unit(index, 17, plan.seed)
            placeWeights.append((street ? 1.5 : 1.0) * (0.4 + 1.6 * hot * hot))
        }
        self.places = places
        placeTable = Self.cumulative(placeWeights)

        // Report times: hour slots weighted by the day and the hour.
        var starts: [Int64] = []
        var ends: [Int64] = []
        var weights: [Double] = []
        var office: [Bool] = []
        let hour: Int64 = 3_600_000
        var slot = (start >= 0 ? start : start - hour + 1) / hour * hour
        while slot < end {
            let (from, to) = (max(slot, start), min(slot + hour, end))
            if to > from {
                let local = slot + Int64(calendar.utcOffset) * 1000
                let hourOfDay = Int(((local % 86_400_000) + 86_400_000) % 86_400_000 / hour)
                let day = calendar.day(of: slot)
                let working = calendar.isWorkingDay(day)
                let weight =
                    Self.hourWeights[hourOfDay] * (working ? 1 : 0.45) * Self.monthWeights[day.components.month - 1] * Double(to - from)
                    / Double(hour)
                starts.append(from)
                ends.append(to)
                weights.append(weight)
                office.append(working && (8..<18).contains(hourOfDay))
            }
            slot += hour
        }
        slotStart = starts
        slotEnd = ends
        slotTable = Self.cumulative(weights)
        slotOffice = office

        // Sources: the night mix is fixed; the office mix makes up the year's totals.
        let total = weights.reduce(0, +)
        let offShare = total > 0 ? zip(weights, office).filter { !$0.1 }.reduce(0) { $0 + $1.0 } / total : 0
        let targets = CaseSource.allCases.map { Self.sourceShare[$0]! }
        let night = CaseSource.allCases.map { Self.nightSourceShare[$0]! }
        offSources = Self.cumulative(night)
        officeSources = Self.cumulative(
            zip(targets, night).map { target, night in
                offShare < 1 ? max(0.002, (target - offShare * night) / (1 - offShare)) : target
            }
        )

        var named = Set(minors.compactMap(\.departmentCode))
        for byArea in routes.byClass.values { named.formUnion(byArea.values) }
        departments = named.sorted()
        departmentActors = Dictionary(uniqueKeysWithValues: named.map { ($0, "bm-\($0)") })

        var random = SeededGenerator(seed: plan.seed ^ 0xE1D3_C0DE)
        evidence = (0..<1024).map { _ in
            [(0..<4).map { _ in String(random.next(), radix: 16).leftPadded(to: 16) }.joined()]
        }

        // On-the-spot resolution: scaled so that 35 % of patrol and visit reports end on the spot.
        var expected = 0.0
        var reports = 0.0
        for source in [CaseSource.patrol, .visit] {
            let share = Self.sourceShare[source]!
            let table = classTables[CaseSource.allCases.firstIndex(of: source)!]
            var previous = 0.0
            for (index, cumulative) in table.enumerated() {
                expected += share * (cumulative - previous) / table[table.count - 1] * kinds[index].onSite
                previous = cumulative
            }
            reports += share
        }
        let scale = expected > 0 ? Self.onSiteShare * reports / expected : 0
        for index in kinds.indices { kinds[index].onSite = min(0.95, kinds[index].onSite * scale) }
        self.kinds = kinds
        self.classTables = classTables
    }

    /// The cases with these indexes (ids one more), in order.
    public func cases(_ range: Range<Int>) -> [DemoCase] {
        var cases: [DemoCase] = []
        cases.reserveCapacity(range.count)
        for index in range {
            do throws(DemoHistoryError) {
                cases.append(try demoCase(index))
            } catch {
                preconditionFailure("demo history case \(index + 1): \(error.action.rawValue) refused: \(error.refusal)")
            }
        }
        return cases
    }

    /// The case with index `index` (id `index + 1`), or the step the lifecycle refused.
    public func demoCase(_ index: Int) throws(DemoHistoryError) -> DemoCase {
        precondition((0..<count).contains(index), "case index \(index) is outside 0..<\(count)")
        var dice = Dice(seed: seed &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
        _ = dice.unit()

        // When: the (index + u)-th of `count` quantiles of the year's weights, so times rise with the id.
        let target = (Double(index) + dice.unit()) / Double(count) * slotTable[slotTable.count - 1]
        let slot = Self.search(slotTable, target)
        let below = slot > 0 ? slotTable[slot - 1] : 0
        let within = slotTable[slot] > below ? min(1, max(0, (target - below) / (slotTable[slot] - below))) : 0
        let reportedAt = min(end - 1, slotStart[slot] + Int64(within * Double(slotEnd[slot] - slotStart[slot])))

        // What, where, by whom.
        let source = CaseSource.allCases[dice.pick(slotOffice[slot] ? officeSources : offSources)]
        let kindIndex = dice.pick(classTables[CaseSource.allCases.firstIndex(of: source)!])
        let placeIndex = dice.pick(placeTable)
        let place = places[placeIndex]
        let kind = kinds[kindIndex]
        let point = location(in: place, &dice)
        let worker = place.workers[dice.below(place.workers.count)]
        let reporter =
            switch source {
            case .patrol, .visit: worker
            case .citizen, .hotline: "rx-12345"
            case .sensor: place.sensor
            case .data: dataReporter
            }
        let opened = CaseReport(
            cityCode: cityCode,
            classCode: kind.caseClass.code,
            source: source,
            areaCode: place.code,
            areasAbove: place.above,
            level: kind.level,
            longitude: point.longitude,
            latitude: point.latitude,
            description: kind.descriptions[dice.below(kind.descriptions.count)],
            reporter: reporter
        ).opened(id: Int64(index + 1), at: reportedAt)
        var trail = Trail(index: index, record: opened.record, events: [opened.event], dice: dice, limit: kind.caseClass.limit)
        trail.events.reserveCapacity(16)
        try walk(&trail, kind: kind, place: place, worker: worker, byWorker: source == .patrol || source == .visit)
        superviseIfOverdue(before: end + 1, &trail)
        return DemoCase(record: trail.record, events: trail.events)
    }

    // MARK: - The loop

    /// A case being made.
    private struct Trail {
        let index: Int
        var record: CaseRecord
        var events: [CaseEvent]
        var dice: Dice
        let limit: TimeLimit?
        /// The deadline the scheduler has already supervised: its overdue timer fires once.
        var supervisedDue: Int64?
        /// The next step would have fallen after `end`.
        var stopped = false
    }

    private func walk(_ trail: inout Trail, kind: Kind, place: Place, worker: String, byWorker: Bool) throws(DemoHistoryError) {
        let fast = kind.fast
        // 当即办理: the grid worker fixes it there and then, with a photo.
        if byWorker, trail.dice.chance(kind.onSite) {
            let at = trail.record.reportedAt + minutes(5 + trail.dice.exponential(mean: 20, cap: 120))
            _ = try step(.resolveOnSite, .gridWorker, worker, CaseActionFields(evidence: photo(&trail.dice)), at: at, &trail)
            return
        }

        // The command center's first look: refuse, merge, refer, escalate, or accept.
        var center = self.center(trail.record.level, place)
        var at = respond(after: trail.record.reportedAt, fast: fast, &trail.dice)
        var roll = trail.dice.unit()
        for (action, share) in Self.intake {
            roll -= share
            guard roll < 0 else { continue }
            switch action {
            case .reject:
                _ = try step(.reject, .commandCenter, center, CaseActionFields(reason: Self.pick(Self.rejectReasons, &trail.dice)), at: at, &trail)
                return
            case .merge:
                guard trail.record.id > 1 else { break }
                let earlier = trail.record.id - 1 - Int64(trail.dice.below(Int(min(trail.record.id - 1, 60))))
                let fields = CaseActionFields(reason: "与已有案件重复", mergedInto: earlier)
                _ = try step(.merge, .commandCenter, center, fields, at: at, &trail)
                return
            case .referElsewhere:
                let (reason, referral) = Self.referrals[trail.dice.below(Self.referrals.count)]
                _ = try step(.referElsewhere, .commandCenter, center, CaseActionFields(reason: reason, referral: referral), at: at, &trail)
                return
            default:
                // Up one level: a village case by its grid worker, else by the center; the next center takes it.
                let byGridWorker = byWorker && trail.record.level == .village
                let fields = CaseActionFields(reason: Self.pick(Self.escalateReasons, &trail.dice))
                guard try step(.escalate, byGridWorker ? .gridWorker : .commandCenter, byGridWorker ? worker : center, fields, at: at, &trail)
                else { return }
                center = self.center(trail.record.level, place)
                at = respond(after: at, fast: fast, &trail.dice)
            }
            break
        }
        guard try step(.accept, .commandCenter, center, at: at, &trail) else { return }

        var lead = department(for: kind, place)
        for round in 1...2 {
            // 派遣, and again after each return (回退) to another department.
            var returns = 0
            at = later(
                trail.record.updatedAt,
                fast ? 2 + trail.dice.exponential(mean: 8, cap: 40) : 5 + trail.dice.exponential(mean: 35, cap: 240),
                fast
            )
            while true {
                let co = trail.dice.chance(Self.coDepartmentShare) ? [other(than: lead, &trail.dice)] : []
                guard try step(.dispatch, .commandCenter, center, CaseActionFields(leadDepartment: lead, coDepartments: co), at: at, &trail) else {
                    return
                }
                guard returns < 2, trail.dice.chance(Self.returnShare) else { break }
                let dispatchedAt = trail.record.updatedAt
                // Within the 2 working days a return is allowed.
                let returnAt = working(dispatchedAt, 20 + trail.dice.unit() * (2 * minutesPerDay - 60))
                if trail.dice.chance(0.3) {
                    let signAt = working(
                        dispatchedAt,
                        trail.dice.unit() * Double(calendar.workingMilliseconds(from: dispatchedAt, to: returnAt)) / 60_000
                    )
                    guard try step(.sign, .departmentHandler, actor(lead), at: min(signAt, returnAt), &trail) else { return }
                }
                let fields = CaseActionFields(reason: Self.pick(Self.returnReasons, &trail.dice))
                guard try step(.returnToDispatcher, .departmentHead, actor(lead), fields, at: returnAt, &trail) else { return }
                returns += 1
                lead = other(than: lead, &trail.dice)
                at = later(returnAt, 30 + trail.dice.exponential(mean: 90, cap: 600), fast)
            }

            guard try handle(&trail, kind: kind, lead: lead, center: center) else { return }

            // 核查 on site by the grid worker, within a working day mostly; 返工 when it is not done.
            var reworked = false
            while true {
                let verifyAt =
                    trail.dice.chance(Self.lateVerificationShare)
                    ? working(trail.record.updatedAt, minutesPerDay * (1 + trail.dice.unit()))
                    : working(trail.record.updatedAt, 15 + trail.dice.exponential(mean: 100, cap: minutesPerDay * 0.9))
                if !reworked, trail.dice.chance(Self.reworkShare) {
                    let fields = CaseActionFields(reason: Self.pick(Self.reworkReasons, &trail.dice))
                    guard try step(.rework, .gridWorker, worker, fields, at: verifyAt, &trail) else { return }
                    reworked = true
                    let handleAt = before(trail.record.dueAt, from: trail.record.updatedAt, share: 0.05 + 0.5 * trail.dice.unit(), &trail)
                    guard try step(.handle, .departmentHandler, actor(lead), handling(kind, &trail.dice), at: handleAt, &trail) else { return }
                    continue
                }
                guard try step(.verify, .gridWorker, worker, CaseActionFields(evidence: photo(&trail.dice)), at: verifyAt, &trail) else { return }
                break
            }
            let closeAt = later(trail.record.updatedAt, 5 + trail.dice.exponential(mean: 40, cap: 300), fast)
            guard try step(.close, .commandCenter, center, at: closeAt, &trail) else { return }

            // 回访, a working day or more after closure; "not solved" sends the case round once more.
            guard trail.dice.chance(Self.returnCallShare) else { return }
            let solved = round == 2 || trail.dice.chance(Self.solvedShare)
            let satisfied = trail.dice.chance(solved ? Self.satisfiedIfSolved : Self.satisfiedIfNotSolved)
            let rateAt = working(trail.record.updatedAt, minutesPerDay * (0.3 + 3 * trail.dice.unit()))
            guard try step(.rate, .commandCenter, center, CaseActionFields(solved: solved, satisfied: satisfied), at: rateAt, &trail), !solved else {
                return
            }
            if trail.dice.chance(0.3) { lead = other(than: lead, &trail.dice) }
        }
    }

    /// From dispatch to handling: sign, perhaps a suspension, a deferral or an extension, then the
    /// result, on time or late. `false` when the case stops on the way.
    private func handle(_ trail: inout Trail, kind: Kind, lead: String, center: String) throws(DemoHistoryError) -> Bool {
        let fast = kind.fast
        let department = actor(lead)
        let signDelay: Double =
            switch kind.caseClass.limit?.unit {
            case .clockHours?: 3 + trail.dice.exponential(mean: 12, cap: 60)
            case .workingHours?: 5 + trail.dice.exponential(mean: 20, cap: 90)
            case .workingDays?, nil: 10 + trail.dice.exponential(mean: 90, cap: minutesPerDay)
            }
        guard try step(.sign, .departmentHandler, department, at: later(trail.record.updatedAt, signDelay, fast), &trail) else { return false }

        // 挂起: the clock stops (a court case, the owner away); most resume.
        if trail.dice.chance(Self.suspensionShare) {
            let fields = CaseActionFields(reason: Self.pick(Self.suspendReasons, &trail.dice))
            let at = working(trail.record.updatedAt, 30 + trail.dice.unit() * minutesPerDay)
            guard try step(.suspend, .commandCenter, center, fields, at: at, &trail), trail.dice.chance(0.85) else { return false }
            let resumeAt = working(at + days(3 + 27 * trail.dice.unit()), trail.dice.unit() * 120)
            guard try step(.resume, .commandCenter, center, at: resumeAt, &trail) else { return false }
        }
        // 缓办: waits for a budget or a plan; most are still waiting.
        if trail.dice.chance(kind.deferral) {
            let fields = CaseActionFields(reason: Self.pick(Self.deferReasons, &trail.dice))
            let at = working(trail.record.updatedAt, 60 + trail.dice.unit() * 3 * minutesPerDay)
            guard try step(.defer_, .commandCenter, center, fields, at: at, &trail), trail.dice.chance(0.25) else { return false }
            let resumeAt = working(at + days(15 + 105 * trail.dice.unit()), trail.dice.unit() * 120)
            guard try step(.resume, .commandCenter, center, at: resumeAt, &trail) else { return false }
        }
        // 延期: asked for before the deadline, approved mostly.
        var denied = false
        if trail.dice.chance(Self.extensionShare) {
            let days = Self.extensionDays[trail.dice.below(Self.extensionDays.count)]
            let fields = CaseActionFields(reason: Self.pick(Self.extensionReasons, &trail.dice), extensionDays: days)
            let requestAt = before(trail.record.dueAt, from: trail.record.updatedAt, share: 0.3 + 0.55 * trail.dice.unit(), &trail)
            guard try step(.requestExtension, .departmentHandler, department, fields, at: requestAt, &trail) else { return false }
            let decideAt = later(requestAt, 10 + trail.dice.exponential(mean: 60, cap: 400), fast)
            if trail.dice.chance(Self.approvalShare) {
                guard try step(.approveExtension, .commandCenter, center, at: decideAt, &trail) else { return false }
            } else {
                denied = true
                let fields = CaseActionFields(reason: Self.pick(Self.denyReasons, &trail.dice))
                guard try step(.denyExtension, .commandCenter, center, fields, at: decideAt, &trail) else { return false }
            }
        }
        // 处置: mostly in time; some late, a few very late.
        let handleAt: Int64
        if trail.dice.chance(denied ? 0.35 : Self.lateShare), let due = trail.record.dueAt {
            let limitMinutes = Self.minutes(of: kind.caseClass.limit, minutesPerDay: minutesPerDay)
            let late =
                trail.dice.chance(Self.veryLateShare)
                ? minutesPerDay * (2 + 58 * trail.dice.unit() * trail.dice.unit())
                : max(20, limitMinutes * (0.05 + 0.95 * trail.dice.unit()))
            handleAt = max(trail.record.updatedAt, kind.clockLimit ? due + minutes(late) : working(due, late))
        } else {
            let share = 0.08 + 0.88 * trail.dice.unit() * trail.dice.unit()
            handleAt = before(trail.record.dueAt, from: trail.record.updatedAt, share: share, &trail)
        }
        return try step(.handle, .departmentHandler, department, handling(kind, &trail.dice), at: handleAt, &trail)
    }

    /// Takes one step at `time` (never before the last), unless it falls after `end`; first lets the
    /// scheduler supervise a deadline that passed before it. `false` once the case has stopped.
    private func step(
        _ action: CaseAction,
        _ role: Role,
        _ actor: String,
        _ fields: CaseActionFields = CaseActionFields(),
        at time: Int64,
        _ trail: inout Trail
    ) throws(DemoHistoryError) -> Bool {
        guard !trail.stopped else { return false }
        let at = max(time, trail.record.updatedAt)
        superviseIfOverdue(before: min(at, end + 1), &trail)
        guard at <= end else {
            trail.stopped = true
            return false
        }
        switch CaseLifecycle.take(action, on: trail.record, by: role, actor: actor, fields: fields, at: at, calendar: calendar, limit: trail.limit) {
        case .success(let step):
            trail.record = step.record
            trail.events.append(step.event)
            return true
        case .failure(let refusal):
            throw DemoHistoryError(index: trail.index, action: action, refusal: refusal)
        }
    }

    /// 超期督办: what the live scheduler does when a running deadline passes, at the sweep after it,
    /// if that comes before `horizon`. Once per deadline, as its timer fires once.
    private func superviseIfOverdue(before horizon: Int64, _ trail: inout Trail) {
        let record = trail.record
        guard let due = record.dueAt, record.pausedAt == nil, record.closedAt == nil, trail.supervisedDue != due else { return }
        let sweep = max(due, record.updatedAt) + 5_000 + Int64(UInt64(bitPattern: due) % 55_000)
        guard sweep < horizon else { return }
        trail.supervisedDue = due
        let timer = CaseTimer(kind: .overdue, dueAt: due, reference: due)
        let outcome = CaseTimers.fire(timer, on: record, at: sweep, calendar: calendar, classLimit: trail.limit, areaAbove: nil)
        if let supervision = outcome.supervision {
            trail.record = supervision.record
            trail.events.append(supervision.event)
        }
    }

    // MARK: - Times

    private func minutes(_ count: Double) -> Int64 { Int64(count * 60_000) }

    private func days(_ count: Double) -> Int64 { Int64(count * 86_400_000) }

    /// `count` minutes of working time after `instant`.
    private func working(_ instant: Int64, _ count: Double) -> Int64 {
        calendar.adding(workingMinutes: Int(count), to: instant)
    }

    /// `count` minutes later: of clock time on a fast class, else of working time.
    private func later(_ instant: Int64, _ count: Double, _ fast: Bool) -> Int64 {
        fast ? instant + minutes(count) : working(instant, count)
    }

    /// The command center's first action on a report: minutes in working time (around the clock on
    /// fast classes), mostly within the hour 12345 practice expects.
    private func respond(after instant: Int64, fast: Bool, _ dice: inout Dice) -> Int64 {
        if fast { return instant + minutes(1 + dice.exponential(mean: 6, cap: 45)) }
        let delay = dice.chance(0.9) ? 2 + dice.exponential(mean: 15, cap: 55) : 60 + dice.exponential(mean: 120, cap: 900)
        return working(instant, delay)
    }

    /// `share` of the time left before `due` (in the deadline's own time), from `instant`.
    private func before(_ due: Int64?, from instant: Int64, share: Double, _ trail: inout Trail) -> Int64 {
        guard let due else { return working(instant, share * 3 * minutesPerDay) }
        if trail.limit?.unit == .clockHours { return instant + Int64(Double(max(0, due - instant)) * share) }
        let left = calendar.workingMilliseconds(from: instant, to: due)
        return min(due, working(instant, Double(left) * share / 60_000))
    }

    private static func minutes(of limit: TimeLimit?, minutesPerDay: Double) -> Double {
        guard let limit else { return 3 * minutesPerDay }
        return switch limit.unit {
        case .clockHours, .workingHours: Double(limit.value) * 60
        case .workingDays: Double(limit.value) * minutesPerDay
        }
    }

    // MARK: - Who and where

    private func center(_ level: AreaLevel, _ place: Place) -> String {
        switch level {
        case .city: place.cityCenter
        case .county: place.countyCenter
        case .town, .village, .grid: place.townCenter
        }
    }

    /// The routed department, else the town (属地兜底).
    private func department(for kind: Kind, _ place: Place) -> String {
        routes.department(for: kind.caseClass, at: place.code, in: tree) ?? place.townCode
    }

    private func actor(_ department: String) -> String { departmentActors[department] ?? "bm-\(department)" }

    private func other(than department: String, _ dice: inout Dice) -> String {
        guard departments.count > 1 else { return departments.first ?? department }
        let choice = departments[dice.below(departments.count)]
        return choice == department ? departments[(departments.firstIndex(of: choice)! + 1) % departments.count] : choice
    }

    /// A point in the grid: drawn over its box until inside, else a known inside point.
    private func location(in place: Place, _ dice: inout Dice) -> GeoPoint {
        let box = place.box
        for _ in 0..<8 {
            let point = GeoPoint(
                box.minLongitude + (box.maxLongitude - box.minLongitude) * dice.unit(),
                box.minLatitude + (box.maxLatitude - box.minLatitude) * dice.unit()
            )
            if place.shape.contains(point) { return point }
        }
        return place.fallback
    }

    private func photo(_ dice: inout Dice) -> [String] { evidence[dice.below(evidence.count)] }

    private func handling(_ kind: Kind, _ dice: inout Dice) -> CaseActionFields {
        CaseActionFields(evidence: photo(&dice), result: kind.results[dice.below(kind.results.count)])
    }

    // MARK: - The distributions

    static let sourceShare: [CaseSource: Double] = [.patrol: 0.55, .citizen: 0.15, .hotline: 0.15, .visit: 0.08, .sensor: 0.04, .data: 0.03]
    /// Outside office hours: fewer patrols, more calls.
    static let nightSourceShare: [CaseSource: Double] = [.patrol: 0.3, .citizen: 0.24, .hotline: 0.33, .visit: 0.03, .sensor: 0.07, .data: 0.03]
    static let onSiteShare = 0.35
    /// The command center's first decision on a report that was not resolved on the spot (≈ 78 % of
    /// all): these shares of it make ≈ 4 / 2 / 2 / 3 % of all reports.
    static let intake: [(CaseAction, Double)] = [(.reject, 0.052), (.merge, 0.026), (.referElsewhere, 0.026), (.escalate, 0.039)]
    static let coDepartmentShare = 0.15
    static let returnShare = 0.06
    static let suspensionShare = 0.01
    static let extensionShare = 0.08
    static let extensionDays = [3, 5, 5, 7, 10, 10, 15]
    static let approvalShare = 0.85
    static let lateShare = 0.07
    /// Of the late, those late by 2–60 working days: the cases still open and overdue now.
    static let veryLateShare = 0.2
    static let lateVerificationShare = 0.04
    static let reworkShare = 0.05
    static let returnCallShare = 0.7
    static let solvedShare = 0.92
    static let satisfiedIfSolved = 0.911
    static let satisfiedIfNotSolved = 0.15

    /// Classes a sensor reports: smart manhole covers, water pressure, street lights, flooding, smoke, air.
    static let sensed: Set<String> = ["C0101", "C0102", "C0103", "E0401", "E0402", "H06", "H07"]

    /// How often a class comes up: exposed garbage, street lights and roads every day; fires and unsafe
    /// houses rarely. Classes a city adds weigh as an ordinary one of their category.
    static func classWeight(_ caseClass: CaseClass) -> Double {
        let known: [String: Double] = [
            // 事件 (≈ 36 %)
            "E0101": 9, "E0102": 5.5, "E0201": 3.5, "E0301": 1.5, "E0302": 0.6, "E0303": 0.3, "E0304": 1.8, "E0401": 0.9, "E0402": 0.3,
            "E0501": 4.2, "E0502": 3.6,
            // 部件 (≈ 27 %)
            "C0101": 3, "C0102": 5, "C0103": 1.5, "C0201": 4, "C0202": 1.5, "C0301": 3, "C0302": 1.2, "C0401": 3, "C0402": 0.5,
            "C0501": 0.3, "C0601": 2,
            // 矛盾纠纷 (≈ 13 %)
            "D01": 3.9, "D02": 1.8, "D03": 1.3, "D04": 2.3, "D05": 0.7, "D06": 0.5, "D07": 0.7, "D08": 1.0, "D09": 0.8,
            // 问题隐患 (≈ 24 %)
            "H01": 2.4, "H02": 1.9, "H03": 1.9, "H04": 3.8, "H05": 1.9, "H06": 2.4, "H07": 2.4, "H08": 1.9, "H09": 0.7, "H10": 2.2, "H11": 2.4,
        ]
        if let weight = known[caseClass.code] { return weight }
        return switch caseClass.category {
        case .event: 3
        case .component: 2.5
        case .dispute: 1.4
        case .hazard: 2.2
        }
    }

    /// What each source tends to find: visits find disputes, data finds hazards.
    static func sourceFactor(_ source: CaseSource, _ category: CaseCategory) -> Double {
        switch (source, category) {
        case (.patrol, .event): 1.15
        case (.patrol, .dispute): 0.5
        case (.visit, .component): 0.3
        case (.visit, .event): 0.4
        case (.visit, .dispute): 3.5
        case (.visit, .hazard): 1.3
        case (.citizen, .dispute), (.hotline, .dispute): 1.4
        case (.data, .hazard): 2.5
        case (.data, .dispute): 0.8
        case (.data, .component), (.data, .event): 0.15
        default: 1
        }
    }

    /// Reports by hour of the day (Beijing time): office hours peak, a little at night.
    static let hourWeights: [Double] = [
        0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.2, 2.8, 4.0, 4.2, 3.6, 1.8, 1.6, 3.4, 3.8, 3.6, 2.6, 1.6, 1.3, 1.1, 0.8, 0.5, 0.3,
    ]
    /// Reports by month: the Spring Festival is quiet, the rainy summer busy.
    static let monthWeights: [Double] = [0.92, 0.8, 0.95, 1.0, 1.05, 1.12, 1.15, 1.15, 1.08, 1.0, 0.98, 0.95]

    static let rejectReasons = ["现场核实无此问题", "重复拍照，问题已不存在", "信息不全，无法定位", "不符合立案条件"]
    static let referrals = [
        ("属企业自有设施", "转产权单位处理"), ("属司法程序事项", "引导当事人至人民法院诉讼服务中心"), ("属铁路管理范围", "转铁路部门处理"),
        ("属供电企业维护范围", "转供电企业处理"), ("属物业服务合同范围", "转物业服务企业处理"),
    ]
    static let escalateReasons = ["超出本级处置能力", "涉及多个部门，需上级协调", "跨村居边界，需统筹处置"]
    static let returnReasons = ["不属本部门职责", "派遣部门有误，应由属地处理", "地址信息有误，无法核实", "职责交叉，请重新派遣"]
    static let suspendReasons = ["当事人外出，暂无法调处", "已进入司法程序", "等待鉴定结果"]
    static let deferReasons = ["需纳入年度预算", "需列入改造计划", "待上级资金下达"]
    static let extensionReasons = ["需采购材料", "需协调多个部门", "需联系产权人", "天气原因无法施工"]
    static let denyReasons = ["延期理由不充分", "属常规事项，应按期办结"]
    static let reworkReasons = ["现场核查未整改到位", "整改不彻底，群众仍有反映", "照片与现场不符"]

    private static func pick(_ texts: [String], _ dice: inout Dice) -> String { texts[dice.below(texts.count)] }

    private static func cumulative(_ weights: [Double]) -> [Double] {
        var sum = 0.0
        return weights.map {
            sum += max(0, $0)
            return sum
        }
    }

    /// The first index whose cumulative weight exceeds `target`, skipping zero-weight entries.
    fileprivate static func search(_ table: [Double], _ target: Double) -> Int {
        var (low, high) = (0, table.count - 1)
        while low < high {
            let middle = (low + high) / 2
            if table[middle] > target { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

/// The draws of one case.
private struct Dice {
    var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(generator.next() >> 11) * 0x1p-53 }

    mutating func chance(_ share: Double) -> Bool { unit() < share }

    mutating func below(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }

    /// Exponentially distributed, at most `cap`.
    mutating func exponential(mean: Double, cap: Double) -> Double { min(cap, -mean * log(1 - unit())) }

    /// An index drawn by cumulative weights.
    mutating func pick(_ cumulative: [Double]) -> Int { DemoHistory.search(cumulative, unit() * cumulative[cumulative.count - 1]) }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String { count >= length ? self : String(repeating: "0", count: length - count) + self }
}
