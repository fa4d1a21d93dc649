import Foundation

/// `application/x-www-form-urlencoded` (WHATWG URL, "application/x-www-form-urlencoded parsing"):
/// for the routes whose bodies are not generated from openapi.yaml (Open311, the citizens' page).
public enum URLEncodedForm {
    /// The pairs of a body in order: `+` is a space, the rest percent-encoded; a pair without a
    /// name, or that does not decode, is dropped. `plusIsSpace: false` for a query string that
    /// clients write by hand, where a `+` is meant as itself (a date's offset).
    public static func pairs(_ text: String, plusIsSpace: Bool = true) -> [(String, String)] {
        text.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ part: Substring) -> String? {
                (plusIsSpace ? part.replacingOccurrences(of: "+", with: " ") : String(part)).removingPercentEncoding
            }
            guard let key = decoded(parts[0]), !key.isEmpty else { return nil }
            return (key, parts.count > 1 ? decoded(parts[1]) ?? "" : "")
        }
    }
}
