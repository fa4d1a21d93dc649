/// The outcome of one action on a case: the new projection and the event that records it, written
/// together or not at all.
public struct CaseStep: Sendable, Hashable {
    public var record: CaseRecord
    public var event: CaseEvent
}

extension CaseLifecycle {
    /// 回退时限: a department returns a case within 2 working days of its dispatch, or handles it.
    public static let returnLimit = TimeLimit(2, .workingDays)
    /// 核查时限: a handled case is verified on site within 1 working day.
    public static let verifyLimit = TimeLimit(1, .workingDays)

    /// Takes an action on a case at `now`: checks it with ``apply(_:to:by:fields:suspendedFrom:)``,
    /// then moves the clocks on `calendar` (`limit` is the class's handling limit, `verifyLimit` its
    /// verification limit) and writes the event.
    /// Every step that sets a new deadline (dispatch, an approved extension, a resume that moves it,
    /// handling's verification deadline, rework) records it in the event's `due_at`, so that measures
    /// are computed from the log alone (``CaseFacts``).
    public static func take(
        _ action: CaseAction,
        on record: CaseRecord,
        by role: Role,
        actor: String,
        fields: CaseActionFields,
        at now: Int64,
        calendar: WorkingCalendar,
        limit: TimeLimit?,
        verifyLimit: TimeLimit = CaseLifecycle.verifyLimit
    ) -> Result<CaseStep, CaseActionRefusal> {
        var fields = fields
        // The deadline in the log is the lifecycle's, whatever a caller put there; a section only
        // means something to an assignment.
        fields.dueAt = nil
        if action != .assign { fields.section = nil }
        let target: CaseState
        switch apply(action, to: record.state, by: role, fields: fields, suspendedFrom: record.suspendedFrom) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let state): target = state
        }
        var next = record
        next.state = target
        next.updatedAt = now
        switch action {
        case .resolveOnSite, .reject, .referElsewhere, .close:
            next.closedAt = now
            next.dueAt = nil
            if action == .resolveOnSite { next.level = .grid }
        case .merge:
            guard fields.mergedInto != record.id else { return .failure(.invalidField("merged_into", "a case cannot be merged into itself")) }
            next.mergedInto = fields.mergedInto
            next.closedAt = now
            next.dueAt = nil
        case .accept, .sign, .supervise, .assist:
            break
        case .assign:
            guard fields.section != record.leadDepartment else {
                return .failure(.invalidField("section", "a section of \(record.leadDepartment ?? "the lead department"), not the department itself"))
            }
            next.section = fields.section
        case .verify:
            next.dueAt = nil
        case .dispatch:
            next.leadDepartment = fields.leadDepartment
            next.coDepartments = fields.coDepartments
            next.section = nil
            next.dispatchedAt = now
            next.dueAt = limit.map { calendar.deadline(of: $0, from: now) }
            fields.dueAt = next.dueAt
        case .returnToDispatcher:
            if let dispatchedAt = record.dispatchedAt, now > calendar.deadline(of: returnLimit, from: dispatchedAt) {
                return .failure(.invalidField("return", "a case is returned within 2 working days of its dispatch; handle it or ask for more time"))
            }
            // The log names the department that returned it: returns are counted against it.
            fields.leadDepartment = record.leadDepartment
            next.leadDepartment = nil
            next.coDepartments = []
            next.section = nil
            next.dueAt = nil
        case .requestExtension:
            next.requestedExtensionDays = fields.extensionDays
        case .approveExtension:
            // The dispatcher grants what was asked unless it says otherwise.
            let days = fields.extensionDays ?? record.requestedExtensionDays ?? 0
            fields.extensionDays = days
            next.requestedExtensionDays = nil
            next.dueAt = record.dueAt.map { calendar.adding(workingMinutes: days * calendar.minutesPerDay, to: $0) }
            fields.dueAt = next.dueAt
        case .denyExtension:
            next.requestedExtensionDays = nil
        case .defer_:
            next.pausedAt = now
        case .suspend:
            next.suspendedFrom = record.state
            next.pausedAt = now
        case .resume:
            if let pausedAt = record.pausedAt, let dueAt = record.dueAt {
                next.dueAt =
                    limit?.unit == .clockHours
                    ? dueAt + (now - pausedAt)
                    : calendar.adding(workingMinutes: Int(calendar.workingMilliseconds(from: pausedAt, to: now) / 60_000), to: dueAt)
            }
            next.pausedAt = nil
            next.suspendedFrom = nil
            if next.dueAt != record.dueAt { fields.dueAt = next.dueAt }
        case .handle:
            next.dueAt = calendar.deadline(of: verifyLimit, from: now)
            fields.dueAt = next.dueAt
        case .rework:
            // Back to the department with a fresh handling limit; the rework itself is counted.
            next.dueAt = limit.map { calendar.deadline(of: $0, from: now) }
            fields.dueAt = next.dueAt
        case .rate:
            if fields.solved == false { reopen(&next) }
        case .escalate:
            guard let up = record.level.parentLevel else {
                return .failure(.invalidField("level", "the case is already at the city level: nothing is above it"))
            }
            next.level = up
            next.dueAt = nil
        case .reopen:
            reopen(&next)
        }
        let event = CaseEvent(
            caseID: record.id,
            sequence: record.eventCount,
            at: now,
            actor: actor,
            action: action.rawValue,
            from: record.state,
            to: target,
            fields: fields
        )
        next.eventCount += 1
        return .success(CaseStep(record: next, event: event))
    }

    /// A reopened case goes back to the dispatcher with no department and no clock.
    private static func reopen(_ record: inout CaseRecord) {
        record.closedAt = nil
        record.leadDepartment = nil
        record.coDepartments = []
        record.section = nil
        record.dueAt = nil
        record.dispatchedAt = nil
    }
}
