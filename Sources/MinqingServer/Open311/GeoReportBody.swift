import Foundation
import Hummingbird
import MinqingCore
import NIOCore

/// One answer of the Open311 GeoReport v2 API, described once and written as JSON or XML, as the
/// standard serves every endpoint in both (`services.json`, `services.xml`).
///
/// Names are the standard's, written in the code (`StaticString`): written as they are, with nothing
/// to escape or count, where a thousand-request answer names seventeen thousand fields.
enum GeoReportBody: Sendable {
    case text(String?)
    case number(Double)
    case boolean(Bool)
    /// A moment, as the standard writes it (``GeoReport/w3c(milliseconds:)``); `nil` for none.
    case date(Int64?)
    /// Named fields in order: a JSON object; in XML an element of this name holding one element per field.
    case element(StaticString, [(StaticString, GeoReportBody)])
    /// A JSON array (the standard's lists are bare arrays); in XML an element of this name holding the items.
    case list(StaticString, [GeoReportBody])
    /// A JSON array of strings; in XML an element of this name holding one `item` element per string.
    case strings(StaticString, item: StaticString, [String])

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
            var bytes = Array("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n".utf8)
            if case .list(_, let items) = self { bytes.reserveCapacity(items.count * 1_000) }
            writeXML(name: nil, into: &bytes)
            body = ByteBuffer(bytes: bytes)
        }
        return Response(status: status, headers: [.contentType: format.contentType], body: .init(byteBuffer: body))
    }

    /// Writes this value as JSON, in one pass, in the order of its fields.
    private func writeJSON(into bytes: inout [UInt8]) {
        switch self {
        case .text(let value):
            if let value { JSONValue.appendQuoted(value, to: &bytes) } else { Self.append("null", to: &bytes) }
        case .number(let number):
            var text = JSONValue.number(number).serialized
            text.withUTF8 { bytes.append(contentsOf: $0) }
        case .boolean(let value): Self.append(value ? "true" : "false", to: &bytes)
        case .date(let milliseconds):
            guard let milliseconds else {
                Self.append("null", to: &bytes)
                return
            }
            bytes.append(UInt8(ascii: "\""))
            GeoReport.appendW3C(milliseconds: milliseconds, to: &bytes)
            bytes.append(UInt8(ascii: "\""))
        case .element(_, let fields):
            bytes.append(UInt8(ascii: "{"))
            for (index, (name, value)) in fields.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "\""))
                Self.append(name, to: &bytes)
                Self.append("\":", to: &bytes)
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

    /// A name of the standard, or a literal, as it is: none needs escaping in either format.
    private static func append(_ text: StaticString, to bytes: inout [UInt8]) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Writes this value as XML, in an element named `name` when it is a plain value.
    private func writeXML(name: StaticString?, into bytes: inout [UInt8]) {
        func open(_ name: StaticString?) {
            guard let name else { return }
            bytes.append(UInt8(ascii: "<"))
            Self.append(name, to: &bytes)
            bytes.append(UInt8(ascii: ">"))
        }
        func close(_ name: StaticString?) {
            guard let name else { return }
            bytes += "</".utf8
            Self.append(name, to: &bytes)
            bytes.append(UInt8(ascii: ">"))
        }
        switch self {
        case .text(let text):
            open(name)
            Self.appendEscaped(text ?? "", to: &bytes)
            close(name)
        case .number(let number):
            open(name)
            bytes += (JSONValue.number(number).text ?? "").utf8
            close(name)
        case .boolean(let value):
            open(name)
            bytes += (value ? "true" : "false").utf8
            close(name)
        case .date(let milliseconds):
            open(name)
            if let milliseconds { GeoReport.appendW3C(milliseconds: milliseconds, to: &bytes) }
            close(name)
        case .element(let element, let fields):
            open(element)
            for (field, value) in fields { value.writeXML(name: field, into: &bytes) }
            close(element)
        case .list(let element, let items):
            open(element)
            for item in items { item.writeXML(name: nil, into: &bytes) }
            close(element)
        case .strings(let element, let item, let texts):
            open(element)
            for text in texts {
                open(item)
                Self.appendEscaped(text, to: &bytes)
                close(item)
            }
            close(element)
        }
    }

    /// Text as XML 1.0 allows it, as UTF-8: markup escaped, and what XML cannot hold dropped (the
    /// control characters but tab and line ends; U+FFFE and U+FFFF, `EF BF BE` and `EF BF BF`).
    private static func appendEscaped(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            switch byte {
            case UInt8(ascii: "&"): bytes += "&amp;".utf8
            case UInt8(ascii: "<"): bytes += "&lt;".utf8
            case UInt8(ascii: ">"): bytes += "&gt;".utf8
            case UInt8(ascii: "\""): bytes += "&quot;".utf8
            case UInt8(ascii: "'"): bytes += "&apos;".utf8
            case 0x09, 0x0A, 0x0D: bytes.append(byte)
            case 0..<0x20: break
            case 0xEF where index + 2 < utf8.count && utf8[index + 1] == 0xBF && (utf8[index + 2] == 0xBE || utf8[index + 2] == 0xBF):
                index += 2
            default: bytes.append(byte)
            }
            index += 1
        }
    }
}
