import Foundation

/// Where a case stands in the closed loop (DESIGN.md, "The case loop"). The current state is a
/// projection of the case's event list; each event is one ``CaseAction`` taken by ``CaseLifecycle``.
public enum CaseState: String, Sendable, Codable, CaseIterable, Hashable {
    /// 上报: waiting for the command center of the case's level.
    case reported
    /// 当即办理: resolved on the spot by the grid worker, with evidence; closed at grid level.
    case resolvedOnSite = "resolved_on_site"
    /// 立案: accepted, waiting to be dispatched.
    case accepted
    /// 不予立案 / 作废: refused, with a reason.
    case rejected
    /// 合并: a duplicate, merged into another case.
    case merged
    /// 不属职责: not the government's to handle here; referred elsewhere, with a reason.
    case notOurs = "not_ours"
    /// 派遣: sent to a lead department with a deadline, waiting for it to sign.
    case dispatched
    /// 回退: the department refused it, with a reason; back with the dispatcher.
    case returned
    /// 签收: the department acknowledged it and is handling it.
    case signed
    /// 延期申请: the department asked for more time; the dispatcher decides.
    case extensionRequested = "extension_requested"
    /// 缓办 / 挂账: waits for a budget or a plan; counted apart, never hidden.
    case deferred
    /// 挂起: paused (a court case, the owner away); the clock stops.
    case suspended
    /// 处置完成: the department reports a result with evidence; waiting for verification on site.
    case handled
    /// 核查通过: verified on site.
    case verified
    /// 结案
    case closed
    /// 回访: the return call recorded "solved" and "satisfied" apart.
    case rated

    /// States no action leaves except a reopening.
    public var isFinished: Bool { [.resolvedOnSite, .rejected, .merged, .notOurs, .closed, .rated].contains(self) }
}

/// What someone does to a case. Names are stable: they appear in the case log.
public enum CaseAction: String, Sendable, Codable, CaseIterable, Hashable {
    /// 当即办理
    case resolveOnSite = "resolve_on_site"
    case accept
    case reject
    case merge
    /// 不属职责, with a referral.
    case referElsewhere = "refer_elsewhere"
    /// 派遣, and 重新派遣 after a return.
    case dispatch
    case sign
    /// 回退
    case returnToDispatcher = "return"
    case requestExtension = "request_extension"
    case approveExtension = "approve_extension"
    case denyExtension = "deny_extension"
    /// 缓办
    case defer_ = "defer"
    case suspend
    case resume
    case handle
    /// 核查: passes, or sends the case back for rework (返工).
    case verify
    case rework
    case close
    /// 回访: "not solved" reopens the case.
    case rate
    /// 上报上级: up one level, with a reason; never counted against anyone.
    case escalate
    case reopen
    /// 督办: the next level up presses on an overdue case; the state does not change.
    case supervise
    /// 分派: the lead department's head hands a signed case to one of its sections (科室); the state
    /// does not change. Assigning again hands it to another.
    case assign
    /// 协办反馈: an assisting department records its part; the state does not change.
    case assist
}

/// What an action must carry. The lifecycle names the missing field; the store keeps them in the event.
public struct CaseActionFields: Sendable, Hashable {
    public var reason: String?
    /// Photos or documents, by their content hashes.
    public var evidence: [String]
    public var result: String?
    /// The case merged into.
    public var mergedInto: Int64?
    /// Where a case not ours was referred.
    public var referral: String?
    public var leadDepartment: String?
    public var coDepartments: [String]
    /// The section an assignment hands the case to.
    public var section: String?
    /// The return call's answers, kept apart (DOMAIN.md §4).
    public var solved: Bool?
    public var satisfied: Bool?
    /// Extra working days asked for or granted.
    public var extensionDays: Int?
    /// The deadline the step set (处置时限, or 核查时限 after handling), in milliseconds since 1970:
    /// written by ``CaseLifecycle/take(_:on:by:actor:fields:at:calendar:limit:verifyLimit:)``, never taken from a
    /// client, so that measures such as on-time handling can be computed from the log alone. Events
    /// written before it existed have none.
    public var dueAt: Int64?
    /// On a report: the closed case this one recurs (复发), found by ``CaseProximity``.
    public var linkedTo: Int64?
    /// On a report: the answers to its class's questions (``CaseClassAttribute``), by code.
    public var attributes: [String: JSONValue]

    public init(
        reason: String? = nil,
        evidence: [String] = [],
        result: String? = nil,
        mergedInto: Int64? = nil,
        referral: String? = nil,
        leadDepartment: String? = nil,
        coDepartments: [String] = [],
        section: String? = nil,
        solved: Bool? = nil,
        satisfied: Bool? = nil,
        extensionDays: Int? = nil,
        dueAt: Int64? = nil,
        linkedTo: Int64? = nil,
        attributes: [String: JSONValue] = [:]
    ) {
        self.attributes = attributes
        self.reason = reason
        self.evidence = evidence
        self.result = result
        self.mergedInto = mergedInto
        self.referral = referral
        self.leadDepartment = leadDepartment
        self.coDepartments = coDepartments
        self.section = section
        self.solved = solved
        self.satisfied = satisfied
        self.extensionDays = extensionDays
        self.dueAt = dueAt
        self.linkedTo = linkedTo
    }
}

