/// 查询码: the secret a resident reporting without an account receives with their case number, as
/// a mayor's mailbox gives a letter number and a query password. Holding it makes them the case's
/// reporter for that case alone (``Actor/followCodeDigest``): they follow its progress and rate it
/// after closure. Only a digest of it is kept, so the database never holds a usable code.
///
/// Twelve characters of Crockford's base32 (60 bits) from the injected random source, written in
/// groups of four. What a resident types back is forgiving: case, spaces and hyphens do not matter,
/// and the letters read as digits (O, I, L) count as those digits.
public enum FollowCode {
    /// The random bytes a code is made from.
    public static let byteCount = 8
    /// Characters in a code, without its hyphens.
    public static let length = 12
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// The code shown to the resident (`7K2M-QX4D-9TRB`) from ``byteCount`` random bytes.
    public static func make(from random: [UInt8]) -> String {
        precondition(random.count == byteCount, "a follow code is made from \(byteCount) random bytes")
        let value = random.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let characters = (0..<length).map { index in alphabet[Int(value >> UInt64(5 * (length - 1 - index)) & 31)] }
        let text = String(decoding: characters, as: UTF8.self)
        return stride(from: 0, to: length, by: 4).map { start in
            let from = text.index(text.startIndex, offsetBy: start)
            return String(text[from..<text.index(from, offsetBy: 4)])
        }.joined(separator: "-")
    }

    /// The code as typed, in the one form its digest is taken of; `nil` when it cannot be a code.
    public static func normalized(_ typed: String) -> String? {
        var characters: [UInt8] = []
        for byte in typed.uppercased().utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "-"): continue
            case UInt8(ascii: "O"): characters.append(UInt8(ascii: "0"))
            case UInt8(ascii: "I"), UInt8(ascii: "L"): characters.append(UInt8(ascii: "1"))
            default:
                guard alphabet.contains(byte) else { return nil }
                characters.append(byte)
            }
        }
        return characters.count == length ? String(decoding: characters, as: UTF8.self) : nil
    }
}
