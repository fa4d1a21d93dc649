import Logging
import SQLKit
import ServiceLifecycle

/// The two SQL engines Minqing runs on; SQL that differs between them lives in ``ColumnTypes``.
public enum Dialect: String, Sendable {
    case sqlite
    case postgres
}

/// A database connection source: SQLite (a writing and a reading connection, each serialised) or
/// PostgreSQL (a pool).
/// A `Service`: in the server's service group it runs for the life of the process and closes its
/// connections on shutdown.
public protocol DatabaseBackend: Service {
    var dialect: Dialect { get }
    /// Runs `body` inside one transaction on one connection; rolls back if it throws. Returns once
    /// the transaction is committed, perhaps before it is on disk: the caller acknowledges nothing
    /// before ``Durability/wait()`` returns. A writer that batches (group commit) starts its next
    /// batch meanwhile.
    func committedTransaction<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> (value: T, durability: Durability)
    /// Runs `body` to read; returns once what it may have read is on disk. On SQLite it runs on the
    /// reading connection in one read transaction (one snapshot for all its statements, and no
    /// writes); on PostgreSQL outside any explicit transaction (a snapshot per statement).
    func read<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T
}

extension DatabaseBackend {
    /// Runs `body` inside one transaction on one connection; rolls back if it throws. Returns once
    /// the transaction is committed and on disk.
    public func transaction<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        let (value, durability) = try await committedTransaction(body)
        try await durability.wait()
        return value
    }
}

/// What a committed transaction waits for before anyone hears of it: being on disk.
public struct Durability: Sendable {
    private let waitUntilDurable: @Sendable () async throws -> Void

    init(_ wait: @escaping @Sendable () async throws -> Void) { waitUntilDurable = wait }

    /// Already on disk when COMMIT returned (PostgreSQL syncs its WAL before answering).
    static let immediate = Durability {}

    public func wait() async throws { try await waitUntilDurable() }
}

/// Where the data lives, from `--data DIR` or `--database URL`.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    /// One SQLite file.
    case sqlite(path: String)
    /// A PostgreSQL server: `postgres://user:password@host:port/database`.
    case postgres(url: String)

    /// Reads a `--database` value: a postgres:// URL, or a path to a SQLite file.
    public init(argument: String) {
        if argument.hasPrefix("postgres://") || argument.hasPrefix("postgresql://") {
            self = .postgres(url: argument)
        } else {
            self = .sqlite(path: argument.hasPrefix("sqlite://") ? String(argument.dropFirst("sqlite://".count)) : argument)
        }
    }

    /// The `--database` value that names this location.
    public var argument: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url): url
        }
    }

    /// For logs: the password is never shown.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite \(path)"
        case .postgres(let url):
            // Only what follows the credentials: host, port and database.
            "postgres://" + (url.lastIndex(of: "@").map { String(url[url.index(after: $0)...]) } ?? String(url.drop { $0 != "/" }.dropFirst(2)))
        }
    }
}
