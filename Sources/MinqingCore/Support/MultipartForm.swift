import Foundation

/// `multipart/form-data` (RFC 7578), read whole: for the routes whose bodies are not generated from
/// openapi.yaml (Open311's `POST requests` with `media`).
public struct MultipartForm: Sendable, Hashable {
    public struct Part: Sendable, Hashable {
        public var name: String
        public var filename: String?
        public var contentType: String?
        public var body: [UInt8]
    }

    public var parts: [Part]

    /// The most parts a form may hold.
    public static let maximumParts = 100

    /// The `boundary` parameter of a `multipart/form-data` content type, or `nil`.
    public static func boundary(of contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            var value = piece.dropFirst("boundary=".count)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            // RFC 2046: 1 to 70 characters.
            return (1...70).contains(value.count) ? String(value) : nil
        }
        return nil
    }

    /// Reads a body; a malformed one is a problem naming `multipart`.
    public init(parsing body: [UInt8], boundary: String) throws(FieldProblem) {
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        guard var cursor = Self.find(delimiter, in: body, from: 0) else { throw FieldProblem("multipart", "the body holds no part") }
        cursor += delimiter.count
        var parts: [Part] = []
        while true {
            // "--" after a delimiter closes the form.
            if body.count >= cursor + 2, body[cursor] == 45, body[cursor + 1] == 45 { break }
            guard body.count >= cursor + 2, Array(body[cursor..<cursor + 2]) == crlf else {
                throw FieldProblem("multipart", "a boundary must end its line")
            }
            cursor += 2
            guard let headerEnd = Self.find(crlf + crlf, in: body, from: cursor) else {
                throw FieldProblem("multipart", "a part's headers never end")
            }
            let headers = String(decoding: body[cursor..<headerEnd], as: UTF8.self)
            let start = headerEnd + 4
            guard let end = Self.find(crlf + delimiter, in: body, from: start) else {
                throw FieldProblem("multipart", "the body ends before its closing boundary")
            }
            var part = Part(name: "", filename: nil, contentType: nil, body: Array(body[start..<end]))
            for line in headers.split(separator: "\r\n") {
                let field = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard field.count == 2 else { continue }
                switch field[0].lowercased() {
                case "content-disposition":
                    let parameters = Self.parameters(field[1])
                    part.name = parameters["name"] ?? ""
                    part.filename = parameters["filename"]
                case "content-type":
                    part.contentType = field[1]
                default:
                    continue
                }
            }
            guard !part.name.isEmpty else { throw FieldProblem("multipart", "every part needs a name (Content-Disposition: form-data; name=…)") }
            parts.append(part)
            guard parts.count <= Self.maximumParts else { throw FieldProblem("multipart", "at most \(Self.maximumParts) parts") }
            cursor = end + 2 + delimiter.count
        }
        self.parts = parts
    }

    /// `form-data; name="x"; filename="y"` → `["name": "x", "filename": "y"]`.
    private static func parameters(_ value: String) -> [String: String] {
        var found: [String: String] = [:]
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            var text = Substring(pair[1])
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = text.dropFirst().dropLast() }
            found[pair[0].lowercased()] = String(text)
        }
        return found
    }

    /// Where `needle` first starts in `haystack` at or after `start`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }
}
