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

extension Store {
    /// Appends an entry inside the caller's transaction, chained to the city's previous entry:
    /// hash = SHA-256(previous hash, newline, canonical entry). Appends of one city take turns.
    func appendAudit(_ record: AuditRecord, db: any SQLDatabase) async throws {
        try await serialize(db, on: "audit:\(record.cityCode)")
        let previous =
            try await db.raw("SELECT hash FROM audit_log WHERE city_code = \(bind: record.cityCode) ORDER BY id DESC LIMIT 1")
            .first()?.decode(column: "hash", as: String.self) ?? ""
        try await db.insert(into: "audit_log")
            .columns("city_code", "at", "actor", "action", "target", "area_code", "purpose", "address", "outcome", "detail", "previous_hash", "hash")
            .values(
                SQLBind(record.cityCode),
                SQLBind(record.at),
                SQLBind(record.actor),
                SQLBind(record.action),
                SQLBind(record.target),
                SQLBind(record.areaCode),
                SQLBind(record.purpose),
                SQLBind(record.address),
                SQLBind(record.outcome),
                SQLBind(record.detail),
                SQLBind(previous),
                SQLBind(Self.chain(previous, record))
            )
            .run()
    }

    /// Appends one entry in a transaction of its own.
    public func audit(_ record: AuditRecord) async throws {
        try await backend.transaction { try await appendAudit(record, db: $0) }
    }

    static func chain(_ previous: String, _ record: AuditRecord) -> String {
        SHA256.hash(data: Data((previous + "\n" + record.canonical).utf8)).map { String(format: "%02x", $0) }.joined()
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
            let rows = try await backend.read { db in
                try await db.raw(
                    """
                    SELECT id, at, actor, action, target, area_code, purpose, address, outcome, detail, previous_hash, hash
                    FROM audit_log WHERE city_code = \(bind: city) AND id > \(bind: after) ORDER BY id LIMIT 5000
                    """
                ).all()
            }
            if rows.isEmpty { return AuditVerification(checked: checked, firstBreak: nil) }
            for row in rows {
                let id = try row.decode(column: "id", as: Int64.self)
                let record = AuditRecord(
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
