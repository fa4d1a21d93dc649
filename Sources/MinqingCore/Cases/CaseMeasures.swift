import Foundation

/// 考核计数: the counts the measures of DOMAIN.md §3 are computed from, as an additive vector, so that
/// the store can keep them pre-aggregated (one SQL column per counter, see ``columns``) and move them
/// by `after − before` in the same transaction as each event.
///
/// Each counter is a number of cases unless it says otherwise. Counters about what *happened* only
/// grow; counters about how a case *stands* (handled, closed, deferred, on the spot, the level mix and
/// the durations of the standing outcome) drop again when rework or a reopening undoes the outcome.
public struct CaseCounters: Sendable, Hashable, Codable {
    /// 上报数: cases reported (an escalation is not a new report).
    public var reports: Int64 = 0
    /// 有效上报数: cases that ever reached accepted or resolved_on_site.
    public var valid: Int64 = 0
    /// 当即办理数: cases standing as resolved on the spot (a reopening withdraws it).
    public var onTheSpot: Int64 = 0
    /// 派遣数: dispatch events, each counted for the department it went to.
    public var dispatches: Int64 = 0
    /// 回退数: return events, each counted for the department that returned the case.
    public var returns: Int64 = 0
    /// 处置数: cases whose latest handling stands (not undone by rework or a reopening).
    public var handled: Int64 = 0
    /// 按期处置数: of ``handled``, those whose standing handling came by the deadline then in force
    /// (a case with no limit cannot be late).
    public var handledOnTime: Int64 = 0
    /// 延期数: cases with at least one approved extension while the department led them.
    public var extended: Int64 = 0
    /// 返工数: cases sent back for rework at least once while the department led them.
    public var reworked: Int64 = 0
    /// 结案数: cases standing closed through the loop (closed or rated after closing; not on the spot).
    public var closed: Int64 = 0
    /// 按期结案数: of ``closed``, those handled on time and closed by the verification deadline that
    /// the standing handling set.
    public var closedOnTime: Int64 = 0
    /// 缓办数: cases deferred now.
    public var deferred: Int64 = 0
    /// 回访数: return-call events (a case reopened and called again counts twice).
    public var returnCalls: Int64 = 0
    /// Return calls that recorded "solved".
    public var solved: Int64 = 0
    /// Return calls that recorded "satisfied" (the log holds a yes or no: there is no "basically").
    public var satisfied: Int64 = 0
    /// 12345 响应数: of ``respondable``, reports whose first action came within
    /// ``CaseFacts/responseLimit``.
    public var responded: Int64 = 0
    /// Citizen and hotline reports: each is a request owed a response from the moment it is made.
    public var respondable: Int64 = 0
    /// The level mix: cases standing closed or resolved on the spot, by the level that finished them.
    public var closedAtGrid: Int64 = 0
    public var closedAtVillage: Int64 = 0
    public var closedAtTown: Int64 = 0
    public var closedAtCounty: Int64 = 0
    public var closedAtCity: Int64 = 0
    /// Elapsed milliseconds from the report to the first dispatch, summed, and the cases summed.
    public var reportToDispatchMilliseconds: Int64 = 0
    public var reportToDispatchCount: Int64 = 0
    /// Elapsed milliseconds from the latest dispatch to the standing handling, summed over handled cases.
    public var dispatchToHandleMilliseconds: Int64 = 0
    public var dispatchToHandleCount: Int64 = 0
    /// Elapsed milliseconds from the standing handling to the closure, summed over closed cases.
    public var handleToCloseMilliseconds: Int64 = 0
    public var handleToCloseCount: Int64 = 0

    public init() {}

    public static let zero = CaseCounters()

    /// One counter: its column name in the store (stable: renaming one is a migration) and where it is.
    public struct Column: Sendable {
        public let name: String
        public let keyPath: any WritableKeyPath<CaseCounters, Int64> & Sendable
    }