/// Why an action was refused. An illegal action changes nothing; its answer names the current state
/// and what may be done now.
public enum CaseActionRefusal: Error, Hashable, Sendable {
    /// The action is not one the case's state allows.
    case notNow(state: CaseState, allowed: [CaseAction])
    /// The role may never take this action.
    case wrongRole(Role, allowedRoles: [Role])
    /// A field the action needs is missing or empty.
    case missingField(String)
    /// A field holds a value the action cannot take.
    case invalidField(String, String)
}

/// The case loop's rules: for every action, who may take it, from which states, which fields it
/// needs, and where it leads. Pure; the store applies the outcome and its event in one transaction.
public enum CaseLifecycle {
    struct Rule {
        var from: Set<CaseState>
        var roles: Set<Role>
    }

    /// The rule of each action, built once: every case shown lists what its reader may do next.
    static func rule(_ action: CaseAction) -> Rule { rules[action]! }

    private static let rules = Dictionary(uniqueKeysWithValues: CaseAction.allCases.map { ($0, makeRule($0)) })
    private static let allowedByState = Dictionary(
        uniqueKeysWithValues: CaseState.allCases.map { state in (state, CaseAction.allCases.filter { rule($0).from.contains(state) }) }
    )
    private static let rolesByAction = Dictionary(
        uniqueKeysWithValues: CaseAction.allCases.map { action in (action, Role.allCases.filter { rule(action).roles.contains($0) }) }
    )

    /// The command center dispatches and decides; departments sign, return, handle and ask for time;
    /// grid workers report, resolve on the spot and verify.
    private static func makeRule(_ action: CaseAction) -> Rule {
        switch action {
        case .resolveOnSite: Rule(from: [.reported], roles: [.gridWorker])
        case .accept, .reject: Rule(from: [.reported], roles: [.commandCenter])
        case .merge, .referElsewhere: Rule(from: [.reported, .accepted, .returned], roles: [.commandCenter])
        case .dispatch: Rule(from: [.accepted, .returned], roles: [.commandCenter])
        case .sign: Rule(from: [.dispatched], roles: [.departmentHandler, .departmentHead])
        case .returnToDispatcher: Rule(from: [.dispatched, .signed], roles: [.departmentHandler, .departmentHead])
        case .requestExtension: Rule(from: [.signed], roles: [.departmentHandler, .departmentHead])
        case .approveExtension, .denyExtension: Rule(from: [.extensionRequested], roles: [.commandCenter])
        case .defer_: Rule(from: [.signed], roles: [.commandCenter, .departmentHead])
        case .suspend: Rule(from: [.dispatched, .signed], roles: [.commandCenter])
        case .resume: Rule(from: [.suspended, .deferred], roles: [.commandCenter])
        case .handle: Rule(from: [.signed], roles: [.departmentHandler, .departmentHead])
        case .verify, .rework: Rule(from: [.handled], roles: [.gridWorker, .commandCenter])
        case .close: Rule(from: [.verified], roles: [.commandCenter])
        // 回访 by the command center's call, or the resident rating their own report.
        case .rate: Rule(from: [.closed, .resolvedOnSite], roles: [.commandCenter, .citizen])
        case .escalate: Rule(from: [.reported, .accepted, .returned], roles: [.gridWorker, .commandCenter])
        case .reopen: Rule(from: [.closed, .rated, .resolvedOnSite], roles: [.commandCenter])
        case .supervise:
            Rule(
                from: Set(CaseState.allCases.filter { !$0.isFinished && $0 != .reported }),
                roles: [.commandCenter]
            )
        case .assign: Rule(from: [.signed], roles: [.departmentHead])
        case .assist: Rule(from: [.dispatched, .signed, .extensionRequested], roles: [.departmentHandler, .departmentHead])
        }
    }

    /// The permission of the access policy an action needs when a role takes it.
    public static func permission(_ action: CaseAction, by role: Role) -> Action {
        switch action {
        case .resolveOnSite: .reportCase
        case .escalate: role == .gridWorker ? .reportCase : .dispatchCase
        // A resident rates what they reported, as its owner.
        case .rate where role == .citizen: .reportCase
        case .sign, .returnToDispatcher, .requestExtension, .handle, .assign, .assist: .handleCase
        case .defer_: role == .commandCenter ? .dispatchCase : .handleCase
        case .verify, .rework: .verifyCase
        case .supervise: .superviseCase
        case .accept, .reject, .merge, .referElsewhere, .dispatch, .approveExtension, .denyExtension, .suspend, .resume, .close, .rate, .reopen:
            .dispatchCase
        }
    }

