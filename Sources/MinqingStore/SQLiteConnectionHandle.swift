import Foundation
import Logging
import NIOCore
import SQLKit
import SQLiteKit
import VaporCSQLite

/// An error that SQLite reported, with its result code.
public struct SQLiteFailure: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String

    public var description: String { "SQLite error \(code): \(message)" }
}

/// One `sqlite3` connection (the library sqlite-nio bundles) and its prepared statements, called
/// synchronously. Not safe to call from two threads at once: ``SQLiteBackend`` calls each of its
/// connections from that connection's own thread, one caller at a time.
final class SQLiteConnectionHandle: @unchecked Sendable {
    private var connection: OpaquePointer?
    /// Prepared statements by their text, with their columns' names once a row was read. The
    /// writer's statements differ only by their number of rows, so a batch of a size seen before
    /// compiles nothing.
    private var statements: [String: PreparedStatement] = [:]
    private static let statementLimit = 1_024

    init(path: String) throws {
        var connection: OpaquePointer?
        let code = sqlite_nio_sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open \(path)"
            sqlite_nio_sqlite3_close(connection)
            throw SQLiteFailure(code: code, message: message)
        }
        self.connection = connection
    }

    /// Runs one statement; `onRow` sees each row it returns.
    func execute(_ sql: String, binds: [SQLiteData], onRow: (SQLiteResultRow) -> Void) throws {
        guard let connection else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the database is closed") }
        let prepared = try prepared(sql, on: connection)
        let statement = prepared.statement
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (offset, value) in binds.enumerated() {
            let code = bind(value, at: Int32(offset + 1), to: statement)
            guard code == SQLITE_OK else { throw failure(code, on: connection) }
        }
        while true {
            let code = sqlite_nio_sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code, on: connection) }
            let shape = prepared.columns(of: statement)
            var values: [SQLiteData] = []
            values.reserveCapacity(shape.names.count)
            for column in 0..<Int32(shape.names.count) { values.append(value(of: statement, at: column)) }
            onRow(SQLiteResultRow(columns: shape, values: values))
        }
    }

    /// The rowid of the last row the connection's last INSERT wrote.
    var lastInsertedRowID: Int64 { connection.map { sqlite_nio_sqlite3_last_insert_rowid($0) } ?? 0 }

    func close() {
        for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
        statements = [:]
        sqlite_nio_sqlite3_close_v2(connection)
        connection = nil
    }

    private func prepared(_ sql: String, on connection: OpaquePointer) throws -> PreparedStatement {
        if let prepared = statements[sql] { return prepared }
        if statements.count >= Self.statementLimit {
            for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
            statements = [:]
        }
        var statement: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code, on: connection) }
        let prepared = PreparedStatement(statement: statement)
        statements[sql] = prepared
        return prepared
    }

    private func bind(_ value: SQLiteData, at index: Int32, to statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let integer): return sqlite_nio_sqlite3_bind_int64(statement, index, Int64(integer))
        case .float(let double): return sqlite_nio_sqlite3_bind_double(statement, index, double)
        case .null: return sqlite_nio_sqlite3_bind_null(statement, index)
        case .text(var text):
            return text.withUTF8 { bytes in
                // An empty buffer may have no address, and a null pointer would bind NULL.
                guard let base = bytes.baseAddress else {
                    return sqlite_nio_sqlite3_bind_text64(statement, index, "", 0, transient, UInt8(SQLITE_UTF8))
                }
                return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    sqlite_nio_sqlite3_bind_text64(statement, index, $0, UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
                }
            }
        case .blob(let buffer):
            return buffer.withUnsafeReadableBytes { bytes in
                guard let base = bytes.baseAddress else { return sqlite_nio_sqlite3_bind_zeroblob(statement, index, 0) }
                return sqlite_nio_sqlite3_bind_blob64(statement, index, base, UInt64(bytes.count), transient)
            }
        }
    }

    private func value(of statement: OpaquePointer, at column: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let blob = sqlite_nio_sqlite3_column_blob(statement, column) { buffer.writeBytes(UnsafeRawBufferPointer(start: blob, count: count)) }
            return .blob(buffer)
        default: return .null
        }
    }

    private func failure(_ code: Int32, on connection: OpaquePointer) -> SQLiteFailure {
        SQLiteFailure(code: code, message: String(cString: sqlite_nio_sqlite3_errmsg(connection)))
    }
}

/// A prepared statement and the names of its result's columns, read from the first row it returned
/// and read again whenever SQLite prepared the statement anew (after a change of schema, which may
/// change what `SELECT *` returns).
private final class PreparedStatement {
    let statement: OpaquePointer
    private var columns: (names: SQLiteResultRow.Columns, preparedAgain: Int32)?

    init(statement: OpaquePointer) { self.statement = statement }

    func columns(of statement: OpaquePointer) -> SQLiteResultRow.Columns {
        let preparedAgain = sqlite_nio_sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_REPREPARE, 0)
        if let columns, columns.preparedAgain == preparedAgain { return columns.names }
        let found = SQLiteResultRow.Columns(statement: statement)
        columns = (found, preparedAgain)
        return found
    }
}

