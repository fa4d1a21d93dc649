import Foundation

/// 附加信息: a question a case class asks of a report beyond the standard fields, such as what a
/// missing manhole cover served. Open311 publishes them as the service's definition (`attributes`)
/// and takes the answers as `attribute[CODE]`; `/api/v1` takes them as `attributes`. The answers
/// are kept with the case and in its first event, so the chain covers them.
public struct CaseClassAttribute: Sendable, Hashable {
    /// Open311's datatypes.
    public enum Kind: String, Sendable, CaseIterable {
        /// A line of text, at most ``maximumString`` characters.
        case string
        case number
        /// A moment, W3C date and time with an offset.
        case datetime
        /// Free text, at most ``maximumText`` characters.
        case text
        /// One of the choices.
        case singleValueList = "singlevaluelist"
        /// Any of the choices.
        case multiValueList = "multivaluelist"

        public var isList: Bool { self == .singleValueList || self == .multiValueList }
    }

    /// A choice of a list: its stable key and the words shown.
    public struct Choice: Sendable, Hashable {
        public var key: String
        public var name: String
        public var nameEn: String?

        public init(key: String, name: String, nameEn: String? = nil) {
            self.key = key
            self.name = name
            self.nameEn = nameEn
        }

        public func name(in language: Language) -> String { language.pick(name, nameEn) }
    }

    public var code: String
    public var kind: Kind
    public var required: Bool
    /// The question, as a resident reads it.
    public var question: String
    /// The question in English; `nil` until written.
    public var questionEn: String?
    /// For lists only, in their order.
    public var choices: [Choice]

    public static let maximumString = 200
    public static let maximumText = 2000
    public static let maximumCount = 20

    public init(code: String, kind: Kind, required: Bool = false, question: String, choices: [Choice] = [], questionEn: String? = nil) {
        self.code = code
        self.kind = kind
        self.required = required
        self.question = question
        self.choices = choices
        self.questionEn = questionEn
    }

    public func question(in language: Language) -> String { language.pick(question, questionEn) }

    /// The field a problem with an answer names.
    static func field(_ code: String) -> String { "attributes.\(code)" }

