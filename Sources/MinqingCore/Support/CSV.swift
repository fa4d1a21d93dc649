import Foundation

/// CSV as spreadsheets read it (RFC 4180), safe to open: a cell that a spreadsheet would run as a
/// formula (`=`, `+`, `-`, `@`, tab, carriage return first) is written with a leading `'`.
public enum CSV {
    public static func row(_ cells: [String]) -> String {
        cells.map(cell).joined(separator: ",") + "\r\n"
    }

    static func cell(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
