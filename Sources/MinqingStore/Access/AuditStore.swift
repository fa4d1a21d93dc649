import Crypto
import Foundation
import MinqingCore
import SQLKit
import SQLiteKit
import Synchronization

/// What a walk along the audit chain found.
public struct AuditVerification: Sendable, Hashable {
    /// Where the chain breaks, and why.
    public struct Break: Sendable, Hashable {
        public var id: Int64
        public var reason: String
    }

    /// Entries that hold, before the first break.
    public var checked: Int
    /// The first entry where the chain breaks; `nil` when the whole chain holds.
    public var firstBreak: Break?
    /// Entries after the chain's head, written by transactions that were still running when the
    /// walk linked the log (PostgreSQL only, see ``Store/linkAudit(city:)``); the next walk checks them.
    public var pending = 0
}

/// An entry of the audit log as a search finds it.
public struct AuditEntry: Sendable, Hashable {
    public var id: Int64
    public var record: AuditRecord
}

/// What an auditor searches the log for; every part optional, all of them must match.
public struct AuditQuery: Sendable, Hashable {
    public var actor: String?
    public var action: String?
    public var target: String?
    /// Entries at or after this time.
    public var from: Date?
    /// Entries before this time.
    public var to: Date?
    public var page = 1
    public var perPage = 100

    public init(
        actor: String? = nil,
        action: String? = nil,
        target: String? = nil,
        from: Date? = nil,
        to: Date? = nil,
        page: Int = 1,
        perPage: Int = 100
    ) {
        self.actor = actor
        self.action = action
        self.target = target
        self.from = from
        self.to = to
        self.page = page
        self.perPage = perPage
    }
}