    /// Every counter, in a fixed order.
    public static let columns: [Column] = [
        Column(name: "reports", keyPath: \.reports),
        Column(name: "valid", keyPath: \.valid),
        Column(name: "on_the_spot", keyPath: \.onTheSpot),
        Column(name: "dispatches", keyPath: \.dispatches),
        Column(name: "returns", keyPath: \.returns),
        Column(name: "handled", keyPath: \.handled),
        Column(name: "handled_on_time", keyPath: \.handledOnTime),
        Column(name: "extended", keyPath: \.extended),
        Column(name: "reworked", keyPath: \.reworked),
        Column(name: "closed", keyPath: \.closed),
        Column(name: "closed_on_time", keyPath: \.closedOnTime),
        Column(name: "deferred", keyPath: \.deferred),
        Column(name: "return_calls", keyPath: \.returnCalls),
        Column(name: "solved", keyPath: \.solved),
        Column(name: "satisfied", keyPath: \.satisfied),
        Column(name: "responded", keyPath: \.responded),
        Column(name: "respondable", keyPath: \.respondable),
        Column(name: "closed_at_grid", keyPath: \.closedAtGrid),
        Column(name: "closed_at_village", keyPath: \.closedAtVillage),
        Column(name: "closed_at_town", keyPath: \.closedAtTown),
        Column(name: "closed_at_county", keyPath: \.closedAtCounty),
        Column(name: "closed_at_city", keyPath: \.closedAtCity),
        Column(name: "report_to_dispatch_ms", keyPath: \.reportToDispatchMilliseconds),
        Column(name: "report_to_dispatch_count", keyPath: \.reportToDispatchCount),
        Column(name: "dispatch_to_handle_ms", keyPath: \.dispatchToHandleMilliseconds),
        Column(name: "dispatch_to_handle_count", keyPath: \.dispatchToHandleCount),
        Column(name: "handle_to_close_ms", keyPath: \.handleToCloseMilliseconds),
        Column(name: "handle_to_close_count", keyPath: \.handleToCloseCount),
    ]

    /// The level-mix counter of a level.
    public static func closedAt(_ level: AreaLevel) -> WritableKeyPath<CaseCounters, Int64> {
        switch level {
        case .grid: \.closedAtGrid
        case .village: \.closedAtVillage
        case .town: \.closedAtTown
        case .county: \.closedAtCounty
        case .city: \.closedAtCity
        }
    }

    public var isZero: Bool { self == .zero }

    public static func + (a: CaseCounters, b: CaseCounters) -> CaseCounters {
        var sum = a
        sum += b
        return sum
    }

    public static func - (a: CaseCounters, b: CaseCounters) -> CaseCounters {
        var difference = a
        for column in columns { difference[keyPath: column.keyPath] -= b[keyPath: column.keyPath] }
        return difference
    }

    public static func += (a: inout CaseCounters, b: CaseCounters) {
        for column in columns { a[keyPath: column.keyPath] += b[keyPath: column.keyPath] }
    }
}

/// 案件考核事实: what one case contributes to the measures, per department, as a pure function of its
/// log. The key `""` holds what is no department's; a department code holds what is attributed to it.
///
/// Attribution:
/// - the report, its validity, on-the-spot resolution, the 12345 response, the time to the first
///   dispatch and the return calls are no department's (`""`): they measure the reporter, the
///   command center and the outcome for the resident;
/// - a dispatch counts for the department it names, a return for the department that returned the
///   case (the `return` event's `lead_department`);
/// - an approved extension and a rework count for the department leading the case when they happen;
/// - handling, on-time handling, closing, on-time closing, the level mix of closed cases and the
///   durations after dispatch count for the department that led the case when it was handled;
/// - a deferral counts for the department leading the deferred case.
///
/// Facts do not depend on "now": the store keeps them summed per department (and area, class…) and
/// moves the sums by ``delta(from:)`` when an event is written. What depends on now, the overdue open
/// cases, is counted live (``CaseMeasures/isOverdueOpen(_:at:)``).
public struct CaseFacts: Sendable, Hashable {
    /// 响应时限: a citizen or hotline report is answered by the first action on it within one
    /// working hour of the report (a report made at night or on a holiday has until an hour into the
    /// next working period).
    public static let responseLimit = TimeLimit(1, .workingHours)

    /// Counters by department code; `""` for what is no department's. Departments with nothing are absent.
    public var byDepartment: [String: CaseCounters]

