import Logging
import MinqingCore
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

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
    /// In a transaction: the audit entries it appended and has not sent yet (``deferAudit(_:)``);
    /// `nil` outside one.
    private let pendingAudit: PendingAudit?

    init(connection: PostgresConnection, inTransaction: Bool = false) {
        self.connection = connection
        kit = connection.sql()
        pendingAudit = inTransaction ? PendingAudit() : nil
    }

    /// Sends audit entries (written unlinked, ``Store/unlinkedAuditInserts(_:returningIDs:)``) with
    /// the transaction's next INSERT, UPDATE or DELETE, as data-modifying CTEs of its statement: one
    /// round trip instead of two. Before any other statement (a read must see what the transaction
    /// wrote), before a statement binding too many values with them, and before COMMIT they are
    /// sent alone. Outside a transaction, at once. Entries appended one after another go in one
    /// INSERT a city, in the order appended: the CTEs of one statement run in no set order.
    ///
    /// No entry is lost while its transaction commits: a statement that fails makes PostgreSQL
    /// abort the whole transaction (the store uses no savepoints), so the entries and the statement
    /// they went with are kept or dropped together, with everything else. One that failed before
    /// PostgreSQL saw it puts them back for the next.
    func deferAudit(_ records: [AuditRecord]) async throws {
        guard let pendingAudit else {
            for (_, statement) in Store.unlinkedAuditInserts(records, returningIDs: false) { try await send(statement) { _ in }.get() }
            return
        }
        pendingAudit.append(records)
    }

    /// Sends the audit entries still waiting, alone: before COMMIT.
    func flushPendingAudit() async throws {
        guard let records = pendingAudit?.takeAll() else { return }
        try await send(Self.alone(Self.auditWrites(records))) { _ in }.get()
    }

    var logger: Logger { kit.logger }
    var eventLoop: any EventLoop { kit.eventLoop }
    var dialect: any SQLDialect { kit.dialect }
    var version: (any SQLDatabaseReportedVersion)? { kit.version }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        guard let pendingAudit, let records = pendingAudit.takeAll() else { return send(query, onRow) }
        let writes = Self.auditWrites(records)
        // Entries whose statement failed go with the next one: if PostgreSQL saw it, the
        // transaction is aborted and nothing more commits; if not (a bind that would not encode),
        // they are still to be written.
        let restore = { (error: any Error) -> EventLoopFuture<Void> in
            pendingAudit.restore(records)
            return eventLoop.makeFailedFuture(error)
        }
        let (sql, binds) = serialize(query)
        // PostgreSQL takes at most 65,535 values a statement: far more than a write and its
        // entries bind, but a large batch goes alone rather than near that.
        guard Self.carriesWrites(sql), binds.count + records.count * Store.auditColumnCount <= 30_000 else {
            return send(Self.alone(writes)) { _ in }.flatMapError(restore).flatMap { send(query, onRow) }
        }
        return send(Self.with(writes, query), onRow).flatMapError(restore)
    }

    private static func auditWrites(_ records: [AuditRecord]) -> [any SQLExpression] {
        Store.unlinkedAuditInserts(records, returningIDs: false).map(\.statement)
    }

    /// Whether a statement may carry data-modifying CTEs: an INSERT, UPDATE or DELETE without a WITH
    /// of its own.
    private static func carriesWrites(_ sql: String) -> Bool {
        let start = sql.drop { $0.isWhitespace }.prefix(6).uppercased()
        return start == "INSERT" || start == "UPDATE" || start == "DELETE"
    }

    /// `statement` with `writes` as its CTEs, which PostgreSQL runs to completion whether or not the
    /// statement reads them.
    private static func with(_ writes: [any SQLExpression], _ statement: any SQLExpression) -> any SQLExpression {
        let named = writes.enumerated().map { offset, write -> any SQLExpression in
            let cte: SQLQueryString = "audit_\(unsafeRaw: String(offset)) AS (\(write))"
            return cte
        }
        let combined: SQLQueryString = "WITH \(SQLList(named)) \(statement)"
        return combined
    }

    /// Writes sent alone: one as it is, several as the CTEs of one statement.
    private static func alone(_ writes: [any SQLExpression]) -> any SQLExpression {
        writes.count == 1 ? writes[0] : with(writes, SQLRaw("SELECT 1"))
    }

    private func send(_ query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
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

/// The audit entries a transaction appended, waiting for a statement to go with
/// (``PostgresSQLDatabase/deferAudit(_:)``).
private final class PendingAudit: Sendable {
    private let waiting = Mutex<[AuditRecord]>([])

    func append(_ records: [AuditRecord]) { waiting.withLock { $0 += records } }

    /// Puts back entries whose statement failed, before any appended since.
    func restore(_ records: [AuditRecord]) { waiting.withLock { $0 = records + $0 } }

    func takeAll() -> [AuditRecord]? {
        waiting.withLock { waiting in
            guard !waiting.isEmpty else { return nil }
            defer { waiting = [] }
            return waiting
        }
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
