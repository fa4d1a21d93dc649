/// What a timer does when it comes due.
public enum CaseTimerKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// 预警: the stage's clock has used 75 % of its limit (the light turns yellow); the department is told.
    case warning
    /// 超期: the deadline passed with the stage unfinished; the next level up supervises (督办) and
    /// the department and that level are told.
    case overdue
    /// 持续跟踪: a closed case is checked again some days after closure (disputes at 7 and 30 days).
    case followUp = "follow_up"
    /// 签收超时: a dispatched case was not signed for within its class's sign limit; the department
    /// and the dispatching command center are told.
    case signOverdue = "sign_overdue"
}

/// A row of the durable scheduler: something to do to a case at a time. Timers live in the database
/// beside the case, written in the same transaction as the step that set them, so a restart loses
/// none; a sweep fires each exactly once.
public struct CaseTimer: Sendable, Hashable {
    public var kind: CaseTimerKind
    /// When it fires.
    public var dueAt: Int64
    /// For a warning or an overdue timer, the case's deadline it was set for: a timer whose case has
    /// another deadline by now is moot. For a follow-up, the days after closure. For a sign timer,
    /// the dispatch it was set for.
    public var reference: Int64

    public init(kind: CaseTimerKind, dueAt: Int64, reference: Int64) {
        self.kind = kind
        self.dueAt = dueAt
        self.reference = reference
    }
}

/// What a step does to a case's timers, written in the step's transaction.
public struct CaseTimerPlan: Sendable, Hashable {
    /// The deadline moved, stopped or ended: the warning and overdue timers still open are moot.
    public var endDeadlineTimers: Bool
    /// The case reopened: its follow-ups are moot.
    public var endFollowUps: Bool
    public var add: [CaseTimer]

    public static let none = CaseTimerPlan(endDeadlineTimers: false, endFollowUps: false, add: [])

    public init(endDeadlineTimers: Bool, endFollowUps: Bool, add: [CaseTimer]) {
        self.endDeadlineTimers = endDeadlineTimers
        self.endFollowUps = endFollowUps
        self.add = add
    }
}

/// A note to the people a timer concerns: a department, or the command center of an area.
public struct CaseNotice: Sendable, Hashable {
    public var kind: CaseTimerKind
    /// The department told, or `nil` for the command center of ``areaCode``.
    public var departmentCode: String?
    /// The area whose command center is told (the case's area at the level above its own, for
    /// supervision), or the case's area when a department is told.
    public var areaCode: String
    /// Chinese, as the people told read it; the kind gives the English.
    public var message: String

    public init(kind: CaseTimerKind, departmentCode: String?, areaCode: String, message: String) {
        self.kind = kind
        self.departmentCode = departmentCode
        self.areaCode = areaCode
        self.message = message
    }
}

/// What the scheduler does when a timer fires: nothing (the case moved on), or notices, with a
/// supervision step for an overdue case.
public struct CaseTimerOutcome: Sendable, Hashable {
    public var supervision: CaseStep?
    public var notices: [CaseNotice]

    public static let moot = CaseTimerOutcome(supervision: nil, notices: [])

    public var isMoot: Bool { supervision == nil && notices.isEmpty }
}

/// The scheduler's rules: which timers a step sets, and what a timer does when it fires. Pure: the
/// store keeps the rows, the server's sweep brings the clock.
public enum CaseTimers {
    /// The share of a limit after which the light turns yellow.
    public static let warningShare = 0.75
    /// The actor named in the log for what the scheduler does.
    public static let actor = "system:scheduler"

    /// 持续跟踪: days after closure at which a closed case is checked again. Disputes flare up again
    /// (DOMAIN.md: 7 and 30 days); hazards are checked once; fixed things and events need no check.
    public static func followUpDays(for category: CaseCategory) -> [Int] {
        switch category {
        case .dispute: [7, 30]
        case .hazard: [7]
        case .component, .event: []
        }
    }

    /// The timers a step from `before` to `after` sets, and whether it ends the case's open
    /// deadline timers (the deadline moved, stopped or ended). Closing sets the follow-ups;
    /// reopening ends them.
    public static func plan(
        from before: CaseRecord,
        to after: CaseRecord,
        caseClass: CaseClass?,
        calendar: WorkingCalendar,
        at now: Int64
    ) -> CaseTimerPlan {
        var add: [CaseTimer] = []
        let clockChanged = before.dueAt != after.dueAt || before.pausedAt != after.pausedAt
        if clockChanged, let due = after.dueAt, after.pausedAt == nil {
            if let limit = caseClass?.stageLimit(in: after.state) ?? (after.state == .handled ? CaseLifecycle.verifyLimit : nil),
                let warning = warningTime(deadline: due, limit: limit, calendar: calendar), warning > now
            {
                add.append(CaseTimer(kind: .warning, dueAt: warning, reference: due))
            }
            add.append(CaseTimer(kind: .overdue, dueAt: due, reference: due))
        }
        if after.state == .dispatched, after.dispatchedAt != before.dispatchedAt, let dispatchedAt = after.dispatchedAt,
            let limit = caseClass?.signLimit
        {
            add.append(CaseTimer(kind: .signOverdue, dueAt: calendar.deadline(of: limit, from: dispatchedAt), reference: dispatchedAt))
        }
        let closedNow = after.closedAt != nil && before.closedAt == nil && [.closed, .resolvedOnSite].contains(after.state)
        if closedNow, let caseClass {
            for days in caseClass.followUpDays ?? followUpDays(for: caseClass.category) {
                add.append(CaseTimer(kind: .followUp, dueAt: now + Int64(days) * 86_400_000, reference: Int64(days)))
            }
        }
        let reopened = before.closedAt != nil && after.closedAt == nil
        return CaseTimerPlan(endDeadlineTimers: clockChanged, endFollowUps: reopened, add: add)
    }