extension Store {
    /// A page of a city's audit entries matching the query, newest first, with the total.
    public func searchAudit(city: String, _ query: AuditQuery) async throws -> (total: Int, entries: [AuditEntry]) {
        try await backend.read { db in
            let count = try await Self.auditFilter(db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n"), city: city, query).first()
            let rows = try await Self.auditPage(db, city: city, query).all()
            return (
                try count?.decode(column: "n", as: Int.self) ?? 0,
                try rows.map { AuditEntry(id: try $0.decode(column: "id", as: Int64.self), record: try Self.auditRecord($0, city: city)) }
            )
        }
    }

    /// The entries of a search's page, newest first.
    static func auditPage(_ db: any SQLDatabase, city: String, _ query: AuditQuery) -> SQLSelectBuilder {
        auditFilter(
            db.select().columns("id", "at", "actor", "action", "target", "area_code", "purpose", "address", "outcome", "detail"),
            city: city,
            query
        )
        .orderBy("id", .descending).limit(query.perPage).offset((query.page - 1) * query.perPage)
    }

    private static func auditFilter(_ select: SQLSelectBuilder, city: String, _ query: AuditQuery) -> SQLSelectBuilder {
        var select = select.from("audit_log").where("city_code", .equal, city)
        if let actor = query.actor { select = select.where("actor", .equal, actor) }
        if let action = query.action { select = select.where("action", .equal, action) }
        if let target = query.target { select = select.where("target", .equal, target) }
        if let from = query.from { select = select.where("at", .greaterThanOrEqual, Int64((from.timeIntervalSince1970 * 1000).rounded())) }
        if let to = query.to { select = select.where("at", .lessThan, Int64((to.timeIntervalSince1970 * 1000).rounded())) }
        return select
    }

    /// The hash of a city's last entry: the head its next entry links to (SQLite; PostgreSQL's
    /// linker keeps its own).
    static func chainHead(city: String) -> SQLQueryString {
        "SELECT hash FROM audit_log WHERE city_code = \(bind: city) ORDER BY id DESC LIMIT 1"
    }

    /// The head of a city's chain as the linker last recorded it (PostgreSQL, ``linkAudit(city:)``):
    /// it links only past it, so an entry at or before it found unlinked again had its link erased,
    /// and is reported, never linked again with whatever it then says. A log linked before the
    /// linker existed has no record yet: its head is its last linked entry.
    func chainMark(city: String, db: any SQLDatabase) async throws -> (id: Int64, hash: String)? {
        guard dialect == .postgres else { return nil }
        var row = try await db.raw("SELECT id, hash FROM audit_chain_heads WHERE city_code = \(bind: city)").first()
        if row == nil {
            row = try await db.raw(
                "SELECT id, hash FROM audit_log WHERE city_code = \(bind: city) AND hash <> \(bind: Self.unlinked) ORDER BY id DESC LIMIT 1"
            ).first()
        }
        guard let row else { return nil }
        return (try row.decode(column: "id", as: Int64.self), try row.decode(column: "hash", as: String.self))
    }

    /// A city's entries after `after`, oldest first, as a walk along the chain reads them.
    static func chainAfter(city: String, after: Int64) -> SQLQueryString {
        """
        SELECT id, at, actor, action, target, area_code, purpose, address, outcome, detail, previous_hash, hash
        FROM audit_log WHERE city_code = \(bind: city) AND id > \(bind: after) ORDER BY id LIMIT 5000
        """
    }

    static func auditRecord(_ row: any SQLRow, city: String) throws -> AuditRecord {
        AuditRecord(
            at: try row.decode(column: "at", as: Int64.self),
            cityCode: city,
            actor: try row.decode(column: "actor", as: String.self),
            action: try row.decode(column: "action", as: String.self),
            target: try row.decode(column: "target", as: String.self),
            areaCode: try row.decode(column: "area_code", as: String?.self),
            purpose: try row.decode(column: "purpose", as: String?.self),
            address: try row.decode(column: "address", as: String?.self),
            outcome: try row.decode(column: "outcome", as: String.self),
            detail: try row.decode(column: "detail", as: String?.self)
        )
    }

    /// Appends one entry inside the caller's transaction.
    func appendAudit(_ record: AuditRecord, db: any SQLDatabase) async throws {
        try await appendAudit([record], db: db)
    }

    /// Appends entries inside the caller's transaction. Each is chained to its city's previous entry:
    /// hash = SHA-256(previous hash, newline, canonical entry).
    ///
    /// When depends on the database. SQLite's writer already takes one transaction at a time, so its
    /// entries are linked here, at no cost in waiting: a batch costs one insert and at most one read
    /// of the chain's head, which the writer remembers from its last append while no other connection
    /// has written. On PostgreSQL, linking here would have each audited transaction of a city hold
    /// the chain until its commit was on disk, so that they committed one at a time and never shared
    /// a flush (half the throughput, BENCHMARKS.md). There the entries are written unlinked
    /// (``unlinked``), and ``linkAudit(city:)`` chains them in id order a moment later, a batch at a
    /// time. A writer takes the city's chain lock (shared: writers never wait for each other) before
    /// its entries get their ids, and holds it until it commits: when the transactions holding it
    /// have ended, the linker knows that every id given out before is committed or gone. And they go
    /// to PostgreSQL with the transaction's next write, as a part of its statement, a round trip less
    /// (``PostgresSQLDatabase/deferAudit(_:)``): a write appends its entry before one of its writes.
    /// From then to its commit it holds the city's chain lock, shared.
    func appendAudit(_ records: [AuditRecord], db: any SQLDatabase) async throws {
        guard auditing, !records.isEmpty else { return }
        guard dialect == .postgres, let postgres = db as? PostgresSQLDatabase else {
            _ = try await appendAuditReturningIDs(records, db: db)
            return
        }
        unlinkedAuditCities.withLock { $0.formUnion(records.map(\.cityCode)) }
        try await postgres.deferAudit(records)
    }

    /// Appends entries as ``appendAudit(_:db:)`` does, but at once on PostgreSQL too, and returns
    /// their ids in the order given: for a write that refers to them.
    func appendAuditReturningIDs(_ records: [AuditRecord], db: any SQLDatabase) async throws -> [Int64] {
        guard auditing, !records.isEmpty else { return [] }
        if dialect == .sqlite {
            guard let sqlite = db as? SQLiteSQLDatabase else { throw StoreError.invalidConfiguration("a SQLite store was given another database") }
            return try await Self.appendLinkedAudit(records, on: sqlite)
        }
        unlinkedAuditCities.withLock { $0.formUnion(records.map(\.cityCode)) }
        var ids = [Int64](repeating: 0, count: records.count)
        for (positions, statement) in Self.unlinkedAuditInserts(records, returningIDs: true) {
            // PostgreSQL's identity numbers a statement's rows in order.
            let inserted = try await db.raw(statement).all().map { try $0.decode(column: "id", as: Int64.self) }.sorted()
            for (position, id) in zip(positions, inserted) { ids[position] = id }
        }
        return ids
    }

    /// PostgreSQL's statements writing entries unlinked, one a city, with the positions of its
    /// entries among `records`. The chain's lock is taken in the insert's own statement: the rows
    /// are read from the join with the lock's one row, so the lock is held before any of them is
    /// given its id.
    static func unlinkedAuditInserts(_ records: [AuditRecord], returningIDs: Bool) -> [(positions: [Int], statement: SQLQueryString)] {
        Set(records.map(\.cityCode)).sorted().map { city in
            let positions = records.indices.filter { records[$0].cityCode == city }
            let rows = positions.map { position in
                let record = records[position]
                return SQLGroupExpression([
                    SQLBind(record.cityCode), SQLBind(record.at), SQLBind(record.actor), SQLBind(record.action), SQLBind(record.target),
                    SQLBind(record.areaCode), SQLBind(record.purpose), SQLBind(record.address), SQLBind(record.outcome),
                    SQLBind(record.detail), SQLBind(Self.unlinked), SQLBind(Self.unlinked),
                ])
            }
            let returning: SQLQueryString = returningIDs ? " RETURNING id" : ""
            let statement: SQLQueryString = """
                WITH chain_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(hashtext(\(bind: Self.chainLock(city)))) AS held)
                INSERT INTO audit_log (\(unsafeRaw: Self.auditColumns)) SELECT entry.* FROM chain_lock, (VALUES \(SQLList(rows))) AS entry (\(unsafeRaw: Self.auditColumns))\(returning)
                """
            return (positions, statement)
        }
    }

    /// The columns an entry is written in, in the order of its values.
    private static let auditColumns = "city_code, at, actor, action, target, area_code, purpose, address, outcome, detail, previous_hash, hash"
    /// The values an entry binds.
    static let auditColumnCount = auditColumns.split(separator: ",").count

    /// SQLite's append: each entry linked to the one before it as it is written (the writer takes one
    /// transaction at a time), the chain's head remembered by the writer between transactions while no
    /// other connection writes. The insert is the writer's busiest statement, one in every audited
    /// write, so its text is fixed and its values are bound as SQLite's own, past SQLKit's
    /// serialisation; and it has no `RETURNING`, which would have SQLite keep a statement journal
    /// even for one row (a multi-row insert keeps one anyway): the ids come from the last row's.
    /// SQLite numbers a statement's rows in the order written, each past every id ever used
    /// (AUTOINCREMENT), so a city's rows have consecutive ids.
    private static func appendLinkedAudit(_ records: [AuditRecord], on db: SQLiteSQLDatabase) async throws -> [Int64] {
        var ids = [Int64](repeating: 0, count: records.count)
        let cities = records.allSatisfy { $0.cityCode == records[0].cityCode } ? [records[0].cityCode] : Set(records.map(\.cityCode)).sorted()
        for city in cities {
            let positions = cities.count == 1 ? Array(records.indices) : records.indices.filter { records[$0].cityCode == city }
            let chainKey = chainLock(city)
            var previous: String
            if let remembered = db.memo?.value(for: chainKey) {
                previous = remembered
            } else {
                previous = try await db.raw(chainHead(city: city)).first()?.decode(column: "hash", as: String.self) ?? ""
            }
            var binds: [SQLiteData] = []
            binds.reserveCapacity(positions.count * auditColumnCount)
            for position in positions {
                let record = records[position]
                let hash = chain(previous, record)
                let values: [SQLiteData] = [
                    .text(record.cityCode), .integer(Int(record.at)), .text(record.actor), .text(record.action), .text(record.target),
                    SQLiteData(nullable: record.areaCode), SQLiteData(nullable: record.purpose), SQLiteData(nullable: record.address),
                    .text(record.outcome), SQLiteData(nullable: record.detail), .text(previous), .text(hash),
                ]
                binds.append(contentsOf: values)
                previous = hash
            }
            let last = try db.insert(positions.count == 1 ? sqliteAuditInsert : sqliteAuditInsert(rows: positions.count), binds: binds)
            for (offset, position) in positions.enumerated() { ids[position] = last - Int64(positions.count - 1 - offset) }
            db.memo?.remember(previous, for: chainKey)
        }
        return ids
    }

    private static let sqliteAuditInsert = sqliteAuditInsert(rows: 1)

    private static func sqliteAuditInsert(rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: auditColumnCount).joined(separator: ", ") + ")"
        return "INSERT INTO audit_log (\(auditColumns)) VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
    }

