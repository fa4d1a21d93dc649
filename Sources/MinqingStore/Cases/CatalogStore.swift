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
                try await insertDepartment(department, city: city, db: db)
            }
            let knownClasses = Set(
                try await db.raw("SELECT code FROM case_classes WHERE city_code = \(bind: city)").all().map {
                    try $0.decode(column: "code", as: String.self)
                }
            )
            for item in classes where !knownClasses.contains(item.code) {
                try await insertClass(item, city: city, db: db)
            }
        }
    }

    /// Gives a city that holds no department and no class the standard catalog (``StandardCatalog``),
    /// audited as the system's: what a new city starts from, edited afterwards through the API.
    /// `false` when the city already had a catalog (nothing changes), so that what a city renamed or
    /// changed is never given again. Processes that start together take turns (PostgreSQL: an
    /// advisory lock).
    @discardableResult
    public func seedStandardCatalog(city: String) async throws -> Bool {
        try await backend.transaction { db in
            try await serialize(db, on: "catalog-seed-\(city)")
            let held = try await db.raw(
                """
                SELECT (SELECT COUNT(*) FROM departments WHERE city_code = \(bind: city))
                     + (SELECT COUNT(*) FROM case_classes WHERE city_code = \(bind: city)) AS n
                """
            ).first()!.decode(column: "n", as: Int64.self)
            guard held == 0 else { return false }
            for department in StandardCatalog.departments { try await insertDepartment(department, city: city, db: db) }
            for item in StandardCatalog.caseClasses { try await insertClass(item, city: city, db: db) }
            try await appendAudit(
                AuditRecord(
                    at: nowMilliseconds,
                    cityCode: city,
                    actor: "system:catalog",
                    action: "case_catalog.seed",
                    target: "case_classes",
                    detail:
                        "the standard catalog: \(StandardCatalog.departments.count) departments and sections, \(StandardCatalog.caseClasses.count) classes"
                ),
                db: db
            )
            return true
        }
    }

    private func insertDepartment(_ department: Department, city: String, db: any SQLDatabase) async throws {
        try await db.insert(into: "departments").columns("city_code", "code", "name", "parent_code", "name_en")
            .values(
                SQLBind(city),
                SQLBind(department.code),
                SQLBind(department.name),
                SQLBind(department.parentCode),
                SQLBind(department.nameEn)
            ).run()
    }

    /// Adds a department or section (`replacing: false`) or replaces one (`true`, the whole record),
    /// audited. Checked inside the transaction, changes to the catalog taking turns: a new code that
    /// exists, or a replaced one that does not, is a conflict or not found; ``DepartmentRules``
    /// against the departments as they are; and a change of `parent` that would strand what names
    /// the code (``parentChangeProblem``). Nothing changes when it is refused.
    public func saveDepartment(_ department: Department, city: String, replacing: Bool, actor: String, address: String?) async throws {
        try await backend.transaction { db in
            try await serialize(db, on: "catalog-\(city)")
            var others = Dictionary(uniqueKeysWithValues: try await departments(city: city, db: db).map { ($0.code, $0) })
            let existing = others.removeValue(forKey: department.code)
            if replacing, existing == nil { throw StoreError.notFound("no department has the code \(department.code)") }
            if !replacing, existing != nil { throw StoreError.conflict("a department with the code \(department.code) exists") }
            if let problem = DepartmentRules.problem(department, departments: others) { throw StoreError.invalid(problem) }
            if let existing, existing.parentCode != department.parentCode,
                let problem = try await parentChangeProblem(existing, city: city, db: db)
            {
                throw StoreError.invalid(problem)
            }
            if replacing {
                try await db.update("departments").set("name", to: department.name).set("name_en", to: department.nameEn)
                    .set("parent_code", to: department.parentCode).where("city_code", .equal, city).where("code", .equal, department.code).run()
            } else {
                try await insertDepartment(department, city: city, db: db)
            }
            try await appendAudit(
                AuditRecord(
                    at: nowMilliseconds,
                    cityCode: city,
                    actor: actor,
                    action: replacing ? "departments.replace" : "departments.add",
                    target: "departments/\(department.code)",
                    address: address,
                    detail: department.name
                ),
                db: db
            )
        }
    }

    /// The columns of a class, after `city_code`.
    static let classColumns = [
        "code", "name", "category", "parent_code", "time_limit", "time_unit", "urgency", "department_code", "opening_condition",
        "closing_condition", "sign_limit", "sign_unit", "verify_limit", "verify_unit", "follow_up_days", "attributes", "name_en", "retired",
    ]

    /// A class's questions as their column holds them: JSON, or `nil` for none.
    static func attributesColumn(_ attributes: [CaseClassAttribute]) -> String? {
        attributes.isEmpty ? nil : JSONValue.array(attributes.map(\.json)).serialized
    }

    private static func classValues(_ item: CaseClass) -> [any SQLExpression] {
        [
            SQLBind(item.code), SQLBind(item.name), SQLBind(item.category.rawValue), SQLBind(item.parentCode),
            SQLBind(item.limit.map { Int64($0.value) }), SQLBind(item.limit?.unit.rawValue), SQLBind(item.urgency.rawValue),
            SQLBind(item.departmentCode), SQLBind(item.openingCondition), SQLBind(item.closingCondition),
            SQLBind(item.signLimit.map { Int64($0.value) }), SQLBind(item.signLimit?.unit.rawValue),
            SQLBind(item.verifyLimit.map { Int64($0.value) }), SQLBind(item.verifyLimit?.unit.rawValue),
            SQLBind(item.followUpDays.map { JSONValue.array($0.map { .number(Double($0)) }).serialized }),
            SQLBind(Self.attributesColumn(item.attributes)), SQLBind(item.nameEn), SQLBind(item.retired),
        ]
    }

    private func insertClass(_ item: CaseClass, city: String, db: any SQLDatabase) async throws {
        try await db.raw(
            "INSERT INTO case_classes (city_code, \(unsafeRaw: Self.classColumns.joined(separator: ", "))) VALUES \(SQLGroupExpression([SQLBind(city)] + Self.classValues(item)))"
        ).run()
    }

    /// Adds a class (`replacing: false`) or replaces one (`true`), audited; the caller checked it
    /// (``CaseClassRules``). A new code that exists, or a replaced one that does not, is a conflict or
    /// not found, and nothing changes.
    public func saveCaseClass(_ item: CaseClass, city: String, replacing: Bool, actor: String, address: String?) async throws {
        try await backend.transaction { db in
            let exists =
                try await db.raw("SELECT 1 AS x FROM case_classes WHERE city_code = \(bind: city) AND code = \(bind: item.code)").first() != nil
            if replacing {
                guard exists else { throw StoreError.notFound("no class has the code \(item.code)") }
                var update = db.update("case_classes")
                for (column, value) in zip(Self.classColumns, Self.classValues(item)) where column != "code" {
                    update = update.set(SQLIdentifier(column), to: value)
                }
                try await update.where("city_code", .equal, city).where("code", .equal, item.code).run()
            } else {
                guard !exists else { throw StoreError.conflict("a class with the code \(item.code) exists") }
                try await insertClass(item, city: city, db: db)
            }
            try await appendAudit(
                AuditRecord(
                    at: nowMilliseconds,
                    cityCode: city,
                    actor: actor,
                    action: replacing ? "case_classes.replace" : "case_classes.add",
                    target: "case_classes/\(item.code)",
                    address: address,
                    detail: item.retired ? "\(item.name) (停用, retired)" : item.name
                ),
                db: db
            )
        }
    }

    /// Why a department cannot move under another or out from under one, or `nil`. Classes, routes
    /// and cases name a department by its code: one that any names as a lead cannot become a
    /// section, and a section that open cases are assigned to stays where its cases were assigned.
    private func parentChangeProblem(_ existing: Department, city: String, db: any SQLDatabase) async throws -> FieldProblem? {
        let open = CaseState.allCases.filter { !$0.isFinished }.map(\.rawValue)
        let code = existing.code
        if existing.parentCode == nil {
            if let row = try await db.raw(
                "SELECT code FROM case_classes WHERE city_code = \(bind: city) AND department_code = \(bind: code) ORDER BY code LIMIT 1"
            ).first() {
                return FieldProblem(
                    "parent",
                    "class \(try row.decode(column: "code", as: String.self)) names \(code) as its department: a section cannot be"
                )
            }
            if let row = try await db.raw(
                "SELECT class_code, area_code FROM case_routes WHERE city_code = \(bind: city) AND department_code = \(bind: code) ORDER BY class_code, area_code LIMIT 1"
            ).first() {
                let route = "\(try row.decode(column: "class_code", as: String.self)) in \(try row.decode(column: "area_code", as: String.self))"
                return FieldProblem("parent", "the route of \(route) goes to \(code): a section cannot take routes")
            }
            if let row = try await db.raw(
                "SELECT id FROM cases WHERE city_code = \(bind: city) AND lead_department = \(bind: code) AND state IN (\(binds: open)) ORDER BY id LIMIT 1"
            ).first() {
                return FieldProblem("parent", "open case \(try row.decode(column: "id", as: Int64.self)) is led by \(code): a section cannot lead")
            }
        } else if let row = try await db.raw(
            "SELECT id FROM cases WHERE city_code = \(bind: city) AND section = \(bind: code) AND state IN (\(binds: open)) ORDER BY id LIMIT 1"
        ).first() {
            return FieldProblem(
                "parent",
                "open case \(try row.decode(column: "id", as: Int64.self)) is assigned to \(code): it stays a section of \(existing.parentCode!)"
            )
        }
        return nil
    }

    public func departments(city: String) async throws -> [Department] {
        try await backend.read { db in try await departments(city: city, db: db) }
    }

    private func departments(city: String, db: any SQLDatabase) async throws -> [Department] {
        try await db.raw("SELECT code, name, parent_code, name_en FROM departments WHERE city_code = \(bind: city) ORDER BY code").all().map {
            Department(
                code: try $0.decode(column: "code", as: String.self),
                name: try $0.decode(column: "name", as: String.self),
                parentCode: try $0.decode(column: "parent_code", as: String?.self),
                nameEn: try $0.decode(column: "name_en", as: String?.self)
            )
        }
    }

    public func caseClasses(city: String) async throws -> [CaseClass] {
        try await backend.read { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.classColumns.joined(separator: ", ")) FROM case_classes WHERE city_code = \(bind: city) ORDER BY code"
            ).all().map { row in
                func limit(_ value: String, _ unit: String) throws -> TimeLimit? {
                    let amount = try row.decode(column: value, as: Int64?.self)
                    let unit = try row.decode(column: unit, as: String?.self).flatMap(TimeLimitUnit.init(rawValue:))
                    return amount.flatMap { amount in unit.map { TimeLimit(Int(amount), $0) } }
                }
                let days = try row.decode(column: "follow_up_days", as: String?.self).map { text in
                    try JSONValue(parsing: Array(text.utf8)).array?.compactMap { $0.number.map { Int($0) } } ?? []
                }
                var item = CaseClass(
                    code: try row.decode(column: "code", as: String.self),
                    name: try row.decode(column: "name", as: String.self),
                    category: CaseCategory(rawValue: try row.decode(column: "category", as: String.self)) ?? .event,
                    parentCode: try row.decode(column: "parent_code", as: String?.self),
                    limit: try limit("time_limit", "time_unit"),
                    urgency: Urgency(rawValue: try row.decode(column: "urgency", as: String.self)) ?? .routine,
                    departmentCode: try row.decode(column: "department_code", as: String?.self),
                    openingCondition: try row.decode(column: "opening_condition", as: String?.self),
                    closingCondition: try row.decode(column: "closing_condition", as: String?.self),
                    signLimit: try limit("sign_limit", "sign_unit"),
                    verifyLimit: try limit("verify_limit", "verify_unit"),
                    followUpDays: days,
                    attributes: try row.decode(column: "attributes", as: String?.self).map { text in
                        try JSONValue(parsing: Array(text.utf8)).array?.compactMap(CaseClassAttribute.init(json:)) ?? []
                    } ?? [],
                    nameEn: try row.decode(column: "name_en", as: String?.self)
                )
                item.retired = try row.decode(column: "retired", as: Bool.self)
                return item
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
    public func setCaseRoute(
        city: String,
        classCode: String,
        areaCode: String,
        departmentCode: String,
        actor: String,
        address: String? = nil
    ) async throws {
        try await backend.transaction { db in
            try await appendAudit(
                AuditRecord(
                    at: nowMilliseconds,
                    cityCode: city,
                    actor: actor,
                    action: "case_routes.set",
                    target: "case_routes/\(classCode)/\(areaCode)",
                    areaCode: areaCode,
                    address: address,
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

    /// Removes the route of a class within an area's subtree, audited; `false` when there was none
    /// (and nothing changes).
    public func removeCaseRoute(city: String, classCode: String, areaCode: String, actor: String, address: String?) async throws -> Bool {
        try await backend.transaction { db in
            let found = try await db.raw(
                "SELECT 1 AS x FROM case_routes WHERE city_code = \(bind: city) AND class_code = \(bind: classCode) AND area_code = \(bind: areaCode)"
            ).first()
            guard found != nil else { return false }
            try await db.raw(
                "DELETE FROM case_routes WHERE city_code = \(bind: city) AND class_code = \(bind: classCode) AND area_code = \(bind: areaCode)"
            ).run()
            try await appendAudit(
                AuditRecord(
                    at: nowMilliseconds,
                    cityCode: city,
                    actor: actor,
                    action: "case_routes.remove",
                    target: "case_routes/\(classCode)/\(areaCode)",
                    areaCode: areaCode,
                    address: address
                ),
                db: db
            )
            return true
        }
    }
}
