/// 实有人口: a resident as the registry knows them, anchored to the grid they live in. The identity
/// number and the phone are personal identifiers: sealed at rest, masked in every answer unless a
/// role and a stated purpose allow the full value (DOMAIN.md §4).
public struct Person: Hashable, Sendable {
    public var id: Int64
    public var cityCode: String
    /// The small grid (or any area) the person lives in.
    public var areaCode: String
    public var name: String
    /// 公民身份号码, in full or masked.
    public var identityNumber: String?
    /// 联系电话, in full or masked.
    public var phone: String?

    public init(id: Int64, cityCode: String, areaCode: String, name: String, identityNumber: String?, phone: String?) {
        self.id = id
        self.cityCode = cityCode
        self.areaCode = areaCode
        self.name = name
        self.identityNumber = identityNumber
        self.phone = phone
    }

    /// The person as answers show them by default: identifiers masked (`4415**********1234`, `138****5678`).
    public var masked: Person {
        var person = self
        person.identityNumber = identityNumber.map(Mask.identityNumber)
        person.phone = phone.map(Mask.phone)
        return person
    }

    /// The target of audit entries about this person: `persons/42`.
    public static func auditTarget(_ id: Int64) -> String { "persons/\(id)" }
}

/// What a new or changed resident's record must satisfy.
public enum PersonRules {
    /// The first problem, or `nil`: a name of 1–64 characters, a valid identity number and phone
    /// when given. The identity number is upper-cased (a check character `x` reads as `X`).
    public static func problem(name: String, identityNumber: String?, phone: String?) -> FieldProblem? {
        if let problem = AccountRules.displayNameProblem(name) { return FieldProblem("name", problem) }
        if let number = identityNumber, let problem = IdentityNumber.problem(number) { return FieldProblem("identity_number", problem) }
        if let phone, let problem = Phone.problem(phone) { return FieldProblem("phone", problem) }
        return nil
    }
}

/// 联系电话: a mainland mobile number (11 digits from 13–19) or a landline with its area code
/// (`0755-12345678`); written without spaces.
public enum Phone {
    public static func problem(_ value: String) -> String? {
        let digits = value.unicodeScalars.filter { $0 != "-" }
        guard digits.allSatisfy({ ("0"..."9").contains($0) }) else { return "a phone number has digits and at most one '-'" }
        let text = String(String.UnicodeScalarView(digits))
        if text.count == 11, text.hasPrefix("1"), !text.hasPrefix("10"), !text.hasPrefix("11"), !text.hasPrefix("12"), !value.contains("-") {
            return nil
        }
        if text.hasPrefix("0"), (10...12).contains(text.count), value.filter({ $0 == "-" }).count <= 1 { return nil }
        return "a phone number is a mobile number of 11 digits (1[3-9]…) or a landline with its area code (0755-12345678)"
    }
}
