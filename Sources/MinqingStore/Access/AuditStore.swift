import Crypto
import Foundation
import MinqingCore
import SQLKit

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

    /// The hash of a city's last entry: the head its next entry links to.
    static func chainHead(city: String) -> SQLQueryString {
        "SELECT hash FROM audit_log WHERE city_code = \(bind: city) ORDER BY id DESC LIMIT 1"
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

    /// Appends one entry inside the caller's transaction; returns its id.
    @discardableResult
    func appendAudit(_ record: AuditRecord, db: any SQLDatabase) async throws -> Int64 {
        try await appendAudit([record], db: db).first ?? 0
    }

    /// Appends entries inside the caller's transaction, each chained to its city's previous entry:
    /// hash = SHA-256(previous hash, newline, canonical entry). Appends of one city take turns; a
    /// batch costs one insert however many entries it holds, and one read of the chain's head,
    /// which SQLite's writer remembers from its last append while no other connection has written.
    /// Returns the entries' ids in the order given.
    @discardableResult
    func appendAudit(_ records: [AuditRecord], db: any SQLDatabase) async throws -> [Int64] {
        guard auditing, !records.isEmpty else { return [] }
        let memo = (db as? SQLiteSQLDatabase)?.memo
        var ids = [Int64](repeating: 0, count: records.count)
        for city in Set(records.map(\.cityCode)).sorted() {
            let positions = records.indices.filter { records[$0].cityCode == city }
            let head = "audit:\(city)"
            try await serialize(db, on: head)
            var previous: String
            if let remembered = memo?.value(for: head) {
                previous = remembered
            } else {
                previous = try await db.raw(Self.chainHead(city: city)).first()?.decode(column: "hash", as: String.self) ?? ""
            }
            var rows: [any SQLExpression] = []
            rows.reserveCapacity(positions.count)
            for position in positions {
                let record = records[position]
                let hash = Self.chain(previous, record)
                rows.append(
                    SQLGroupExpression([
                        SQLBind(record.cityCode), SQLBind(record.at), SQLBind(record.actor), SQLBind(record.action), SQLBind(record.target),
                        SQLBind(record.areaCode), SQLBind(record.purpose), SQLBind(record.address), SQLBind(record.outcome),
                        SQLBind(record.detail), SQLBind(previous), SQLBind(hash),
                    ])
                )
                previous = hash
            }
            // The ids the rows were given, in increasing order as the rows are: SQLite numbers them
            // in the order written, each past every id ever used (AUTOINCREMENT); PostgreSQL's
            // identity does the same while the chain's lock is held.
            let inserted = try await db.raw(
                """
                INSERT INTO audit_log (city_code, at, actor, action, target, area_code, purpose, address, outcome, detail, previous_hash, hash)
                VALUES \(SQLList(rows)) RETURNING id
                """
            ).all().map { try $0.decode(column: "id", as: Int64.self) }.sorted()
            for (position, id) in zip(positions, inserted) { ids[position] = id }
            memo?.remember(previous, for: head)
        }
        return ids
    }

    /// Appends one entry in a transaction of its own.
    public func audit(_ record: AuditRecord) async throws {
        _ = try await backend.transaction { try await appendAudit(record, db: $0) }
    }

    static func chain(_ previous: String, _ record: AuditRecord) -> String {
        hexSHA256(Array((previous + "\n" + record.canonical).utf8))
    }

    /// Every city with audit entries.
    public func auditedCities() async throws -> [String] {
        try await backend.read { db in
            try await db.raw("SELECT DISTINCT city_code FROM audit_log ORDER BY city_code").all().map {
                try $0.decode(column: "city_code", as: String.self)
            }
        }
    }

    /// Walks a city's chain from the first entry: an edited entry no longer matches its hash; an
    /// inserted or deleted one breaks the link to the entry before it.
    public func verifyAudit(city: String) async throws -> AuditVerification {
        var checked = 0
        var previous = ""
        var after: Int64 = 0
        while true {
            let rows = try await backend.read { db in try await db.raw(Self.chainAfter(city: city, after: after)).all() }
            if rows.isEmpty { return AuditVerification(checked: checked, firstBreak: nil) }
            for row in rows {
                let id = try row.decode(column: "id", as: Int64.self)
                let record = try Self.auditRecord(row, city: city)
                guard try row.decode(column: "previous_hash", as: String.self) == previous else {
                    return AuditVerification(
                        checked: checked,
                        firstBreak: .init(id: id, reason: "does not follow the entry before it: an entry was deleted or inserted")
                    )
                }
                let hash = try row.decode(column: "hash", as: String.self)
                guard hash == Self.chain(previous, record) else {
                    return AuditVerification(checked: checked, firstBreak: .init(id: id, reason: "does not match its own content: it was edited"))
                }
                previous = hash
                after = id
                checked += 1
            }
        }
    }
}
