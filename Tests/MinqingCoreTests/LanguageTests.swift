import MinqingCore
import Testing

/// Chinese by default, English where it is asked for: the header Open311 clients send, and the
/// catalog's English where someone wrote it.
struct LanguageTests {
    @Test(arguments: [
        (String?.none, Language.zh),
        ("", .zh),
        ("en", .en),
        ("en-GB,en;q=0.9", .en),
        ("EN-us", .en),
        ("zh-CN,zh;q=0.9,en;q=0.8", .zh),
        ("en;q=0.8, zh-Hans;q=0.9", .zh),
        ("zh;q=0.5, en;q=0.7", .en),
        // A tie, or neither named: Chinese.
        ("en, zh", .zh),
        ("fr", .zh),
        ("*", .zh),
        // Another language first, English after it: English is the nearer of the two.
        ("fr-FR, en;q=0.5", .en),
        // `*` stands for what is not named; q=0 refuses.
        ("zh;q=0, *", .en),
        ("en;q=0, *", .zh),
        ("en;q=0", .zh),
        // Chinese refused, English not refused: English.
        ("zh;q=0", .en),
        ("zh-CN;q=0, en;q=0", .zh),
        ("zh;q=0, *;q=0", .zh),
        // A weight that is not one counts for nothing.
        ("en;q=abc", .zh),
        ("en;q=2", .zh),
        (" en ; q = 0.4 , zh ; q = 0.3 ", .en),
    ])
    func acceptLanguagePicksTheHigherWeight(_ header: String?, _ expected: Language) {
        #expect(Language(acceptLanguage: header) == expected)
    }

    @Test func englishStandsInOnlyWhereWritten() {
        let named = CaseClass(code: "E0101", name: "暴露垃圾", category: .event, nameEn: "Exposed garbage")
        let unnamed = CaseClass(code: "E0102", name: "道路不洁", category: .event)
        #expect(named.name(in: .en) == "Exposed garbage")
        #expect(named.name(in: .zh) == "暴露垃圾")
        #expect(unnamed.name(in: .en) == "道路不洁")
        #expect(GeoReport.statusNote(of: .closed, in: .en) == "Closed")
        #expect(GeoReport.statusNote(of: .closed) == "已结案")
    }

    /// Every class, department, question and choice the standard catalog ships has its English, and
    /// the catalog passes its own rules with it.
    @Test func theStandardCatalogIsWholeInEnglish() {
        let classes = Dictionary(uniqueKeysWithValues: StandardCatalog.caseClasses.map { ($0.code, $0) })
        let departments = Dictionary(uniqueKeysWithValues: StandardCatalog.departments.map { ($0.code, $0) })
        for item in StandardCatalog.caseClasses {
            #expect(item.nameEn?.isEmpty == false, "\(item.code) has no English name")
            for attribute in item.attributes {
                #expect(attribute.questionEn != nil, "\(item.code).\(attribute.code) has no English question")
                #expect(attribute.choices.allSatisfy { $0.nameEn != nil }, "\(item.code).\(attribute.code) has a choice without English")
            }
            var others = classes
            others[item.code] = nil
            #expect(CaseClassRules.problem(item, classes: others, departments: departments) == nil)
        }
        #expect(StandardCatalog.departments.allSatisfy { $0.nameEn?.isEmpty == false })
    }

    @Test(arguments: [
        ("", "name_en"), ("  ", "name_en"), ("two\nlines", "name_en"), (String(repeating: "a", count: 81), "name_en"),
    ])
    func aBadEnglishNameIsRefusedByItsField(_ nameEn: String, _ field: String) {
        let item = CaseClass(code: "E09", name: "其他事件", category: .event, nameEn: nameEn)
        #expect(
            CaseClassRules.problem(item, classes: [:], departments: [:]) == FieldProblem(field, "1–80 characters on one line, or absent for none")
        )
        var fine = item
        fine.nameEn = String(repeating: "a", count: 80)
        #expect(CaseClassRules.problem(fine, classes: [:], departments: [:]) == nil)
    }

    @Test func badEnglishQuestionsAndChoicesAreRefusedByTheirField() {
        let list = CaseClassAttribute(
            code: "use",
            kind: .singleValueList,
            question: "用途",
            choices: [.init(key: "rain", name: "雨水", nameEn: "Rainwater"), .init(key: "gas", name: "燃气", nameEn: "\t")],
            questionEn: "Use"
        )
        #expect(CaseClassAttribute.definitionProblem([list])?.field == "attributes[0].choices[1].name_en")
        var question = list
        question.choices[1].nameEn = "Gas"
        #expect(CaseClassAttribute.definitionProblem([question]) == nil)
        question.questionEn = String(repeating: "a", count: 201)
        #expect(CaseClassAttribute.definitionProblem([question])?.field == "attributes[0].question_en")
        // The stored form keeps the English.
        question.questionEn = "What it serves"
        #expect(CaseClassAttribute(json: question.json) == question)
        #expect(question.question(in: .en) == "What it serves")
        #expect(question.choices[0].name(in: .en) == "Rainwater")
    }
}
