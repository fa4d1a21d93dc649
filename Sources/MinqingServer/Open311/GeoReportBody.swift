import Foundation
import Hummingbird
import MinqingCore
import NIOCore

/// One answer of the Open311 GeoReport v2 API, described once and written as JSON or XML, as the
/// standard serves every endpoint in both (`services.json`, `services.xml`).
indirect enum GeoReportBody: Sendable {
    case text(String?)
    case number(Double)
    case boolean(Bool)
    /// Named fields in order: a JSON object; in XML an element of this name holding one element per field.
    case element(String, [(String, GeoReportBody)])
    /// A JSON array (the standard's lists are bare arrays); in XML an element of this name holding the items.
    case list(String, [GeoReportBody])
    /// A JSON array of strings; in XML an element of this name holding one `item` element per string.
    case strings(String, item: String, [String])

    enum Format: String, Sendable {
        case json
        case xml

        var contentType: String { self == .json ? "application/json; charset=utf-8" : "text/xml; charset=utf-8" }
    }

    /// The errors of the standard: a list of `{code, description}` (`<errors><error>…`).
    static func errors(_ failure: GeoReport.Failure) -> GeoReportBody {
        .list("errors", [.element("error", [("code", .number(Double(failure.status))), ("description", .text(failure.description))])])
    }

    func response(_ format: Format, status: HTTPResponse.Status = .ok) -> Response {
        let body: ByteBuffer
        switch format {
        case .json:
            var bytes: [UInt8] = []
            if case .list(_, let items) = self { bytes.reserveCapacity(items.count * 720) }
            writeJSON(into: &bytes)
            body = ByteBuffer(bytes: bytes)
        case .xml:
            body = ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + xml(name: nil))
        }
        return Response(status: status, headers: [.contentType: format.contentType], body: .init(byteBuffer: body))
    }

    /// Writes this value as JSON, in one pass, in the order of its fields.
    private func writeJSON(into bytes: inout [UInt8]) {
        switch self {
        case .text(let value):
            if let value { JSONValue.appendQuoted(value, to: &bytes) } else { bytes += "null".utf8 }
        case .number(let number): bytes += JSONValue.number(number).serialized.utf8
        case .boolean(let value): bytes += (value ? "true" : "false").utf8
        case .element(_, let fields):
            bytes.append(UInt8(ascii: "{"))
            for (index, (name, value)) in fields.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONValue.appendQuoted(name, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                value.writeJSON(into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        case .list(_, let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                item.writeJSON(into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .strings(_, _, let texts):
            bytes.append(UInt8(ascii: "["))
            for (index, text) in texts.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONValue.appendQuoted(text, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        }
    }

    /// This value as XML, in an element named `name` when it is a plain value.
    private func xml(name: String?) -> String {
        switch self {
        case .text(let text): return Self.tag(name, Self.escaped(text ?? ""))
        case .number(let number): return Self.tag(name, JSONValue.number(number).text ?? "")
        case .boolean(let value): return Self.tag(name, value ? "true" : "false")
        case .element(let element, let fields): return Self.tag(element, fields.map { $0.1.xml(name: $0.0) }.joined())
        case .list(let element, let items): return Self.tag(element, items.map { $0.xml(name: nil) }.joined())
        case .strings(let element, let item, let texts): return Self.tag(element, texts.map { Self.tag(item, Self.escaped($0)) }.joined())
        }
    }

    private static func tag(_ name: String?, _ content: String) -> String {
        guard let name else { return content }
        return "<\(name)>\(content)</\(name)>"
    }

    /// Text as XML 1.0 allows it: markup escaped, and the control characters it cannot hold dropped.
    private static func escaped(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF { escaped.unicodeScalars.append(scalar) }
            }
        }
        return escaped
    }
}