    public init(byDepartment: [String: CaseCounters] = [:]) {
        self.byDepartment = byDepartment.filter { !$0.value.isZero }
    }

    /// The facts of a case whose log is `events`, in order from the report. `record` must be the
    /// projection of exactly these events (as ``CaseStep/record`` is of the log up to its event): its
    /// source decides whether a response is owed, and its level is the level that finished the case
    /// when the case stands closed. Deadlines come from the events' `due_at`: a step without one
    /// (no limit, or written before deadlines were logged) leaves no deadline to be late for.
    public init(record: CaseRecord, events: [CaseEvent], calendar: WorkingCalendar) {
        var facts: [String: CaseCounters] = [:]
        func count(_ keyPath: WritableKeyPath<CaseCounters, Int64>, _ amount: Int64 = 1, for department: String? = nil) {
            facts[department ?? "", default: .zero][keyPath: keyPath] += amount
        }
        guard let report = events.first, report.action == CaseEvent.report else {
            self.init()
            return
        }
        count(\.reports)
        if [.citizen, .hotline].contains(record.source) {
            count(\.respondable)
            if events.count > 1, events[1].at <= calendar.deadline(of: Self.responseLimit, from: report.at) { count(\.responded) }
        }

        /// The handling that stands: not undone by rework or a reopening.
        struct Handling {
            var at: Int64
            var department: String?
            var onTime: Bool
            var since: Int64?
            var verifyBy: Int64?
        }
        var valid = false
        var lead: String?
        var dispatchedAt: Int64?
        var handlingDue: Int64?
        var firstDispatch = true
        var handling: Handling?
        var closedAt: Int64?
        var onTheSpot = false
        var extended: Set<String> = []
        var reworked: Set<String> = []
        func reopen() {
            lead = nil
            dispatchedAt = nil
            handlingDue = nil
            handling = nil
            closedAt = nil
            onTheSpot = false
        }
        for event in events.dropFirst() {
            if event.to == .accepted || event.to == .resolvedOnSite { valid = true }
            switch CaseAction(rawValue: event.action) {
            case .dispatch:
                lead = event.fields.leadDepartment
                count(\.dispatches, for: lead)
                if firstDispatch {
                    count(\.reportToDispatchMilliseconds, event.at - report.at)
                    count(\.reportToDispatchCount)
                    firstDispatch = false
                }
                dispatchedAt = event.at
                handlingDue = event.fields.dueAt
            case .returnToDispatcher:
                count(\.returns, for: event.fields.leadDepartment ?? lead)
                lead = nil
                handlingDue = nil
            case .approveExtension:
                extended.insert(lead ?? "")
                if let due = event.fields.dueAt { handlingDue = due }
            case .resume:
                if let due = event.fields.dueAt { handlingDue = due }
            case .handle:
                let onTime = handlingDue.map { event.at <= $0 } ?? true
                handling = Handling(at: event.at, department: lead, onTime: onTime, since: dispatchedAt, verifyBy: event.fields.dueAt)
            case .rework:
                reworked.insert(lead ?? "")
                handling = nil
                handlingDue = event.fields.dueAt
            case .close:
                closedAt = event.at
            case .resolveOnSite:
                onTheSpot = true
            case .rate:
                count(\.returnCalls)
                if event.fields.solved == true { count(\.solved) }
                if event.fields.satisfied == true { count(\.satisfied) }
                if event.fields.solved == false { reopen() }
            case .reopen:
                reopen()
            case .accept, .reject, .merge, .referElsewhere, .sign, .requestExtension, .denyExtension, .defer_, .suspend, .verify, .escalate,
                .supervise, .assign, .assist, nil:
                break
            }
        }
        if valid { count(\.valid) }
        if onTheSpot {
            count(\.onTheSpot)
            count(CaseCounters.closedAt(record.level))
        }
        if let handling {
            let department = handling.department
            count(\.handled, for: department)
            if handling.onTime { count(\.handledOnTime, for: department) }
            if let since = handling.since {
                count(\.dispatchToHandleMilliseconds, handling.at - since, for: department)
                count(\.dispatchToHandleCount, for: department)
            }
            if let closedAt {
                count(\.closed, for: department)
                if handling.onTime, closedAt <= handling.verifyBy ?? .max { count(\.closedOnTime, for: department) }
                count(CaseCounters.closedAt(record.level), for: department)
                count(\.handleToCloseMilliseconds, closedAt - handling.at, for: department)
                count(\.handleToCloseCount, for: department)
            }
        }
        if events.last?.to == .deferred { count(\.deferred, for: lead) }
        for department in extended { count(\.extended, for: department) }
        for department in reworked { count(\.reworked, for: department) }
        self.init(byDepartment: facts)
    }

