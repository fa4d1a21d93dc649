import Foundation

/// 报告人联系方式: how to reach the person behind a report — a hotline caller, a resident who told
/// an official — for the return call (回访). It is personal data: sealed at rest, shown masked
/// (``masked``) in every answer, and in full only to a role that may read personal data in full, for
/// a stated purpose, each such read written in the audit log. Departments see it masked
/// (DOMAIN.md §4: leaks by the people who handle cases are the failure to design against).
public struct ReporterContact: Sendable, Hashable, Codable {
    public var name: String?
    public var phone: String?

    public init(name: String?, phone: String?) {
        self.name = name
        self.phone = phone
    }

    public static let maximumName = 50

    /// The contact as sent, trimmed, with the phone number's spaces and hyphens removed; or the
    /// problem, naming `contact.name` or `contact.phone`. A contact with neither is no contact.
    public static func checked(name: String?, phone: String?) -> Result<ReporterContact?, FieldProblem> {
        let name = name?.trimmingCharacters(in: .whitespacesAndNewlines)
        let phone = phone?.filter { $0 != " " && $0 != "-" }
        if let name {
            if name.isEmpty { return .failure(FieldProblem("contact.name", "leave the name out rather than send it empty")) }
            if name.count > maximumName { return .failure(FieldProblem("contact.name", "at most \(maximumName) characters, not \(name.count)")) }
            if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                return .failure(FieldProblem("contact.name", "control characters are not allowed"))
            }
        }
        if let phone {
            // A mainland mobile or fixed line (5 to 15 digits, ITU-T E.164's longest), an optional
            // leading + for an international number.
            let digits = phone.hasPrefix("+") ? phone.dropFirst() : Substring(phone)
            guard (5...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return .failure(FieldProblem("contact.phone", "a phone number of 5 to 15 digits, optionally after +"))
            }
        }
        guard name != nil || phone != nil else { return .success(nil) }
        return .success(ReporterContact(name: name, phone: phone))
    }

    /// As every answer shows it: `张*`, `138****5678`.
    public var masked: ReporterContact {
        ReporterContact(name: name.map(Mask.name), phone: phone.map(Mask.phone))
    }
}

extension ReporterContact {
    /// `{"name": …, "phone": …}`, as the store keeps it (sealed or masked).
    public var json: JSONValue {
        var fields: [String: JSONValue] = [:]
        if let name { fields["name"] = .string(name) }
        if let phone { fields["phone"] = .string(phone) }
        return .object(fields)
    }

    public init?(json: JSONValue) {
        guard case .object = json else { return nil }
        self.init(name: json["name"]?.string, phone: json["phone"]?.string)
    }
}