    /// The answers a report gives, checked against the class's questions: each answer is one or more
    /// texts as sent (a form's `attribute[CODE]` or `attribute[CODE][]`). An empty answer counts as
    /// absent. Kept as JSON: a number as a number, a list of several as an array, the rest as text.
    public static func answers(_ sent: [String: [String]], to attributes: [CaseClassAttribute]) -> Result<[String: JSONValue], FieldProblem> {
        let byCode = Dictionary(attributes.map { ($0.code, $0) }) { first, _ in first }
        for code in sent.keys.sorted() where byCode[code] == nil {
            let known = attributes.map(\.code)
            return .failure(
                FieldProblem(field(code), "this class asks no such question" + (known.isEmpty ? "" : " (it asks: \(known.joined(separator: ", ")))"))
            )
        }
        var answers: [String: JSONValue] = [:]
        for attribute in attributes {
            let given = (sent[attribute.code] ?? []).map { CaseIntakeRules.normalizedLines($0).trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { !$0.isEmpty }
            guard !given.isEmpty else {
                if attribute.required { return .failure(FieldProblem(field(attribute.code), "required: \(attribute.question)")) }
                continue
            }
            switch attribute.answer(given) {
            case .success(let value): answers[attribute.code] = value
            case .failure(let problem): return .failure(problem)
            }
        }
        return .success(answers)
    }

    private func answer(_ given: [String]) -> Result<JSONValue, FieldProblem> {
        let field = Self.field(code)
        if kind != .multiValueList, given.count > 1 { return .failure(FieldProblem(field, "give one answer, not \(given.count)")) }
        let value = given[0]
        switch kind {
        case .string, .text:
            // A line is one line; a text may hold line breaks and tabs.
            let most = kind == .string ? Self.maximumString : Self.maximumText
            let allowed: Set<Unicode.Scalar> = kind == .string ? [] : ["\n", "\t"]
            guard value.count <= most, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !allowed.contains($0) })
            else {
                return .failure(FieldProblem(field, "at most \(most) characters of plain text" + (kind == .string ? " on one line" : "")))
            }
            return .success(.string(value))
        case .number:
            // Decimal only: Double() would also read hexadecimal (0x1A) and "nan".
            guard value.allSatisfy({ "0123456789+-.eE".contains($0) }), let number = Double(value), number.isFinite else {
                return .failure(FieldProblem(field, "\(value) is not a number"))
            }
            return .success(.number(number))
        case .datetime:
            // Kept in the one form every answer is written in: the city's time, +08:00.
            guard let milliseconds = GeoReport.milliseconds(w3c: value) else {
                return .failure(FieldProblem(field, "\(value) is not a W3C date and time with an offset (2026-11-27T09:30:00+08:00)"))
            }
            return .success(.string(GeoReport.w3c(milliseconds: milliseconds)))
        case .singleValueList, .multiValueList:
            let keys = Set(choices.map(\.key))
            if let unknown = given.first(where: { !keys.contains($0) }) {
                return .failure(FieldProblem(field, "\(unknown) is not one of \(choices.map(\.key).joined(separator: ", "))"))
            }
            guard Set(given).count == given.count else { return .failure(FieldProblem(field, "a choice is given twice")) }
            return .success(kind == .singleValueList ? .string(value) : .array(given.map(JSONValue.string)))
        }
    }

    /// The first problem of a class's questions, or `nil`: codes a form can name, lists with their
    /// choices and only lists with choices, nothing twice.
    public static func definitionProblem(_ attributes: [CaseClassAttribute]) -> FieldProblem? {
        guard attributes.count <= maximumCount else { return FieldProblem("attributes", "at most \(maximumCount) questions a class") }
        var codes = Set<String>()
        for (index, attribute) in attributes.enumerated() {
            let field = "attributes[\(index)]"
            let allowed = attribute.code.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
            guard (1...32).contains(attribute.code.count), allowed else {
                return FieldProblem("\(field).code", "\"\(attribute.code)\" must be 1–32 lowercase letters, digits or '_'")
            }
            guard codes.insert(attribute.code).inserted else { return FieldProblem("\(field).code", "\(attribute.code) is asked twice") }
            guard !attribute.question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, attribute.question.count <= 200 else {
                return FieldProblem("\(field).question", "1–200 characters")
            }
            if let problem = CaseClassRules.englishProblem(attribute.questionEn, field: "\(field).question_en", longest: 200) {
                return problem
            }
            if attribute.kind.isList {
                guard !attribute.choices.isEmpty else { return FieldProblem("\(field).choices", "a list needs its choices") }
                guard attribute.choices.count <= 50 else { return FieldProblem("\(field).choices", "at most 50 choices") }
                let keys = attribute.choices.map(\.key)
                // Answers are trimmed, so a key with spaces around it could never be chosen.
                guard Set(keys).count == keys.count,
                    keys.allSatisfy({ (1...64).contains($0.count) && $0 == $0.trimmingCharacters(in: .whitespacesAndNewlines) }),
                    attribute.choices.allSatisfy({ !$0.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && $0.name.count <= 200 })
                else {
                    return FieldProblem(
                        "\(field).choices",
                        "each choice needs a key (1–64 characters, no spaces around it, none twice) and a name (1–200)"
                    )
                }
                for (place, choice) in attribute.choices.enumerated() {
                    if let problem = CaseClassRules.englishProblem(choice.nameEn, field: "\(field).choices[\(place)].name_en", longest: 200) {
                        return problem
                    }
                }
            } else if !attribute.choices.isEmpty {
                return FieldProblem("\(field).choices", "only lists have choices")
            }
        }
        return nil
    }
}

extension CaseClassAttribute {
    /// The stored form.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "code": .string(code), "kind": .string(kind.rawValue), "required": .bool(required), "question": .string(question),
        ]
        if let questionEn { object["question_en"] = .string(questionEn) }
        if !choices.isEmpty {
            object["choices"] = .array(
                choices.map { choice in
                    var fields: [String: JSONValue] = ["key": .string(choice.key), "name": .string(choice.name)]
                    if let nameEn = choice.nameEn { fields["name_en"] = .string(nameEn) }
                    return .object(fields)
                }
            )
        }
        return .object(object)
    }

    /// Reads the stored form back; `nil` when it is not one.
    public init?(json: JSONValue) {
        guard let code = json["code"]?.string, let kind = json["kind"]?.string.flatMap(Kind.init(rawValue:)),
            let question = json["question"]?.string
        else { return nil }
        let required: Bool = if case .bool(let value)? = json["required"] { value } else { false }
        self.init(
            code: code,
            kind: kind,
            required: required,
            question: question,
            choices: (json["choices"]?.array ?? []).compactMap { choice in
                guard let key = choice["key"]?.string, let name = choice["name"]?.string else { return nil }
                return Choice(key: key, name: name, nameEn: choice["name_en"]?.string)
            },
            questionEn: json["question_en"]?.string
        )
    }
}
