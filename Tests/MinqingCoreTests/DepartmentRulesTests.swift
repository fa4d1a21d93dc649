import MinqingCore
import Testing

/// 责任单位 and their sections (科室): what the catalog takes, each refusal naming its field.
struct DepartmentRulesTests {
    static let departments = Dictionary(uniqueKeysWithValues: StandardCatalog.departments.map { ($0.code, $0) })

    @Test func theStandardDepartmentsPassTheirOwnRules() {
        for department in StandardCatalog.departments {
            var others = Self.departments
            others[department.code] = nil
            #expect(DepartmentRules.problem(department, departments: others) == nil, "\(department.code)")
        }
    }

    @Test(arguments: [
        (Department(code: "Cgj2", name: "城管二局"), "code", "1–32 lowercase letters, digits or '-', starting with a letter (cgj, cgj-srhj), not Cgj2"),
        (Department(code: "-x", name: "无名"), "code", "1–32 lowercase letters, digits or '-', starting with a letter (cgj, cgj-srhj), not -x"),
        (Department(code: "", name: "无名"), "code", "1–32 lowercase letters, digits or '-', starting with a letter (cgj, cgj-srhj), not "),
        (
            Department(code: String(repeating: "a", count: 33), name: "长"), "code",
            "1–32 lowercase letters, digits or '-', starting with a letter (cgj, cgj-srhj), not \(String(repeating: "a", count: 33))"
        ),
        (Department(code: "wjw", name: "  "), "name", "1–40 characters without control characters"),
        (Department(code: "wjw", name: "卫健\n委"), "name", "1–40 characters without control characters"),
        (Department(code: "wjw", name: "卫健委", nameEn: "\t"), "name_en", "1–80 characters on one line, or absent for none"),
        (Department(code: "wjw-a", name: "科", parentCode: "nope"), "parent", "no department has the code nope"),
        (Department(code: "wjw-a", name: "科", parentCode: "cgj-srhj"), "parent", "cgj-srhj is itself a section: sections have one level"),
        (
            Department(code: "cgj", name: "城管局", parentCode: "zjj"), "parent",
            "cgj has sections (cgj-srhj): a department with sections cannot become one"
        ),
        (Department(code: "wjw", name: "卫健委", parentCode: "wjw"), "parent", "a department is not its own section"),
    ])
    func aBadDepartmentIsRefusedByItsField(_ department: Department, _ field: String, _ message: String) {
        var others = Self.departments
        others[department.code] = nil
        #expect(DepartmentRules.problem(department, departments: others) == FieldProblem(field, message))
    }

    /// A class's default department is a department: its sections are assigned by it, never dispatched to.
    @Test func aClassNamesADepartmentNeverASection() {
        var item = StandardCatalog.caseClasses.first { $0.code == "E0101" }!
        let classes = Dictionary(uniqueKeysWithValues: StandardCatalog.caseClasses.filter { $0.code != "E0101" }.map { ($0.code, $0) })
        #expect(CaseClassRules.problem(item, classes: classes, departments: Self.departments) == nil)
        item.departmentCode = "cgj-srhj"
        #expect(
            CaseClassRules.problem(item, classes: classes, departments: Self.departments)
                == FieldProblem("department", "cgj-srhj is a section of cgj: a class names a department")
        )
    }

    @Test func aNewSectionOfADepartmentIsTaken() {
        let section = Department(code: "wjj-ggws", name: "公共卫生科", parentCode: "wjj", nameEn: "Public Health Section")
        #expect(DepartmentRules.problem(section, departments: Self.departments) == nil)
        // A section may move to another department, and a department without sections may become one.
        #expect(DepartmentRules.problem(Department(code: "cgj-srhj", name: "市容科", parentCode: "zjj"), departments: Self.departments) == nil)
        #expect(DepartmentRules.problem(Department(code: "wjj", name: "卫生健康局", parentCode: "mzj"), departments: Self.departments) == nil)
    }
}
