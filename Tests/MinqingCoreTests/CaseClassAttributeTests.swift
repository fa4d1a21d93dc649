import MinqingCore
import Testing

/// 附加信息: answers checked against a class's questions, each problem naming the question.
struct CaseClassAttributeTests {
    static let questions = [
        CaseClassAttribute(code: "count", kind: .number, required: true, question: "数量"),
        CaseClassAttribute(code: "seen", kind: .datetime, question: "发现时间"),
        CaseClassAttribute(code: "note", kind: .string, question: "补充"),
        CaseClassAttribute(
            code: "use",
            kind: .singleValueList,
            question: "用途",
            choices: [.init(key: "rain", name: "雨水"), .init(key: "gas", name: "燃气")]
        ),
        CaseClassAttribute(
            code: "where",
            kind: .multiValueList,
            question: "位置",
            choices: [.init(key: "road", name: "车行道"), .init(key: "walk", name: "人行道")]
        ),
    ]

    @Test func answersAreKeptAsTheirKinds() throws {
        let answers = try CaseClassAttribute.answers(
            ["count": [" 3 "], "seen": ["2026-11-27T09:30:00+08:00"], "use": ["gas"], "where": ["walk", "road"], "note": [""]],
            to: Self.questions
        ).get()
        #expect(
            answers == [
                "count": .number(3), "seen": .string("2026-11-27T09:30:00+08:00"), "use": .string("gas"),
                "where": .array([.string("walk"), .string("road")]),
            ]
        )
        // Only the required one is needed; an empty answer counts as absent.
        #expect(try CaseClassAttribute.answers(["count": ["0.5"]], to: Self.questions).get() == ["count": .number(0.5)])
        // A moment is kept in the city's time; a textarea's CRLF as a line break.
        let long = CaseClassAttribute(code: "more", kind: .text, question: "详情")
        #expect(
            try CaseClassAttribute.answers(["count": ["1"], "seen": ["2026-11-27T01:30:00Z"]], to: Self.questions).get()["seen"]
                == .string("2026-11-27T09:30:00+08:00")
        )
        #expect(try CaseClassAttribute.answers(["more": ["a\r\nb"]], to: [long]).get() == ["more": .string("a\nb")])
        #expect(try CaseClassAttribute.answers([:], to: []).get() == [:])
    }

    @Test(arguments: [
        (["use": ["rain"]], "attributes.count: required: 数量"),
        (["count": ["  "]], "attributes.count: required: 数量"),
        (["count": ["3", "4"]], "attributes.count: give one answer, not 2"),
        (["count": ["inf"]], "attributes.count: inf is not a number"),
        (["count": ["0x1A"]], "attributes.count: 0x1A is not a number"),
        (["count": ["1"], "note": ["two\nlines"]], "attributes.note: at most 200 characters of plain text on one line"),
        (
            ["count": ["1"], "seen": ["2026-11-27 09:30"]],
            "attributes.seen: 2026-11-27 09:30 is not a W3C date and time with an offset (2026-11-27T09:30:00+08:00)"
        ),
        (["count": ["1"], "use": ["oil"]], "attributes.use: oil is not one of rain, gas"),
        (["count": ["1"], "where": ["road", "road"]], "attributes.where: a choice is given twice"),
        (["count": ["1"], "note": [String(repeating: "长", count: 201)]], "attributes.note: at most 200 characters of plain text on one line"),
        (["count": ["1"], "colour": ["red"]], "attributes.colour: this class asks no such question (it asks: count, seen, note, use, where)"),
    ])
    func badAnswersNameTheirQuestion(_ sent: [String: [String]], _ message: String) {
        #expect(CaseClassAttribute.answers(sent, to: Self.questions).map { _ in "" }.mapError { $0 } == .failure(FieldProblem.from(message)))
    }

    @Test func questionsSurviveTheirStoredForm() {
        for question in Self.questions { #expect(CaseClassAttribute(json: question.json) == question) }
        #expect(CaseClassAttribute.definitionProblem(Self.questions) == nil)
        #expect(CaseClassAttribute.definitionProblem(Array(repeating: Self.questions[0], count: 21))?.field == "attributes")
    }
}

extension FieldProblem {
    /// `field: message`, split at the first colon.
    fileprivate static func from(_ text: String) -> FieldProblem {
        let colon = text.firstIndex(of: ":")!
        return FieldProblem(String(text[..<colon]), String(text[text.index(colon, offsetBy: 2)...]))
    }
}