    /// The link and hash of an entry written but not yet linked to the chain (PostgreSQL). No
    /// linked entry has it: a hash is 64 hexadecimal digits.
    static let unlinked = ""

    /// The lock a city's appenders hold (shared) while they write, watched by ``linkAudit(city:)``.
    static func chainLock(_ city: String) -> String { "audit:\(city)" }

    /// How many entries one linking transaction links at most.
    static let linkBatch = 5000

    /// Links a city's entries written unlinked (PostgreSQL; SQLite links each as it is written, and
    /// has none) in id order, each taking the hash of the entry before it as its link, in
    /// transactions of `linkBatch` entries. Returns how many it linked and the id of the chain's
    /// head after (0 when no entry is linked). Entries of transactions still running are left for
    /// the next call; so is everything, when a transaction writing to the log runs longer than a
    /// moment (a long import). No writer ever waits for the linker.
    ///
    /// Safe beside other linkers, in this process or another: they take turns on a lock of their own.
    @discardableResult
    public func linkAudit(city: String) async throws -> (linked: Int, head: Int64) {
        guard dialect == .postgres else {
            // Each entry was linked by the transaction that wrote it: one found unlinked was erased,
            // which `verifyAudit` reports rather than links.
            let last = try await backend.read { db in
                try await db.raw("SELECT MAX(id) AS id FROM audit_log WHERE city_code = \(bind: city)").first()?.decode(column: "id", as: Int64?.self)
            }
            return (0, last ?? 0)
        }
        // Nothing to do while the city's last entry is linked: the usual case, and a read.
        let last = try await backend.read { db in
            try await db.raw("SELECT id, hash FROM audit_log WHERE city_code = \(bind: city) ORDER BY id DESC LIMIT 1").first()
        }
        guard let last else { return (0, 0) }
        if try last.decode(column: "hash", as: String.self) != Self.unlinked {
            return (0, try last.decode(column: "id", as: Int64.self))
        }
        guard let horizon = try await settledAuditID(city: city) else {
            return (0, try await backend.read { try await self.chainMark(city: city, db: $0)?.id ?? 0 })
        }
        var total = 0
        while true {
            let (linked, head) = try await linkAuditBatch(city: city, through: horizon)
            total += linked
            if linked < Self.linkBatch { return (total, head) }
        }
    }

