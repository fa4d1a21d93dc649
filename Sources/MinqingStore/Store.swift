import Foundation
import Logging
import MinqingCore
import SQLKit
import ServiceLifecycle
import Synchronization

/// All of Minqing's data, on SQLite or PostgreSQL through one SQL code path. A `Service`: in the
/// server's service group it keeps its connections for the life of the process.
public final class Store: Service {
    public let backend: any DatabaseBackend
    public let logger: Logger
    let types: ColumnTypes
    /// The clock that stamps rows, and every stamp the server writes; tests inject their own.
    public let now: @Sendable () -> Date
    /// Whether writes append to the audit log: always, except in the benchmark that measures what
    /// auditing costs (``withoutAuditing()``, SPI only).
    let auditing: Bool
    /// Credentials recently looked up, for this process.
    let credentials = CredentialCache()
    /// The calendar of ``calendar`` (set by ``use(calendar:)``).
    let calendarBox = Mutex(WorkingCalendar())
    /// Reports waiting for the next group commit.
    let intakeQueue = IntakeQueue()
    /// The cities this process wrote unlinked audit entries for (``linkAudit(city:)``): kept, as a
    /// pass that found nothing to link may have run before an entry's transaction committed.
    let unlinkedAuditCities = Mutex<Set<String>>([])

    public convenience init(backend: any DatabaseBackend, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.init(backend: backend, logger: logger, now: now, auditing: true)
    }

    private init(backend: any DatabaseBackend, logger: Logger, now: @escaping @Sendable () -> Date, auditing: Bool) {
        self.backend = backend
        self.logger = logger
        self.now = now
        self.auditing = auditing
        types = ColumnTypes(dialect: backend.dialect)
    }

    /// The same store writing no audit entries: for measuring the audit log's cost, never for serving.
    @_spi(Benchmarks) public func withoutAuditing() -> Store {
        Store(backend: backend, logger: logger, now: now, auditing: false)
    }

    public var dialect: Dialect { backend.dialect }

    /// Opens the database at `location`; SQLite files are created as needed.
    public static func open(_ location: DatabaseLocation, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) async throws -> Store {
        switch location {
        case .sqlite(let path):
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            return Store(backend: try await SQLiteBackend.open(path: path, logger: logger), logger: logger, now: now)
        case .postgres(let url):
            return Store(backend: try PostgresBackend(url: url, logger: logger), logger: logger, now: now)
        }
    }

    /// Opens a store, runs its connections for the duration of `body`, and closes them after:
    /// for commands that use the database without a server.
    public static func with<T: Sendable>(
        _ location: DatabaseLocation,
        logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init,
        _ body: @Sendable (Store) async throws -> T
    ) async throws -> T {
        let store = try await open(location, logger: logger, now: now)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            do {
                let result = try await body(store)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    public func run() async throws {
        try await backend.run()
    }

    /// Milliseconds since 1970, the stored form of every time.
    public var nowMilliseconds: Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded()) }

    /// Holds a lock named `key` until the transaction ends, so that writers of one thing (a city's
    /// tree, the schema) take turns across processes. SQLite needs none: `BEGIN IMMEDIATE` on its one
    /// connection already lets one writer in at a time.
    func serialize(_ db: any SQLDatabase, on key: String) async throws {
        guard dialect == .postgres else { return }
        try await db.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: key)))").run()
    }

    /// Whether the database answers.
    public func ping() async throws {
        _ = try await backend.read { try await $0.raw("SELECT 1 AS one").all() }
    }

    // MARK: Migrations

    /// Applies every migration not yet applied, each in its own transaction; returns their ids.
    /// Refuses a database that a newer version has migrated: this one would write it as the older
    /// schema's code did (an audit entry linked to one left for the newer version's linker).
    @discardableResult
    public func migrate() async throws -> [String] {
        let known = Set(Migrations.all.map(\.id))
        let unknown = try await backend.transaction { db in
            try await db.raw("CREATE TABLE IF NOT EXISTS minqing_migrations (id TEXT PRIMARY KEY, applied_at \(unsafeRaw: types.bigint) NOT NULL)")
                .run()
            return try await db.raw("SELECT id FROM minqing_migrations ORDER BY id").all().map { try $0.decode(column: "id", as: String.self) }
                .filter { !known.contains($0) }
        }
        guard unknown.isEmpty else {
            throw StoreError.invalidConfiguration(
                "a newer version of minqing has migrated this database (\(unknown.joined(separator: ", "))): run that version, on every server of the city"
            )
        }
        var applied: [String] = []
        for migration in Migrations.all {
            let done = try await backend.transaction { db -> Bool in
                try await serialize(db, on: "minqing_migrations")
                if try await db.raw("SELECT id FROM minqing_migrations WHERE id = \(bind: migration.id)").first() != nil { return false }
                for statement in migration.statements(types) {
                    try await db.raw(SQLQueryString(statement)).run()
                }
                try await db.raw("INSERT INTO minqing_migrations (id, applied_at) VALUES (\(bind: migration.id), \(bind: nowMilliseconds))").run()
                return true
            }
            if done {
                logger.info("applied migration", metadata: ["migration": "\(migration.id)"])
                applied.append(migration.id)
            }
        }
        return applied
    }

    /// Migrations the code knows that the database has not applied.
    public func pendingMigrations() async throws -> [String] {
        let rows = try await backend.read { db in
            try await db.raw("SELECT id FROM minqing_migrations").all()
        }
        let applied = Set(try rows.map { try $0.decode(column: "id", as: String.self) })
        return Migrations.all.map(\.id).filter { !applied.contains($0) }
    }
}
