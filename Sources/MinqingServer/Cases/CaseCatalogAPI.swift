import Foundation
import MinqingCore
import MinqingStore

/// The case catalog through the API: classes with their limits per stage, and routes of classes to
/// departments by area (派遣规则). Anyone signed in reads them; system administrators change them,
/// each change audited, and the server's cache is read again at once.
extension APIHandler {
    func listCaseClasses(_ input: Operations.ListCaseClasses.Input) async throws -> Operations.ListCaseClasses.Output {
        let city = try catalogCity(for: .readAreas)
        return .ok(.init(body: .json(try await store.caseClasses(city: city).map(Self.body))))
    }

    func createCaseClass(_ input: Operations.CreateCaseClass.Input) async throws -> Operations.CreateCaseClass.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        let saved = try await save(body, replacing: false)
        return .created(.init(body: .json(Self.body(saved))))
    }

    func replaceCaseClass(_ input: Operations.ReplaceCaseClass.Input) async throws -> Operations.ReplaceCaseClass.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        guard body.code == input.path.code else { throw Problem.badRequest("code: the body names \(body.code), the path \(input.path.code)") }
        let saved = try await save(body, replacing: true)
        return .ok(.init(body: .json(Self.body(saved))))
    }

    func listDepartments(_ input: Operations.ListDepartments.Input) async throws -> Operations.ListDepartments.Output {
        let city = try catalogCity(for: .readAreas)
        return .ok(.init(body: .json(try await store.departments(city: city).map(Self.body))))
    }

    func createDepartment(_ input: Operations.CreateDepartment.Input) async throws -> Operations.CreateDepartment.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        return .created(.init(body: .json(Self.body(try await save(body, replacing: false)))))
    }

    func replaceDepartment(_ input: Operations.ReplaceDepartment.Input) async throws -> Operations.ReplaceDepartment.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        guard body.code == input.path.code else { throw Problem.badRequest("code: the body names \(body.code), the path \(input.path.code)") }
        return .ok(.init(body: .json(Self.body(try await save(body, replacing: true)))))
    }

    func listCaseRoutes(_ input: Operations.ListCaseRoutes.Input) async throws -> Operations.ListCaseRoutes.Output {
        let city = try catalogCity(for: .readAreas)
        let routes = try await store.caseRoutes(city: city).byClass.flatMap { classCode, byArea in
            byArea.map { Components.Schemas.CaseRoute(_class: classCode, area: $0.key, department: $0.value) }
        }
        return .ok(.init(body: .json(routes.sorted { ($0._class, $0.area) < ($1._class, $1.area) })))
    }

    func setCaseRoute(_ input: Operations.SetCaseRoute.Input) async throws -> Operations.SetCaseRoute.Output {
        guard case .json(let route) = input.body else { throw Problem.badRequest("send application/json") }
        let city = try catalogCity(for: .manageCaseCatalog)
        let catalog = try await cases.current(city: city) { $0.classes[route._class] != nil && $0.departments[route.department] != nil }
        guard let caseClass = catalog.classes[route._class] else { throw Problem.badRequest("class: no class has the code \(route._class)") }
        guard caseClass.parentCode != nil else { throw Problem.badRequest("class: \(route._class) is a major class; route its subclasses") }
        guard try currentTree().area(code: route.area) != nil else { throw Problem.badRequest("area: no area has the code \(route.area)") }
        guard let department = catalog.departments[route.department] else {
            throw Problem.badRequest("department: no department has the code \(route.department)")
        }
        if let owner = department.parentCode {
            throw Problem.badRequest("department: \(route.department) is a section of \(owner): a route goes to a department")
        }
        let caller = Caller.current
        try await store.setCaseRoute(
            city: city,
            classCode: route._class,
            areaCode: route.area,
            departmentCode: route.department,
            actor: try caller.actor().username,
            address: caller.address
        )
        try await cases.load(city: city)
        return .ok(.init(body: .json(route)))
    }

    func removeCaseRoute(_ input: Operations.RemoveCaseRoute.Input) async throws -> Operations.RemoveCaseRoute.Output {
        let city = try catalogCity(for: .manageCaseCatalog)
        let caller = Caller.current
        let removed = try await store.removeCaseRoute(
            city: city,
            classCode: input.query._class,
            areaCode: input.query.area,
            actor: try caller.actor().username,
            address: caller.address
        )
        guard removed else { throw Problem.notFound("no route of \(input.query._class) is set at \(input.query.area)") }
        try await cases.load(city: city)
        return .noContent(.init())
    }

    /// The city, once the caller may take `action` in it.
    private func catalogCity(for action: Action) throws -> String {
        let caller = Caller.current
        let city = try grids.city ?? caller.actor().cityCode
        try caller.authorize(action, Resource(city: city), areas: try currentTree())
        return city
    }

    private func save(_ body: Components.Schemas.CaseClass, replacing: Bool) async throws -> CaseClass {
        let city = try catalogCity(for: .manageCaseCatalog)
        var caseClass = CaseClass(
            code: body.code,
            name: Self.trimmed(body.name),
            category: CaseCategory(rawValue: body.category.rawValue)!,
            parentCode: body.parent,
            limit: body.limit.map(Self.limit),
            urgency: Urgency(rawValue: body.urgency.rawValue)!,
            departmentCode: body.department,
            openingCondition: body.openingCondition,
            closingCondition: body.closingCondition,
            signLimit: body.signLimit.map(Self.limit),
            verifyLimit: body.verifyLimit.map(Self.limit),
            followUpDays: body.followUpDays,
            attributes: (body.attributes ?? []).map { attribute in
                CaseClassAttribute(
                    code: attribute.code,
                    kind: CaseClassAttribute.Kind(rawValue: attribute.kind.rawValue)!,
                    required: attribute.required ?? false,
                    question: Self.trimmed(attribute.question),
                    choices: (attribute.choices ?? []).map {
                        CaseClassAttribute.Choice(
                            key: $0.key,
                            name: Self.trimmed($0.name),
                            nameEn: $0.nameEn.map(Self.trimmed)
                        )
                    },
                    questionEn: attribute.questionEn.map(Self.trimmed)
                )
            },
            nameEn: body.nameEn.map(Self.trimmed)
        )
        caseClass.retired = body.retired ?? false
        let catalog = try await cases.current(city: city) { _ in false }
        var others = catalog.classes
        others[caseClass.code] = nil
        if let problem = CaseClassRules.problem(caseClass, classes: others, departments: catalog.departments) {
            throw Problem.badRequest(problem.description)
        }
        let caller = Caller.current
        try await store.saveCaseClass(caseClass, city: city, replacing: replacing, actor: try caller.actor().username, address: caller.address)
        try await cases.load(city: city)
        return caseClass
    }

    private func save(_ body: Components.Schemas.Department, replacing: Bool) async throws -> Department {
        let city = try catalogCity(for: .manageCaseCatalog)
        let department = Department(code: body.code, name: Self.trimmed(body.name), parentCode: body.parent, nameEn: body.nameEn.map(Self.trimmed))
        let caller = Caller.current
        try await store.saveDepartment(department, city: city, replacing: replacing, actor: try caller.actor().username, address: caller.address)
        try await cases.load(city: city)
        return department
    }

    private static func body(_ department: Department) -> Components.Schemas.Department {
        .init(code: department.code, name: department.name, nameEn: department.nameEn, parent: department.parentCode)
    }

    private static func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    private static func limit(_ body: Components.Schemas.TimeLimit) -> TimeLimit {
        TimeLimit(body.value, TimeLimitUnit(rawValue: body.unit.rawValue)!)
    }

    private static func body(_ limit: TimeLimit) -> Components.Schemas.TimeLimit {
        .init(value: limit.value, unit: .init(rawValue: limit.unit.rawValue)!)
    }

    private static func body(_ caseClass: CaseClass) -> Components.Schemas.CaseClass {
        .init(
            code: caseClass.code,
            name: caseClass.name,
            nameEn: caseClass.nameEn,
            category: .init(rawValue: caseClass.category.rawValue)!,
            retired: caseClass.retired,
            parent: caseClass.parentCode,
            urgency: .init(rawValue: caseClass.urgency.rawValue)!,
            department: caseClass.departmentCode,
            openingCondition: caseClass.openingCondition,
            closingCondition: caseClass.closingCondition,
            limit: caseClass.limit.map(body),
            signLimit: caseClass.signLimit.map(body),
            verifyLimit: caseClass.verifyLimit.map(body),
            followUpDays: caseClass.followUpDays,
            attributes: caseClass.attributes.isEmpty
                ? nil
                : caseClass.attributes.map { attribute in
                    .init(
                        code: attribute.code,
                        kind: .init(rawValue: attribute.kind.rawValue)!,
                        required: attribute.required,
                        question: attribute.question,
                        questionEn: attribute.questionEn,
                        choices: attribute.choices.isEmpty ? nil : attribute.choices.map { .init(key: $0.key, name: $0.name, nameEn: $0.nameEn) }
                    )
                }
        )
    }
}