    /// The counters of every department together.
    public var total: CaseCounters { byDepartment.values.reduce(.zero, +) }

    /// What the store adds to its sums when the case's facts move from `before` to these: per key,
    /// `self − before`, without the keys that do not move.
    public func delta(from before: CaseFacts) -> [String: CaseCounters] {
        var delta: [String: CaseCounters] = [:]
        for key in Set(byDepartment.keys).union(before.byDepartment.keys) {
            let change = (byDepartment[key] ?? .zero) - (before.byDepartment[key] ?? .zero)
            if !change.isZero { delta[key] = change }
        }
        return delta
    }
}

/// 考核指标: the measures of DOMAIN.md §3, computed from summed ``CaseCounters`` and the live count of
/// overdue open cases. Each is a numerator over a denominator, with no rate when the denominator is 0.
///
/// Recurrence (cases at the same place and class within N days of a closure) is not here: it cannot be
/// told from one case's log. A case linked to the one it recurs (``CaseRecord/linkedTo``) will count
/// it, and "conflicts not pushed upward" is to be published only next to it.
public struct CaseMeasures: Sendable, Hashable, Codable {
    /// A numerator over a denominator; `rate` is `nil` when the denominator is 0.
    public struct Ratio: Sendable, Hashable, Codable {
        public var numerator: Int64
        public var denominator: Int64
        public var rate: Double?

        public init(_ numerator: Int64, over denominator: Int64) {
            self.numerator = numerator
            self.denominator = denominator
            self.rate = denominator == 0 ? nil : Double(numerator) / Double(denominator)
        }
    }

    public var counters: CaseCounters
    /// 超期待处置数: dispatched, signed or waiting on an extension, not paused, past the deadline, now.
    public var overdueOpen: Int64
    /// 应处置数 = handled + overdue open: what should have been handled by now.
    public var dueForHandling: Int64
    /// 应结案数 = due for handling + deferred: deferred cases are due too, and the closure rates take
    /// them out again, as DOMAIN.md's formula does.
    public var dueForClosing: Int64

    public var validReportRate: Ratio
    public var onTheSpotRate: Ratio
    public var dispatchAccuracy: Ratio
    public var returnRate: Ratio
    public var handlingRate: Ratio
    public var onTimeHandlingRate: Ratio
    public var overdueOpenRate: Ratio
    public var extensionRate: Ratio
    public var reworkRate: Ratio
    public var closureRate: Ratio
    public var onTimeClosureRate: Ratio
    public var responseRate: Ratio
    public var solvedRate: Ratio
    public var satisfactionRate: Ratio
    public var closedAtGridShare: Ratio
    public var closedAtVillageShare: Ratio
    public var closedAtTownShare: Ratio
    public var closedAtCountyShare: Ratio
    public var closedAtCityShare: Ratio
    /// Averages in milliseconds: the rate is the mean.
    public var averageReportToDispatch: Ratio
    public var averageDispatchToHandle: Ratio
    public var averageHandleToClose: Ratio

