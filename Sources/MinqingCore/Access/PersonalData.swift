/// Residents' identifiers as responses show them: masked unless a role and a stated purpose allow
/// the full value (DOMAIN.md §4: a sheet of 600 ID numbers posted to a chat group is the failure to
/// design against).
public enum Mask {
    /// 居民身份证号: the region's first four digits and the last four, `4415**********1234`.
    public static func identityNumber(_ value: String) -> String {
        keep(value, first: 4, last: 4)
    }

    /// 手机号: `138****5678`. A shorter number (a fixed line, `66012345`) keeps only its last four,
    /// so that a mask never shows most of a number.
    public static func phone(_ value: String) -> String {
        keep(value, first: value.count >= 11 ? 3 : 0, last: 4)
    }

    /// A person's name: the surname and one star a character, `张*`, `欧阳**` shows as `欧**`.
    public static func name(_ value: String) -> String {
        keep(value, first: 1, last: 0)
    }

    /// Keeps the first and last characters, stars between; too short a value is starred whole.
    static func keep(_ value: String, first: Int, last: Int) -> String {
        let characters = Array(value)
        guard characters.count > first + last else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(first)) + String(repeating: "*", count: characters.count - first - last) + String(characters.suffix(last))
    }
}

/// 公民身份号码 (GB 11643-1999): 17 digits and a check character (0–9 or X) from ISO 7064 MOD 11-2.
public enum IdentityNumber {
    /// Why a value is not a valid identity number, or `nil`.
    public static func problem(_ value: String) -> String? {
        let characters = Array(value.uppercased())
        guard characters.count == 18, characters.prefix(17).allSatisfy(\.isASCII), characters.prefix(17).allSatisfy(\.isNumber) else {
            return "an identity number has 17 digits and a check character"
        }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(characters.prefix(17), weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        let check = Array("10X98765432")[sum % 11]
        guard characters[17] == check else { return "the check character of the identity number should be \(check)" }
        return nil
    }
}