    /// When the clock has used ``warningShare`` of `limit` before `deadline`: the latest moment
    /// with a quarter of the limit's working time still ahead.
    static func warningTime(deadline: Int64, limit: TimeLimit, calendar: WorkingCalendar) -> Int64? {
        let total = calendar.used(of: limit, from: 0, at: 0).limit
        let ahead = Int64((Double(total) * (1 - warningShare)).rounded())
        if limit.unit == .clockHours { return deadline - ahead }
        // Working time ahead only shrinks as the moment moves on: search for where it reaches `ahead`.
        var low = deadline - Int64(limit.value) * 86_400_000 * (limit.unit == .workingDays ? 3 : 1) - 30 * 86_400_000
        var high = deadline
        guard calendar.workingMilliseconds(from: low, to: deadline) >= ahead else { return nil }
        while high - low > 1000 {
            let middle = low + (high - low) / 2
            if calendar.workingMilliseconds(from: middle, to: deadline) > ahead { low = middle } else { high = middle }
        }
        return high
    }

    /// What `timer` does to `record` at `now`. A warning or overdue timer whose deadline is no longer
    /// the case's (extended, paused, finished) does nothing; an overdue case is supervised by the
    /// level above the one handling it, which is told, with the lead department.
    public static func fire(
        _ timer: CaseTimer,
        on record: CaseRecord,
        at now: Int64,
        calendar: WorkingCalendar,
        classLimit: TimeLimit?,
        areaAbove: String?
    ) -> CaseTimerOutcome {
        let department = record.leadDepartment
        switch timer.kind {
        case .warning, .overdue:
            guard record.dueAt == timer.reference, record.pausedAt == nil, record.closedAt == nil else { return .moot }
            let stage = record.state == .handled ? "核查" : "处置"
            if timer.kind == .warning {
                let notice = CaseNotice(
                    kind: .warning,
                    departmentCode: record.state == .handled ? nil : department,
                    areaCode: record.areaCode,
                    message: "案件 \(record.id) 的\(stage)时限已用去四分之三（黄灯）"
                )
                return CaseTimerOutcome(supervision: nil, notices: [notice])
            }
            let reason = "超期督办: \(stage)时限已过 (overdue: the \(record.state == .handled ? "verification" : "handling") deadline passed)"
            let step = CaseLifecycle.take(
                .supervise,
                on: record,
                by: .commandCenter,
                actor: actor,
                fields: CaseActionFields(reason: reason),
                at: now,
                calendar: calendar,
                limit: classLimit
            )
            guard case .success(let supervision) = step else { return .moot }
            var notices = [
                CaseNotice(
                    kind: .overdue,
                    departmentCode: nil,
                    areaCode: areaAbove ?? record.areaCode,
                    message: "案件 \(record.id) 已超期，请督办"
                )
            ]
            if let department, record.state != .handled {
                notices.append(
                    CaseNotice(kind: .overdue, departmentCode: department, areaCode: record.areaCode, message: "案件 \(record.id) 已超期，已被督办")
                )
            }
            return CaseTimerOutcome(supervision: supervision, notices: notices)
        case .signOverdue:
            guard record.state == .dispatched, record.dispatchedAt == timer.reference else { return .moot }
            var notices = [CaseNotice(kind: .signOverdue, departmentCode: nil, areaCode: record.areaCode, message: "案件 \(record.id) 派遣后未按时签收")]
            if let department {
                notices.append(
                    CaseNotice(kind: .signOverdue, departmentCode: department, areaCode: record.areaCode, message: "案件 \(record.id) 超过签收时限，请立即签收")
                )
            }
            return CaseTimerOutcome(supervision: nil, notices: notices)
        case .followUp:
            guard [.closed, .rated, .resolvedOnSite].contains(record.state) else { return .moot }
            let notice = CaseNotice(
                kind: .followUp,
                departmentCode: nil,
                areaCode: record.areaCode,
                message: "案件 \(record.id) 结案 \(timer.reference) 天: 请回访，问题是否复发"
            )
            return CaseTimerOutcome(supervision: nil, notices: [notice])
        }
    }
}
