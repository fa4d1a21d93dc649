/// The four families of case classes (GB/T 30428.2 and the social-governance taxonomy).
public enum CaseCategory: String, Sendable, Codable, CaseIterable {
    /// 部件: a physical asset is damaged or missing; the owning department answers first (先属主).
    case component
    /// 事件: something happened in public space; the locality answers first (先属地).
    case event
    /// 矛盾纠纷: a dispute between people or with an authority.
    case dispute
    /// 问题隐患: a hazard or a problem waiting to happen.
    case hazard
}

/// How a time limit is counted.
public enum TimeLimitUnit: String, Sendable, Codable, CaseIterable {
    /// 工作时: hours on the working-time calendar.
    case workingHours = "working_hours"
    /// 工作日: days on the working-time calendar.
    case workingDays = "working_days"
    /// 自然时: clock hours, for urgent classes (life and property).
    case clockHours = "clock_hours"
}

public struct TimeLimit: Sendable, Hashable, Codable {
    public var value: Int
    public var unit: TimeLimitUnit

    public init(_ value: Int, _ unit: TimeLimitUnit) {
        self.value = value
        self.unit = unit
    }
}

public enum Urgency: String, Sendable, Codable, CaseIterable {
    case routine
    case urgent
    /// 紧急: life or property at stake.
    case critical
}

/// A kind of case, with its conditions and its limits per stage: sign, handle, verify.
public struct CaseClass: Sendable, Hashable {
    public var code: String
    public var name: String
    public var category: CaseCategory
    /// The major class it belongs to; `nil` for a major class.
    public var parentCode: String?
    /// 处置时限: the handling limit, from dispatch; major classes carry none.
    public var limit: TimeLimit?
    /// 签收时限: the time a department has to sign for a dispatched case; `nil` sets no sign clock.
    public var signLimit: TimeLimit?
    /// 核查时限: the time to verify a handled case on site; `nil` for ``CaseLifecycle/verifyLimit``.
    public var verifyLimit: TimeLimit?
    /// 持续跟踪: days after closure at which the case is checked again; `nil` for the category's
    /// default (``CaseTimers/followUpDays(for:)``).
    public var followUpDays: [Int]?
    public var urgency: Urgency
    /// The department that answers by default, where an area sets no other.
    public var departmentCode: String?
    /// 立案条件
    public var openingCondition: String?
    /// 结案条件
    public var closingCondition: String?

    public init(
        code: String,
        name: String,
        category: CaseCategory,
        parentCode: String? = nil,
        limit: TimeLimit? = nil,
        urgency: Urgency = .routine,
        departmentCode: String? = nil,
        openingCondition: String? = nil,
        closingCondition: String? = nil,
        signLimit: TimeLimit? = nil,
        verifyLimit: TimeLimit? = nil,
        followUpDays: [Int]? = nil
    ) {
        self.signLimit = signLimit
        self.verifyLimit = verifyLimit
        self.followUpDays = followUpDays
        self.code = code
        self.name = name
        self.category = category
        self.parentCode = parentCode
        self.limit = limit
        self.urgency = urgency
        self.departmentCode = departmentCode
        self.openingCondition = openingCondition
        self.closingCondition = closingCondition
    }

    /// The limit of the stage a case in `state` is in: verification once handled, else handling.
    public func stageLimit(in state: CaseState) -> TimeLimit? {
        state == .handled ? verifyLimit ?? CaseLifecycle.verifyLimit : limit
    }
}

/// A government department that handles cases.
public struct Department: Sendable, Hashable {
    public var code: String
    public var name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}

/// 派遣规则: the same class goes to different departments in different parts of the city. A route
/// names the department for a class within an area's subtree; the nearest route up the tree wins,
/// else the class's default department.
public struct CaseRoutes: Sendable, Hashable {
    /// Class code → area code → department code.
    public var byClass: [String: [String: String]]

    public init(_ routes: [(classCode: String, areaCode: String, departmentCode: String)] = []) {
        var byClass: [String: [String: String]] = [:]
        for route in routes { byClass[route.classCode, default: [:]][route.areaCode] = route.departmentCode }
        self.byClass = byClass
    }

    /// The lead department for a case of `caseClass` at `area`; `nil` when nothing names one, and
    /// the town then decides (属地兜底).
    public func department(for caseClass: CaseClass, at area: String, in tree: AreaTree) -> String? {
        if let routes = byClass[caseClass.code] {
            for ancestor in tree.path(code: area) {
                if let department = routes[ancestor.code] { return department }
            }
        }
        return caseClass.departmentCode
    }
}