    /// What may be done now, in a fixed order: the answer of an illegal action lists these.
    public static func allowedActions(in state: CaseState) -> [CaseAction] { allowedByState[state]! }

    /// Which of a case's departments may take an action on it (the policy then asks whether the
    /// actor works for one of them): an assisting department only records its part; the lead signs,
    /// returns, assigns and asks for time; the section it was assigned to handles it too. Reading a
    /// case (`nil`) is open to all of them.
    public static func departments(for action: CaseAction?, on record: CaseRecord) -> [String] {
        let lead = record.leadDepartment.map { [$0] } ?? []
        switch action {
        case nil: return lead + [record.section].compactMap { $0 } + record.coDepartments
        case .assist?: return record.coDepartments
        case .handle?, .requestExtension?: return lead + [record.section].compactMap { $0 }
        default: return lead
        }
    }

    /// The roles that may ever take an action.
    public static func roles(for action: CaseAction) -> [Role] { rolesByAction[action]! }

    /// The state after the action, or why it is refused. `suspendedFrom` is the state a suspended
    /// case left, to which `resume` returns it.
    public static func apply(
        _ action: CaseAction,
        to state: CaseState,
        by role: Role,
        fields: CaseActionFields,
        suspendedFrom: CaseState? = nil
    ) -> Result<CaseState, CaseActionRefusal> {
        let rule = rule(action)
        guard rule.from.contains(state) else { return .failure(.notNow(state: state, allowed: allowedActions(in: state))) }
        guard rule.roles.contains(role) else { return .failure(.wrongRole(role, allowedRoles: roles(for: action))) }
        if let missing = missingField(action, fields) { return .failure(.missingField(missing)) }
        if let days = fields.extensionDays, action == .requestExtension || action == .approveExtension, !(1...30).contains(days) {
            return .failure(.invalidField("extension_days", "must be from 1 to 30 working days, not \(days)"))
        }
        if action == .resume, state == .suspended, let from = suspendedFrom, ![.dispatched, .signed].contains(from) {
            return .failure(.invalidField("suspended_from", "a case is suspended only from dispatched or signed, not \(from.rawValue)"))
        }
        if let lead = fields.leadDepartment, fields.coDepartments.contains(lead) {
            return .failure(.invalidField("co_departments", "the lead department \(lead) cannot also assist"))
        }
        return .success(target(action, from: state, fields: fields, suspendedFrom: suspendedFrom))
    }

    private static func missingField(_ action: CaseAction, _ fields: CaseActionFields) -> String? {
        func blank(_ text: String?) -> Bool { (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        switch action {
        case .reject, .returnToDispatcher, .requestExtension, .denyExtension, .defer_, .suspend, .rework, .escalate, .reopen, .supervise:
            if blank(fields.reason) { return "reason" }
            if action == .requestExtension, fields.extensionDays == nil { return "extension_days" }
        case .referElsewhere:
            if blank(fields.reason) { return "reason" }
            if blank(fields.referral) { return "referral" }
        case .merge:
            if fields.mergedInto == nil { return "merged_into" }
        case .resolveOnSite, .verify:
            if fields.evidence.isEmpty { return "evidence" }
        case .handle:
            if blank(fields.result) { return "result" }
            if fields.evidence.isEmpty { return "evidence" }
        case .dispatch:
            if blank(fields.leadDepartment) { return "lead_department" }
        case .assign:
            if blank(fields.section) { return "section" }
        case .assist:
            if blank(fields.result) { return "result" }
        case .rate:
            if fields.solved == nil { return "solved" }
            if fields.satisfied == nil { return "satisfied" }
        case .accept, .sign, .approveExtension, .resume, .close:
            return nil
        }
        return nil
    }

    private static func target(_ action: CaseAction, from state: CaseState, fields: CaseActionFields, suspendedFrom: CaseState?) -> CaseState {
        switch action {
        case .resolveOnSite: .resolvedOnSite
        case .accept: .accepted
        case .reject: .rejected
        case .merge: .merged
        case .referElsewhere: .notOurs
        case .dispatch: .dispatched
        case .sign: .signed
        case .returnToDispatcher: .returned
        case .requestExtension: .extensionRequested
        case .approveExtension, .denyExtension: .signed
        case .defer_: .deferred
        case .suspend: .suspended
        // A deferred case goes back to work; a suspended one to where it was (unknown: to be signed again).
        case .resume: state == .deferred ? .signed : (suspendedFrom ?? .dispatched)
        case .handle: .handled
        case .verify: .verified
        case .rework: .signed
        case .close: .closed
        // "Not solved" at the return call reopens the case for dispatch.
        case .rate: fields.solved == false ? .accepted : .rated
        // The next level's command center receives it as a new report.
        case .escalate: .reported
        case .reopen: .accepted
        case .supervise, .assign, .assist: state
        }
    }
}