/// SQLite copies bound values before the bind call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A row that ``SQLiteConnectionHandle`` read, decoded as sqlite-kit decodes its rows.
struct SQLiteResultRow: SQLRow {
    /// A statement's column names, shared by its rows.
    final class Columns: Sendable {
        let names: [String]
        let positions: [String: Int]

        init(statement: OpaquePointer) {
            let names = (0..<sqlite_nio_sqlite3_column_count(statement)).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
            self.names = names
            positions = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    let columns: Columns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.positions[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        columns.positions[column].map { values[$0] == .null } ?? true
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let position = columns.positions[column] else {
            throw DecodingError.keyNotFound(SQLiteColumnKey(stringValue: column), .init(codingPath: [], debugDescription: "no column \(column)"))
        }
        let value = values[position]
        // The types rows are read as, without the Decoder machinery (a fifth of reading a thousand cases).
        switch value {
        case .text(let text): if let result = text as? D { return result }
        case .integer(let integer):
            if let result = Int64(integer) as? D { return result }
            if let result = integer as? D { return result }
        case .float(let double): if let result = double as? D { return result }
        case .null: if let optional = D.self as? any ExpressibleByNilLiteral.Type { return optional.init(nilLiteral: ()) as! D }
        case .blob: break
        }
        return try SQLiteSQLDatabase.decoder.decode(D.self, from: value)
    }
}

private struct SQLiteColumnKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// SQLKit over ``SQLiteConnectionHandle``: each statement runs at once on the calling thread, which
/// ``SQLiteBackend`` makes its own thread.
struct SQLiteSQLDatabase: SQLDatabase {
    static let encoder = SQLiteDataEncoder()
    static let decoder = SQLiteDataDecoder()

    let handle: SQLiteConnectionHandle
    let logger: Logger
    let eventLoop: any EventLoop
    /// The writer's memory between transactions; `nil` on the reader.
    let memo: SQLiteWriterMemo?

    var dialect: any SQLDialect { SQLiteDialect() }

    /// `PRAGMA data_version`: it changes when another connection commits, never for this one's own.
    func dataVersion() throws -> Int64 {
        var version: Int64 = 0
        try handle.execute("PRAGMA data_version", binds: []) { row in
            if case .integer(let value) = row.values[0] { version = Int64(value) }
        }
        return version
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeCompletedFuture { try run(query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    /// Runs an INSERT whose text is fixed, its values bound as SQLite's own, past SQLKit's
    /// serialisation: for the writer's busiest statement, the audit entry of every write. Returns
    /// the rowid of the last row it wrote; so only for an INSERT that writes every row it is given or
    /// fails (no `OR IGNORE`, no `ON CONFLICT`, no `SELECT`), or the rowid would be an earlier one's.
    func insert(_ sql: String, binds: [SQLiteData]) throws -> Int64 {
        logger.debug("\(sql)")
        try handle.execute(sql, binds: binds) { _ in }
        return handle.lastInsertedRowID
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        let (sql, binds) = serialize(query)
        logger.debug("\(sql)")
        try handle.execute(sql, binds: try binds.map(Self.data)) { onRow($0) }
    }

    /// A bind as sqlite-kit's encoder makes it, the store's usual types without its protocol casts.
    /// (A bound optional holding a value casts to the value; one holding `nil` is NULL.)
    private static func data(_ value: any Encodable) throws -> SQLiteData {
        switch value {
        case let text as String: .text(text)
        case let integer as Int64: .integer(Int(integer))
        case let integer as Int: .integer(integer)
        case let double as Double: .float(double)
        // Any optional holding nothing (the cast to `String?` takes every `nil`), which the encoder
        // would also write as NULL, more slowly.
        case let text as String?: SQLiteData(nullable: text)
        default: try encoder.encode(value)
        }
    }
}

extension SQLiteData {
    /// Text, or NULL for `nil`.
    init(nullable text: String?) { self = text.map(SQLiteData.text) ?? .null }
}

/// What the store remembers of the database between the writer's transactions, to spare a read in
/// each (the head of each city's audit chain). All of it is forgotten when another connection has
/// committed since (another process, a command run beside the server: `PRAGMA data_version` tells),
/// and what a transaction remembered is kept only if it commits. Used only on the writer's thread,
/// one transaction at a time.
///
/// It holds only while what it remembers is written through the code that remembers it: the audit
/// log only through `appendAudit`. A statement of this process that wrote the log otherwise (the
/// tamper tests do, and append nothing after) would have the next entry linked to the remembered
/// head: a fork, which `minqing audit verify` reports.
final class SQLiteWriterMemo: @unchecked Sendable {
    private var dataVersion: Int64?
    private var committed: [String: String] = [:]
    private var pending: [String: String] = [:]

    /// At the start of a transaction, once it holds the write lock. What a transaction that did not
    /// commit remembered is dropped here.
    func begin(dataVersion: Int64) {
        if dataVersion != self.dataVersion { committed = [:] }
        self.dataVersion = dataVersion
        pending = [:]
    }

    func value(for key: String) -> String? { pending[key] ?? committed[key] }

    /// Kept if the transaction commits.
    func remember(_ value: String, for key: String) { pending[key] = value }

    func commit() {
        committed.merge(pending) { $1 }
        pending = [:]
    }
}
