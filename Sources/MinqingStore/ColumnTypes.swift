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
