import Foundation

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
    /// The name in English, for residents and Open311 clients reading English; `nil` until written.
    public var nameEn: String?
    /// 停用: no longer offered for new reports (intake, Open311, the citizens' page), while the
    /// cases already reported in it run their loop and count in the measures. Classes are retired,
    /// never deleted: cases and their history name them.
    public var retired: Bool = false
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
    /// 附加信息: what a report of this class is asked beyond the standard fields.
    public var attributes: [CaseClassAttribute]

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
        followUpDays: [Int]? = nil,
        attributes: [CaseClassAttribute] = [],
        nameEn: String? = nil
    ) {
        self.attributes = attributes
        self.nameEn = nameEn
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

    public func name(in language: Language) -> String { language.pick(name, nameEn) }

    /// Whether a new case may be reported in it: a subclass (it has a handling limit) not retired.
    public var isReportable: Bool { limit != nil && !retired }

    /// The limit of the stage a case in `state` is in: verification once handled, else handling.
    public func stageLimit(in state: CaseState) -> TimeLimit? {
        state == .handled ? verifyLimit ?? CaseLifecycle.verifyLimit : limit
    }
}

/// A government department that handles cases.
public struct Department: Sendable, Hashable {
    public var code: String
    public var name: String
    /// For a section (科室, 中队): the department it belongs to, which may assign it cases.
    public var parentCode: String?
    public var nameEn: String?

    public init(code: String, name: String, parentCode: String? = nil, nameEn: String? = nil) {
        self.code = code
        self.name = name
        self.parentCode = parentCode
        self.nameEn = nameEn
    }

    public func name(in language: Language) -> String { language.pick(name, nameEn) }
}

/// The checks a department or section must pass before the catalog takes it (the administrators'
/// API); each problem names its field. Sections are one level below a department (多级派遣: town
/// center → department → section), never below another section.
public enum DepartmentRules {
    public static func problem(_ department: Department, departments: [String: Department]) -> FieldProblem? {
        let code = department.code
        let allowed = code.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        guard (1...32).contains(code.count), allowed, let first = code.unicodeScalars.first, ("a"..."z").contains(first) else {
            return FieldProblem("code", "1–32 lowercase letters, digits or '-', starting with a letter (cgj, cgj-srhj), not \(code)")
        }
        let name = department.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 40 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return FieldProblem("name", "1–40 characters without control characters")
        }
        if let problem = CaseClassRules.englishProblem(department.nameEn, field: "name_en", longest: 80) { return problem }
        if let parentCode = department.parentCode {
            guard parentCode != code else { return FieldProblem("parent", "a department is not its own section") }
            guard let parent = departments[parentCode] else { return FieldProblem("parent", "no department has the code \(parentCode)") }
            if parent.parentCode != nil { return FieldProblem("parent", "\(parentCode) is itself a section: sections have one level") }
            if let section = departments.values.filter({ $0.parentCode == code }).map(\.code).min() {
                return FieldProblem("parent", "\(code) has sections (\(section)): a department with sections cannot become one")
            }
        }
        return nil
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

/// The checks a class must pass before the catalog takes it (the administrators' API); each problem
/// names its field.
public enum CaseClassRules {
    /// The largest limit a class may set, in its unit: a year of working days, or 1,000 hours.
    public static func maximum(_ unit: TimeLimitUnit) -> Int { unit == .workingDays ? 250 : 1000 }

    public static func problem(_ caseClass: CaseClass, classes: [String: CaseClass], departments: [String: Department]) -> FieldProblem? {
        let code = caseClass.code
        if code.isEmpty || code.count > 16 || !code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) })
            || !("A"..."Z").contains(code.unicodeScalars.first!)
        {
            return FieldProblem("code", "1–16 capital letters and digits, starting with a letter (C0101), not \(code)")
        }
        let name = caseClass.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 40 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return FieldProblem("name", "1–40 characters without control characters")
        }
        if let problem = englishProblem(caseClass.nameEn, field: "name_en", longest: 80) { return problem }
        for (field, text) in [("opening_condition", caseClass.openingCondition), ("closing_condition", caseClass.closingCondition)] {
            if let text, text.count > 500 { return FieldProblem(field, "at most 500 characters, not \(text.count)") }
        }
        if let parentCode = caseClass.parentCode {
            if let child = classes.values.filter({ $0.parentCode == code }).map(\.code).min() {
                return FieldProblem("parent", "\(code) has subclasses (\(child)): a major class cannot become a subclass")
            }
            guard let parent = classes[parentCode] else { return FieldProblem("parent", "no class has the code \(parentCode)") }
            if parent.parentCode != nil { return FieldProblem("parent", "\(parentCode) is itself a subclass: classes have two levels") }
            if parent.category != caseClass.category {
                return FieldProblem("category", "a subclass is of its major class's category, \(parent.category.rawValue)")
            }
            if caseClass.limit == nil { return FieldProblem("limit", "a subclass needs its handling limit") }
        } else {
            if caseClass.limit != nil || caseClass.signLimit != nil || caseClass.verifyLimit != nil {
                return FieldProblem("limit", "a major class carries no limits: its subclasses do")
            }
            if let child = classes.values.first(where: { $0.parentCode == code && $0.category != caseClass.category }) {
                return FieldProblem("category", "its subclass \(child.code) is of the category \(child.category.rawValue)")
            }
        }
        for (field, limit) in [("limit", caseClass.limit), ("sign_limit", caseClass.signLimit), ("verify_limit", caseClass.verifyLimit)] {
            if let limit, !(1...maximum(limit.unit)).contains(limit.value) {
                return FieldProblem(field, "from 1 to \(maximum(limit.unit)) \(limit.unit.rawValue), not \(limit.value)")
            }
        }
        if let code = caseClass.departmentCode {
            guard let department = departments[code] else { return FieldProblem("department", "no department has the code \(code)") }
            if let owner = department.parentCode {
                return FieldProblem("department", "\(code) is a section of \(owner): a class names a department")
            }
        }
        if let days = caseClass.followUpDays {
            if days.count > 5 { return FieldProblem("follow_up_days", "at most 5 checks, not \(days.count)") }
            if days.contains(where: { !(1...365).contains($0) }) { return FieldProblem("follow_up_days", "each from 1 to 365 days after closure") }
            if days != Array(Set(days)).sorted() { return FieldProblem("follow_up_days", "in increasing order, each once") }
        }
        if caseClass.retired, caseClass.parentCode == nil {
            return FieldProblem("retired", "a major class is never reported: retire its subclasses")
        }
        if !caseClass.attributes.isEmpty, caseClass.parentCode == nil {
            return FieldProblem("attributes", "a major class is never reported: its subclasses ask the questions")
        }
        return CaseClassAttribute.definitionProblem(caseClass.attributes)
    }

    /// The problem of an English form of a name or question, or `nil`: absent, or 1 to `longest`
    /// characters on one line, not only spaces (the caller trims it).
    static func englishProblem(_ text: String?, field: String, longest: Int) -> FieldProblem? {
        guard let text else { return nil }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || text.count > longest
            || text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        {
            return FieldProblem(field, "1–\(longest) characters on one line, or absent for none")
        }
        return nil
    }
}