    /// Links the next `linkBatch` unlinked entries of the city up to `horizon`, in one transaction,
    /// and records the chain's new head.
    private func linkAuditBatch(city: String, through horizon: Int64) async throws -> (linked: Int, head: Int64) {
        try await backend.transaction { db in
            try await serialize(db, on: "audit-link:\(city)")
            let head = try await chainMark(city: city, db: db)
            var headID = head?.id ?? 0
            var previous = head?.hash ?? ""
            let rows = try await db.raw(
                """
                SELECT id, at, actor, action, target, area_code, purpose, address, outcome, detail FROM audit_log
                WHERE city_code = \(bind: city) AND id > \(bind: headID) AND id <= \(bind: horizon) ORDER BY id LIMIT \(bind: Self.linkBatch)
                """
            ).all()
            guard !rows.isEmpty else { return (0, headID) }
            var links: [any SQLExpression] = []
            links.reserveCapacity(rows.count)
            for row in rows {
                let hash = Self.chain(previous, try Self.auditRecord(row, city: city))
                headID = try row.decode(column: "id", as: Int64.self)
                links.append(SQLGroupExpression([SQLQueryString("CAST(\(bind: headID) AS BIGINT)"), SQLBind(previous), SQLBind(hash)]))
                previous = hash
            }
            try await db.raw(
                """
                WITH link (id, previous_hash, hash) AS (VALUES \(SQLList(links)))
                UPDATE audit_log SET previous_hash = link.previous_hash, hash = link.hash FROM link
                WHERE audit_log.id = link.id AND audit_log.hash = \(bind: Self.unlinked)
                """
            ).run()
            try await db.raw(
                """
                INSERT INTO audit_chain_heads (city_code, id, hash) VALUES (\(bind: city), \(bind: headID), \(bind: previous))
                ON CONFLICT (city_code) DO UPDATE SET id = excluded.id, hash = excluded.hash
                """
            ).run()
            return (rows.count, headID)
        }
    }