    public init(counters c: CaseCounters, overdueOpen: Int64) {
        counters = c
        self.overdueOpen = overdueOpen
        dueForHandling = c.handled + overdueOpen
        dueForClosing = dueForHandling + c.deferred
        let closable = dueForClosing - c.deferred
        validReportRate = Ratio(c.valid, over: c.reports)
        onTheSpotRate = Ratio(c.onTheSpot, over: c.reports)
        dispatchAccuracy = Ratio(c.dispatches - c.returns, over: c.dispatches)
        returnRate = Ratio(c.returns, over: c.dispatches)
        handlingRate = Ratio(c.handled, over: dueForHandling)
        onTimeHandlingRate = Ratio(c.handledOnTime, over: dueForHandling)
        overdueOpenRate = Ratio(overdueOpen, over: dueForHandling)
        extensionRate = Ratio(c.extended, over: dueForHandling)
        reworkRate = Ratio(c.reworked, over: dueForClosing)
        closureRate = Ratio(c.closed, over: closable)
        onTimeClosureRate = Ratio(c.closedOnTime, over: closable)
        responseRate = Ratio(c.responded, over: c.respondable)
        solvedRate = Ratio(c.solved, over: c.returnCalls)
        satisfactionRate = Ratio(c.satisfied, over: c.returnCalls)
        let finished = c.closedAtGrid + c.closedAtVillage + c.closedAtTown + c.closedAtCounty + c.closedAtCity
        closedAtGridShare = Ratio(c.closedAtGrid, over: finished)
        closedAtVillageShare = Ratio(c.closedAtVillage, over: finished)
        closedAtTownShare = Ratio(c.closedAtTown, over: finished)
        closedAtCountyShare = Ratio(c.closedAtCounty, over: finished)
        closedAtCityShare = Ratio(c.closedAtCity, over: finished)
        averageReportToDispatch = Ratio(c.reportToDispatchMilliseconds, over: c.reportToDispatchCount)
        averageDispatchToHandle = Ratio(c.dispatchToHandleMilliseconds, over: c.dispatchToHandleCount)
        averageHandleToClose = Ratio(c.handleToCloseMilliseconds, over: c.handleToCloseCount)
    }

    /// 超期待处置: whether a case counts as overdue and still open at `now`. Dispatched, signed or
    /// waiting on an extension (not handled, not closed), its clock not paused (suspended and deferred
    /// cases are not), past its deadline. The store counts these live, per lead department.
    public static func isOverdueOpen(_ record: CaseRecord, at now: Int64) -> Bool {
        guard [.dispatched, .signed, .extensionRequested].contains(record.state), record.pausedAt == nil, let dueAt = record.dueAt else {
            return false
        }
        return dueAt < now
    }

    /// A published formula: what is counted over what.
    public struct Formula: Sendable {
        /// Stable, for the API.
        public let id: String
        public let chineseName: String
        public let englishName: String
        public let numerator: String
        public let denominator: String
        public let ratio: any KeyPath<CaseMeasures, Ratio> & Sendable
    }

    private static let dueForHandlingText = "due for handling (应处置: handled + overdue and still open now)"
    private static let closableText = "due for closing − deferred (handled + overdue and still open now)"

