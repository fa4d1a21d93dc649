import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit

/// SQLKit over one PostgreSQL connection, as postgres-kit's `connection.sql()`, with rows that read
/// the types the store reads (text, integers, doubles, booleans, and their optionals) straight from
/// their cells.
///
/// Why: postgres-kit decodes every cell through dynamic casts, a coding path made for the cell and a
/// lookup table made for each row. An Open311 search reads 1,000 cases of 12 columns, and that
/// decoding was 45 % of the server's time on PostgreSQL (BENCHMARKS.md, "Open311"). Anything else —
/// a bind that is not one of PostgresNIO's own types, a column of another type — goes through
/// postgres-kit as before, so both paths read and write the same values.
struct PostgresSQLDatabase: SQLDatabase {
    let connection: PostgresConnection
    /// postgres-kit's database over the same connection: its dialect, and every statement the fast
    /// path does not take.
    let kit: any SQLDatabase

    init(connection: PostgresConnection) {
        self.connection = connection
        kit = connection.sql()
    }

    var logger: Logger { kit.logger }
    var eventLoop: any EventLoop { kit.eventLoop }
    var dialect: any SQLDialect { kit.dialect }
    var version: (any SQLDatabaseReportedVersion)? { kit.version }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let (sql, binds) = serialize(query)
        guard let bindings = Self.bindings(binds) else { return kit.execute(sql: query, onRow) }
        let columns = PostgresResultRow.ColumnsBox()
        return connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) { row in
            onRow(PostgresResultRow(row: row, columns: columns.positions(of: row)))
        }.map { _ in }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await execute(sql: query, onRow).get()
    }

    /// The binds as PostgresNIO encodes its own types, as postgres-kit does for them; `nil` if any is
    /// of another type (postgres-kit then encodes them all through `Encodable`).
    private static func bindings(_ binds: [any Encodable]) -> PostgresBindings? {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            guard (try? append(bind, to: &bindings)) == true else { return nil }
        }
        return bindings
    }

    private static func append<T: Encodable>(_ value: T, to bindings: inout PostgresBindings) throws -> Bool {
        if (value as Any?) == nil {
            bindings.appendNull()
        } else if let value = value as? any PostgresThrowingDynamicTypeEncodable {
            try bindings.append(value, context: .default)
        } else {
            return false
        }
        return true
    }
}

/// A row of ``PostgresSQLDatabase``: its cells, and the column positions its query's rows share.
/// The cells are PostgresNIO's random-access row: their bytes, with no cell value (name, type)
/// made until it is asked for.
struct PostgresResultRow: SQLRow {
    /// A query's column positions, found from its first row.
    final class ColumnsBox: @unchecked Sendable {
        // Rows arrive one at a time on the connection's event loop.
        private var positions: [String: Int]?

        func positions(of row: PostgresRow) -> [String: Int] {
            if let positions { return positions }
            var found: [String: Int] = [:]
            // A name twice: the last column, as postgres-kit's rows have it.
            for (index, cell) in row.enumerated() { found[cell.columnName] = index }
            positions = found
            return found
        }
    }

    let row: PostgresRow
    let cells: PostgresRandomAccessRow
    let positions: [String: Int]

    init(row: PostgresRow, columns: [String: Int]) {
        self.row = row
        cells = PostgresRandomAccessRow(row)
        positions = columns
    }

    var allColumns: [String] { row.map(\.columnName) }

    func contains(column: String) -> Bool { positions[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        positions[column].map { cells[$0].bytes == nil } ?? true
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        if let position = positions[column] {
            do { return try Self.decode(cells[position], as: D.self) } catch {}
        }
        // Any other type, and every error, as postgres-kit reads and words them.
        return try row.sql().decode(column: column, as: D.self)
    }

    /// Not one of the pairs of column type and Swift type read here.
    private struct OtherType: Error {}

    /// The cell as one of the types the store reads, from the column types it writes.
    private static func decode<D>(_ cell: PostgresCell, as _: D.Type) throws -> D {
        switch cell.dataType {
        case .text, .varchar, .name, .bpchar:
            if D.self == String.self { return try cell.decode(String.self) as! D }
            if D.self == String?.self { return try cell.decode(String?.self) as! D }
        case .int8, .int4, .int2:
            if D.self == Int64.self { return try cell.decode(Int64.self) as! D }
            if D.self == Int64?.self { return try cell.decode(Int64?.self) as! D }
            if D.self == Int.self { return try cell.decode(Int.self) as! D }
            if D.self == Int?.self { return try cell.decode(Int?.self) as! D }
        case .float8, .float4:
            if D.self == Double.self { return try cell.decode(Double.self) as! D }
            if D.self == Double?.self { return try cell.decode(Double?.self) as! D }
        case .bool:
            if D.self == Bool.self { return try cell.decode(Bool.self) as! D }
            if D.self == Bool?.self { return try cell.decode(Bool?.self) as! D }
        default: break
        }
        throw OtherType()
    }
}
