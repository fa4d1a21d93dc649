import SQLKit

/// The only place where the two dialects' SQL differs: column types and the auto-increment key.
/// Times are stored as BIGINT milliseconds since 1970 in both, so deadlines sort and index alike.
struct ColumnTypes {
    let dialect: Dialect

    var serialKey: String {
        dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    }
    var bigint: String { dialect == .sqlite ? "INTEGER" : "BIGINT" }
    var double: String { dialect == .sqlite ? "REAL" : "DOUBLE PRECISION" }
    var blob: String { dialect == .sqlite ? "BLOB" : "BYTEA" }
    var boolean: String { dialect == .sqlite ? "INTEGER" : "BOOLEAN" }
    var text: String { "TEXT" }
}

extension ColumnTypes {
    /// Takes `count` new ids, in increasing order, of a table with a serial key, for rows inserted many
    /// at once with their ids given: each row's id is known before it is written, and ids follow the
    /// order of the rows. SQLite: past the largest id, safe because its writers take turns (`BEGIN
    /// IMMEDIATE`). PostgreSQL: from the identity's sequence, safe across processes.
    func reserveIDs(_ table: String, count: Int, db: any SQLDatabase) async throws -> [Int64] {
        switch dialect {
        case .sqlite:
            let row = try await db.raw("SELECT COALESCE(MAX(id), 0) AS id FROM \(ident: table)").first()
            let last = try row?.decode(column: "id", as: Int64.self) ?? 0
            return Array(last + 1...last + Int64(count))
        case .postgres:
            let rows = try await db.raw(
                "SELECT nextval(pg_get_serial_sequence(\(bind: table), 'id')) AS id FROM generate_series(1, \(bind: count))"
            ).all()
            return try rows.map { try $0.decode(column: "id", as: Int64.self) }.sorted()
        }
    }

    /// After a bulk load: PostgreSQL's planner statistics, which autovacuum would otherwise bring up
    /// to date some time later, while the first queries run. SQLite keeps none unless asked
    /// (`ANALYZE` writes sqlite_stat1, which then steers every plan): none are made, and the plans
    /// stay those the indexes give.
    var statisticsRefresh: String? { dialect == .postgres ? "ANALYZE" : nil }

    /// A lock that keeps every other writer out of these tables until the transaction ends, readers
    /// not: PostgreSQL's EXCLUSIVE table lock. SQLite's writers already take turns (`BEGIN IMMEDIATE`).
    /// The names are the store's own, never input.
    func lockForWriting(_ tables: [String]) -> String? {
        dialect == .postgres ? "LOCK TABLE \(tables.joined(separator: ", ")) IN EXCLUSIVE MODE" : nil
    }

    /// What an INSERT naming the ids of an identity column needs in PostgreSQL.
    var givenIdentity: String { dialect == .postgres ? "OVERRIDING SYSTEM VALUE" : "" }

    /// After rows were inserted with their ids given: the identity's next value follows the largest
    /// (PostgreSQL; SQLite's AUTOINCREMENT follows by itself).
    func advanceIdentity(_ table: String, db: any SQLDatabase) async throws {
        guard dialect == .postgres else { return }
        try await db.raw(
            "SELECT setval(pg_get_serial_sequence(\(bind: table), 'id'), (SELECT COALESCE(MAX(id), 1) FROM \(ident: table)))"
        ).run()
    }
}