    /// Every measure with its formula, in the order of DOMAIN.md §3, to publish with the figures.
    public static let formulas: [Formula] = [
        Formula(
            id: "valid_report_rate",
            chineseName: "有效上报率",
            englishName: "valid-report rate",
            numerator: "reports accepted or resolved on the spot",
            denominator: "reports",
            ratio: \.validReportRate
        ),
        Formula(
            id: "on_the_spot_rate",
            chineseName: "当即办理率",
            englishName: "on-the-spot rate",
            numerator: "cases standing resolved on the spot",
            denominator: "reports",
            ratio: \.onTheSpotRate
        ),
        Formula(
            id: "dispatch_accuracy",
            chineseName: "准确派遣率",
            englishName: "dispatch accuracy",
            numerator: "dispatches − returns",
            denominator: "dispatches",
            ratio: \.dispatchAccuracy
        ),
        Formula(
            id: "return_rate",
            chineseName: "回退率",
            englishName: "return rate",
            numerator: "returns",
            denominator: "dispatches",
            ratio: \.returnRate
        ),
        Formula(
            id: "handling_rate",
            chineseName: "处置率",
            englishName: "handling rate",
            numerator: "cases handled (not undone by rework or reopening)",
            denominator: dueForHandlingText,
            ratio: \.handlingRate
        ),
        Formula(
            id: "on_time_handling_rate",
            chineseName: "按期处置率",
            englishName: "on-time handling",
            numerator: "cases handled by the deadline in force",
            denominator: dueForHandlingText,
            ratio: \.onTimeHandlingRate
        ),
        Formula(
            id: "overdue_open_rate",
            chineseName: "超期待处置率",
            englishName: "overdue-open rate",
            numerator: "cases dispatched, not handled, not paused, past the deadline now",
            denominator: dueForHandlingText,
            ratio: \.overdueOpenRate
        ),
        Formula(
            id: "extension_rate",
            chineseName: "延期率",
            englishName: "extension rate",
            numerator: "cases with an approved extension",
            denominator: dueForHandlingText,
            ratio: \.extensionRate
        ),
        Formula(
            id: "rework_rate",
            chineseName: "返工率",
            englishName: "rework rate",
            numerator: "cases sent back for rework",
            denominator: "due for closing (应结案: due for handling + deferred)",
            ratio: \.reworkRate
        ),
        Formula(
            id: "closure_rate",
            chineseName: "结案率",
            englishName: "closure rate",
            numerator: "cases closed after verification",
            denominator: closableText,
            ratio: \.closureRate
        ),
        Formula(
            id: "on_time_closure_rate",
            chineseName: "按期结案率",
            englishName: "on-time closure",
            numerator: "cases handled on time and closed by the verification deadline",
            denominator: closableText,
            ratio: \.onTimeClosureRate
        ),
        Formula(
            id: "response_rate",
            chineseName: "响应率",
            englishName: "response rate (12345)",
            numerator: "citizen and hotline reports first acted on within 1 working hour",
            denominator: "citizen and hotline reports",
            ratio: \.responseRate
        ),
        Formula(
            id: "solved_rate",
            chineseName: "解决率",
            englishName: "solved rate",
            numerator: "return calls that recorded \"solved\"",
            denominator: "return calls",
            ratio: \.solvedRate
        ),
        Formula(
            id: "satisfaction_rate",
            chineseName: "满意率",
            englishName: "satisfaction rate",
            numerator: "return calls that recorded \"satisfied\" (there is no \"basically satisfied\")",
            denominator: "return calls",
            ratio: \.satisfactionRate
        ),
        Formula(
            id: "closed_at_grid_share",
            chineseName: "网格结案占比",
            englishName: "share closed at grid level",
            numerator: "cases closed or resolved on the spot at grid level",
            denominator: "cases closed or resolved on the spot",
            ratio: \.closedAtGridShare
        ),
        Formula(
            id: "closed_at_village_share",
            chineseName: "村社区结案占比",
            englishName: "share closed at village level",
            numerator: "cases closed at village or community level",
            denominator: "cases closed or resolved on the spot",
            ratio: \.closedAtVillageShare
        ),
        Formula(
            id: "closed_at_town_share",
            chineseName: "镇街结案占比",
            englishName: "share closed at town level",
            numerator: "cases closed at town or street level",
            denominator: "cases closed or resolved on the spot",
            ratio: \.closedAtTownShare
        ),
        Formula(
            id: "closed_at_county_share",
            chineseName: "县区结案占比",
            englishName: "share closed at county level",
            numerator: "cases closed at county or district level",
            denominator: "cases closed or resolved on the spot",
            ratio: \.closedAtCountyShare
        ),
        Formula(
            id: "closed_at_city_share",
            chineseName: "市级结案占比",
            englishName: "share closed at city level",
            numerator: "cases closed at city level",
            denominator: "cases closed or resolved on the spot",
            ratio: \.closedAtCityShare
        ),
        Formula(
            id: "average_report_to_dispatch",
            chineseName: "平均派遣用时",
            englishName: "average time from report to first dispatch (ms)",
            numerator: "elapsed milliseconds from report to first dispatch",
            denominator: "cases dispatched",
            ratio: \.averageReportToDispatch
        ),
        Formula(
            id: "average_dispatch_to_handle",
            chineseName: "平均处置用时",
            englishName: "average time from dispatch to handling (ms)",
            numerator: "elapsed milliseconds from the latest dispatch to handling",
            denominator: "cases handled",
            ratio: \.averageDispatchToHandle
        ),
        Formula(
            id: "average_handle_to_close",
            chineseName: "平均结案用时",
            englishName: "average time from handling to closure (ms)",
            numerator: "elapsed milliseconds from handling to closure",
            denominator: "cases closed",
            ratio: \.averageHandleToClose
        ),
    ]
}