    /// An id below which no entry of the city can still appear (PostgreSQL): every transaction that
    /// could have written one has ended. Ids are taken in one order and committed in another, so it
    /// is the last id the log's sequence gave out, once the transactions then holding
    /// the city's chain lock (which the statement writing an entry takes before its id,
    /// ``unlinkedAuditInserts(_:returningIDs:)``)
    /// have ended. Nobody waits for the linker meanwhile: it watches `pg_locks` for them to end.
    /// If they are still running after `wait` (a long import), it returns `nil`: the next pass
    /// tries again.
    private func settledAuditID(city: String, wait: Duration = .milliseconds(500)) async throws -> Int64? {
        try await backend.read { db in
            // First the last id given out, then who holds the lock: a writer that took an id by then
            // held the lock before, so it holds it still or has ended.
            // (The sequence hands out one id at a time, as an identity does unless told to cache:
            // with a cache, a session could still give out ids below this one without the lock.)
            let last = try await db.raw("SELECT pg_sequence_last_value(pg_get_serial_sequence('audit_log', 'id')::regclass) AS id").first()?
                .decode(column: "id", as: Int64?.self)
            guard let last else { throw StoreError.invalidConfiguration("the audit log has entries but its id sequence gave out none") }
            let holders = try await db.raw(Self.chainLockHolders(city: city, among: nil)).all().map {
                try $0.decode(column: "virtualtransaction", as: String.self)
            }
            guard !holders.isEmpty else { return last }
            // Reading pg_locks locks the whole lock table for a moment: a few looks, further apart.
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: wait)
            var pause = Duration.milliseconds(2)
            while clock.now < deadline {
                try await Task.sleep(for: pause)
                if try await db.raw(Self.chainLockHolders(city: city, among: holders)).first() == nil { return last }
                pause = min(pause * 2, .milliseconds(50))
            }
            return nil
        }
    }

    /// The transactions holding the city's chain lock in this database (of those `among`, if given).
    /// `pg_advisory_xact_lock_shared` on a bigint shows in `pg_locks` as its high and low halves.
    private static func chainLockHolders(city: String, among: [String]?) -> SQLQueryString {
        var query: SQLQueryString = """
            SELECT virtualtransaction FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 1 AND granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND ((classid::bigint << 32) | objid::bigint) = hashtext(\(bind: chainLock(city)))::bigint
            """
        if let among { query = query + " AND virtualtransaction = ANY(\(bind: among))" }
        return query
    }

    /// Links every entry of the city that can be linked now; returns the chain's head after.
    func linkAllAudit(city: String) async throws -> Int64 {
        var tries = 0
        while true {
            let (linked, head) = try await linkAudit(city: city)
            // Entries left unlinked (their transactions were still running): a few more tries.
            guard linked == 0, tries < 3, try await hasUnlinkedAudit(city: city, after: head) else { return head }
            tries += 1
        }
    }

    /// The cities this process has written unlinked entries for since it started.
    public func auditCitiesWritten() -> Set<String> { unlinkedAuditCities.withLock { $0 } }

    private func hasUnlinkedAudit(city: String, after head: Int64) async throws -> Bool {
        try await backend.read { db in
            try await db.raw(
                "SELECT id FROM audit_log WHERE city_code = \(bind: city) AND id > \(bind: head) AND hash = \(bind: Self.unlinked) LIMIT 1"
            ).first() != nil
        }
    }

    /// Appends one entry in a transaction of its own.
    public func audit(_ record: AuditRecord) async throws {
        _ = try await backend.transaction { try await appendAudit(record, db: $0) }
    }

    static func chain(_ previous: String, _ record: AuditRecord) -> String {
        hexSHA256(Array((previous + "\n" + record.canonical).utf8))
    }

    static let headGone = "the chain's recorded head is gone: entries at the chain's end were deleted"

    /// Every city with audit entries.
    public func auditedCities() async throws -> [String] {
        try await backend.read { db in
            // On PostgreSQL also a city whose whole log was deleted: its recorded head remains.
            let heads: SQLQueryString = dialect == .postgres ? " UNION SELECT city_code FROM audit_chain_heads" : ""
            return try await db.raw("SELECT DISTINCT city_code FROM audit_log" + heads + " ORDER BY city_code").all().map {
                try $0.decode(column: "city_code", as: String.self)
            }
        }
    }

    /// Links what can be linked (``linkAudit(city:)``), then walks a city's chain from the first
    /// entry: an edited entry no longer matches its hash; an inserted or deleted one breaks the link
    /// to the entry before it; one left unlinked before the chain's head had its link erased. The
    /// entries after the head, which transactions still running when it was linked wrote, are
    /// counted as pending. On PostgreSQL the head the linker recorded must be there, unchanged:
    /// entries deleted from the chain's end, or the last one edited with its hash made again,
    /// break the chain too.
    public func verifyAudit(city: String) async throws -> AuditVerification {
        let linked = try await linkAllAudit(city: city)
        let mark = try await backend.read { try await self.chainMark(city: city, db: $0) }
        // Another linker may have moved the head on since.
        let linkedHead = max(linked, mark?.id ?? 0)
        var checked = 0
        var previous = ""
        var after: Int64 = 0
        while true {
            let rows = try await backend.read { db in try await db.raw(Self.chainAfter(city: city, after: after)).all() }
            if rows.isEmpty {
                if let mark, mark.id > after {
                    return AuditVerification(checked: checked, firstBreak: .init(id: mark.id, reason: Self.headGone))
                }
                return AuditVerification(checked: checked, firstBreak: nil)
            }
            for row in rows {
                let id = try row.decode(column: "id", as: Int64.self)
                let record = try Self.auditRecord(row, city: city)
                let link = try row.decode(column: "previous_hash", as: String.self)
                if link == Self.unlinked, try row.decode(column: "hash", as: String.self) == Self.unlinked {
                    guard id > linkedHead else {
                        return AuditVerification(
                            checked: checked,
                            firstBreak: .init(id: id, reason: "is not linked to the chain though the chain was linked past it: its link was erased")
                        )
                    }
                    if let mark, mark.id > after {
                        return AuditVerification(checked: checked, firstBreak: .init(id: mark.id, reason: Self.headGone))
                    }
                    let pending = try await backend.read { db in
                        try await db.raw("SELECT COUNT(*) AS n FROM audit_log WHERE city_code = \(bind: city) AND id >= \(bind: id)").first()?
                            .decode(column: "n", as: Int.self) ?? 0
                    }
                    return AuditVerification(checked: checked, firstBreak: nil, pending: pending)
                }
                guard link == previous else {
                    return AuditVerification(
                        checked: checked,
                        firstBreak: .init(id: id, reason: "does not follow the entry before it: an entry was deleted or inserted")
                    )
                }
                let hash = try row.decode(column: "hash", as: String.self)
                guard hash == Self.chain(previous, record) else {
                    return AuditVerification(checked: checked, firstBreak: .init(id: id, reason: "does not match its own content: it was edited"))
                }
                if let mark, mark.id == id, mark.hash != hash {
                    let reason = "does not match the chain's recorded head: it was edited and its hash made again"
                    return AuditVerification(checked: checked, firstBreak: .init(id: id, reason: reason))
                }
                previous = hash
                after = id
                checked += 1
            }
        }
    }
}
