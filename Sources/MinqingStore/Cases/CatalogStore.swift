import MinqingCore
import SQLKit

extension Store {
    /// Writes departments and case classes for a city; existing codes are left as they are, so a
    /// city's own edits survive a second run.
    public func addCatalog(city: String, departments: [Department], classes: [CaseClass]) async throws {
        try await backend.transaction { db in
            let knownDepartments = Set(
                try await db.raw("SELECT code FROM departments WHERE city_code = \(bind: city)").all().map {
                    try $0.decode(column: "code", as: String.self)
                }
            )
            for department in departments where !knownDepartments.contains(department.code) {
                try await db.insert(into: "departments").columns("city_code", "code", "name")
                    .values(SQLBind(city), SQLBind(department.code), SQLBind(department.name)).run()
            }
            let knownClasses = Set(
                try await db.raw("SELECT code FROM case_classes WHERE city_code = \(bind: city)").all().map {
                    try $0.decode(column: "code", as: String.self)
                }
            )
            for item in classes where !knownClasses.contains(item.code) {
                try await db.insert(into: "case_classes")
                    .columns(
                        "city_code",
                        "code",
                        "name",
                        "category",
                        "parent_code",
                        "time_limit",
                        "time_unit",
                        "urgency",
                        "department_code",
                        "opening_condition",
                        "closing_condition"
                    )
                    .values(
                        SQLBind(city),
                        SQLBind(item.code),
                        SQLBind(item.name),
                        SQLBind(item.category.rawValue),
                        SQLBind(item.parentCode),
                        SQLBind(item.limit.map { Int64($0.value) }),
                        SQLBind(item.limit?.unit.rawValue),
                        SQLBind(item.urgency.rawValue),
                        SQLBind(item.departmentCode),
                        SQLBind(item.openingCondition),
                        SQLBind(item.closingCondition)
                    )
                    .run()
            }
        }
    }

    public func departments(city: String) async throws -> [Department] {
        try await backend.read { db in
            try await db.raw("SELECT code, name FROM departments WHERE city_code = \(bind: city) ORDER BY code").all().map {
                Department(code: try $0.decode(column: "code", as: String.self), name: try $0.decode(column: "name", as: String.self))
            }
        }
    }

    public func caseClasses(city: String) async throws -> [CaseClass] {
        try await backend.read { db in
            try await db.raw(
                """
                SELECT code, name, category, parent_code, time_limit, time_unit, urgency, department_code, opening_condition, closing_condition
                FROM case_classes WHERE city_code = \(bind: city) ORDER BY code
                """
            ).all().map { row in
                let value = try row.decode(column: "time_limit", as: Int64?.self)
                let unit = try row.decode(column: "time_unit", as: String?.self).flatMap(TimeLimitUnit.init(rawValue:))
                return CaseClass(
                    code: try row.decode(column: "code", as: String.self),
                    name: try row.decode(column: "name", as: String.self),
                    category: CaseCategory(rawValue: try row.decode(column: "category", as: String.self)) ?? .event,
                    parentCode: try row.decode(column: "parent_code", as: String?.self),
                    limit: value.flatMap { value in unit.map { TimeLimit(Int(value), $0) } },
                    urgency: Urgency(rawValue: try row.decode(column: "urgency", as: String.self)) ?? .routine,
                    departmentCode: try row.decode(column: "department_code", as: String?.self),
                    openingCondition: try row.decode(column: "opening_condition", as: String?.self),
                    closingCondition: try row.decode(column: "closing_condition", as: String?.self)
                )
            }
        }
    }
}

extension Store {
    /// A city's routes of classes to departments by area.
    public func caseRoutes(city: String) async throws -> CaseRoutes {
        try await backend.read { db in
            CaseRoutes(
                try await db.raw("SELECT class_code, area_code, department_code FROM case_routes WHERE city_code = \(bind: city)").all().map {
                    (
                        try $0.decode(column: "class_code", as: String.self), try $0.decode(column: "area_code", as: String.self),
                        try $0.decode(column: "department_code", as: String.self)
                    )
                }
            )
        }
    }

    /// Routes a class to a department within an area's subtree, replacing any route there before; audited.
    public func setCaseRoute(city: String, classCode: String, areaCode: String, departmentCode: String, actor: String) async throws {
        try await backend.transaction { db in
            try await appendAudit(
                AuditRecord(
                    at: nowMilliseconds,
                    cityCode: city,
                    actor: actor,
                    action: "case_routes.set",
                    target: "case_routes/\(classCode)/\(areaCode)",
                    areaCode: areaCode,
                    detail: departmentCode
                ),
                db: db
            )
            try await db.raw(
                "DELETE FROM case_routes WHERE city_code = \(bind: city) AND class_code = \(bind: classCode) AND area_code = \(bind: areaCode)"
            ).run()
            try await db.insert(into: "case_routes").columns("city_code", "class_code", "area_code", "department_code")
                .values(SQLBind(city), SQLBind(classCode), SQLBind(areaCode), SQLBind(departmentCode)).run()
        }
    }
}
