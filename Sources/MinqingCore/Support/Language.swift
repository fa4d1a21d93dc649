import Foundation

/// The languages people read Minqing in: Chinese by default, English where it is asked for. A
/// catalog's own words (a class's name, a question) carry an English form only when someone wrote
/// one; until then the Chinese stands in.
public enum Language: String, Sendable, CaseIterable {
    case zh
    case en

    /// The language an HTTP `Accept-Language` header prefers (RFC 9110 §12.5.4): the highest
    /// weight among each language's ranges (`zh…`, `en…`) wins, Chinese on a tie or when neither is
    /// named, English when Chinese alone is refused (`q=0`); `*` counts for whichever of the two is
    /// not named.
    public init(acceptLanguage header: String?) {
        var weights: [Language: Double] = [:]
        var wildcard: Double?
        for item in (header ?? "").split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let range = parts.first?.lowercased(), !range.isEmpty else { continue }
            var weight = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if pair.count == 2, pair[0].lowercased() == "q" {
                    // A weight that is not one (q=abc, q=2) makes the range count for nothing.
                    weight = Double(pair[1]).flatMap { (0...1).contains($0) ? $0 : nil } ?? 0
                }
            }
            let primary = range.split(separator: "-").first.map(String.init) ?? range
            if primary == "*" {
                wildcard = max(wildcard ?? 0, weight)
            } else if let language = Language(rawValue: primary) {
                weights[language] = max(weights[language] ?? 0, weight)
            }
        }
        let chinese = weights[.zh] ?? wildcard ?? 0
        let english = weights[.en] ?? wildcard ?? 0
        if weights[.zh] == 0, (weights[.en] ?? wildcard ?? 1) > 0 {
            self = .en
        } else {
            self = english > chinese ? .en : .zh
        }
    }

    /// `chinese`, or in English `english` when there is one.
    public func pick(_ chinese: String, _ english: String?) -> String {
        self == .en ? english ?? chinese : chinese
    }

    /// The tag an answer's `Content-Language` and a page's `lang` give.
    public var tag: String { self == .zh ? "zh-CN" : "en" }
}
