import Foundation
import MinqingCore
import SQLKit

/// One audited read of a resident's data, as the resident's "who read my data" shows it (after
/// Estonia's X-Road Data Tracker): who, when, what for, from where.
public struct PersonalDataRead: Sendable, Hashable {
    public var at: Date
    public var actor: String
    public var action: String
    public var purpose: String?
    public var address: String?
}

extension Store {
    /// Adds a resident, identifiers sealed under the cipher's current key, audited as a write.
    public func addPerson(
        city: String,
        area: String,
        name: String,
        identityNumber: String?,
        phone: String?,
        cipher: PersonalDataCipher,
        actor: String,
        address: String? = nil
    ) async throws -> Person {
        if let problem = PersonRules.problem(name: name, identityNumber: identityNumber, phone: phone) { throw problem }
        let identity = identityNumber?.uppercased()
        let stamp = nowMilliseconds
        return try await backend.transaction { db in
            // Inserted only if the area is in force: no row back means there is none.
            guard
                let row = try await db.raw(
                    """
                    INSERT INTO persons (city_code, area_code, name, created_at, updated_at)
                    SELECT \(bind: city), \(bind: area), \(bind: name), \(bind: stamp), \(bind: stamp)
                    WHERE EXISTS (SELECT 1 FROM areas WHERE city_code = \(bind: city) AND code = \(bind: area) AND valid_to IS NULL)
                    RETURNING id
                    """
                ).first()
            else { throw StoreError.notFound("no area in force has the code \(area)") }
            let id = try row.decode(column: "id", as: Int64.self)
            // Before the last statement, which takes it to PostgreSQL.
            try await appendAudit(
                AuditRecord(
                    at: stamp,
                    cityCode: city,
                    actor: actor,
                    action: Action.writePerson.rawValue,
                    target: Person.auditTarget(id),
                    areaCode: area,
                    address: address,
                    detail: "added"
                ),
                db: db
            )
            // Sealed after the insert: the row's id is part of what each value is bound to.
            let sealedIdentity = try identity.map { try cipher.seal($0, context: Self.sealContext("persons", id, "identity_number")) }
            let sealedPhone = try phone.map { try cipher.seal($0, context: Self.sealContext("persons", id, "phone")) }
            if sealedIdentity != nil || sealedPhone != nil {
                try await db.raw(
                    "UPDATE persons SET identity_number = \(bind: sealedIdentity), phone = \(bind: sealedPhone) WHERE id = \(bind: id)"
                ).run()
            }
            return Person(id: id, cityCode: city, areaCode: area, name: name, identityNumber: identity, phone: phone)
        }
    }

    /// One resident of the city, identifiers opened; `nil` when there is none. Callers mask.
    public func person(city: String, id: Int64, cipher: PersonalDataCipher) async throws -> Person? {
        let rows = try await backend.read { db in
            try await db.select().columns("id", "area_code", "name", "identity_number", "phone").from("persons")
                .where("city_code", .equal, city).where("id", .equal, id).all()
        }
        return try rows.first.map { try Self.person($0, city: city, cipher: cipher) }
    }

    /// A page of the residents of some areas (an area subtree), in id order, with the total.
    public func persons(
        city: String,
        areas: [String],
        page: Int,
        perPage: Int,
        cipher: PersonalDataCipher
    ) async throws -> (
        total: Int, items: [Person]
    ) {
        guard !areas.isEmpty else { return (0, []) }
        return try await backend.read { db in
            // A city's whole tree is some thousands of codes, within both databases' limits on bound values.
            let count = try await db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("persons")
                .where("city_code", .equal, city).where("area_code", .in, areas).first()
            let rows = try await db.select().columns("id", "area_code", "name", "identity_number", "phone").from("persons")
                .where("city_code", .equal, city).where("area_code", .in, areas)
                .orderBy("id").limit(perPage).offset((page - 1) * perPage).all()
            return (try count?.decode(column: "n", as: Int.self) ?? 0, try rows.map { try Self.person($0, city: city, cipher: cipher) })
        }
    }

    /// Records one read of residents' data: one audit entry, and which residents it disclosed.
    public func recordPersonalDataRead(_ record: AuditRecord, persons: [Int64]) async throws {
        try await backend.transaction { db in
            let auditID = try await appendAuditReturningIDs([record], db: db)[0]
            for start in stride(from: 0, to: persons.count, by: 500) {
                var insert = db.insert(into: "personal_data_reads").columns("audit_id", "person_id")
                for person in persons[start..<min(start + 500, persons.count)] { insert = insert.values(SQLBind(auditID), SQLBind(person)) }
                try await insert.run()
            }
        }
    }

    /// Every audited read of one resident's data, newest first.
    public func personalDataReads(city: String, person: Int64) async throws -> [PersonalDataRead] {
        try await backend.read { db in
            try await db.raw(
                """
                SELECT l.at, l.actor, l.action, l.purpose, l.address FROM personal_data_reads r JOIN audit_log l ON l.id = r.audit_id
                WHERE r.person_id = \(bind: person) AND l.city_code = \(bind: city) ORDER BY l.id DESC
                """
            ).all().map { row in
                PersonalDataRead(
                    at: Self.date(try row.decode(column: "at", as: Int64.self)),
                    actor: try row.decode(column: "actor", as: String.self),
                    action: try row.decode(column: "action", as: String.self),
                    purpose: try row.decode(column: "purpose", as: String?.self),
                    address: try row.decode(column: "address", as: String?.self)
                )
            }
        }
    }

    /// The account linked to a resident's record (a citizen's own), if any.
    public func accountID(linkedTo person: Int64) async throws -> Int64? {
        try await backend.read { db in
            try await db.select().column("id").from("accounts").where("person_id", .equal, person).first()?.decode(column: "id", as: Int64.self)
        }
    }

    /// Where personal data is sealed: residents' identifiers, and the contacts of reporters
    /// (``sealContext(_:_:_:)`` names each value's place).
    private static let sealedColumns = [("persons", ["identity_number", "phone"]), ("cases", ["contact_sealed"])]

    /// Re-seals every sealed value not sealed under the cipher's current key, in batches, each its
    /// own transaction (a stopped rotation resumes where it was). Returns how many were re-sealed.
    public func rotatePersonalData(cipher: PersonalDataCipher) async throws -> Int {
        var rotated = 0
        for (table, columns) in Self.sealedColumns {
            var after: Int64 = 0
            while true {
                let rows = try await backend.read { db in
                    try await db.raw(
                        """
                        SELECT id, \(SQLList(columns.map { SQLIdentifier($0) })) FROM \(ident: table) WHERE id > \(bind: after) \
                        AND (\(SQLList(columns.map { SQLRaw("\($0) IS NOT NULL") }, separator: SQLRaw(" OR ")))) ORDER BY id LIMIT 1000
                        """
                    ).all()
                }
                guard let last = rows.last else { break }
                after = try last.decode(column: "id", as: Int64.self)
                var changes: [(Int64, String, String, String)] = []
                for row in rows {
                    let id = try row.decode(column: "id", as: Int64.self)
                    for column in columns {
                        guard let sealed = try row.decode(column: column, as: String?.self), cipher.needsRotation(sealed) else { continue }
                        changes.append((id, column, sealed, try cipher.rotate(sealed, context: Self.sealContext(table, id, column))))
                    }
                }
                guard !changes.isEmpty else { continue }
                try await backend.transaction { db in
                    // Only a value still as it was read: one changed meanwhile is already under the current key.
                    for (id, column, old, sealed) in changes {
                        try await db.update(table).set(SQLIdentifier(column), to: sealed).where("id", .equal, id)
                            .where(SQLIdentifier(column), .equal, old).run()
                    }
                }
                rotated += changes.count
            }
        }
        return rotated
    }

    /// Whether any personal data is sealed in the database (before migrations, nothing is).
    public func holdsSealedPersonalData() async throws -> Bool {
        let pending = try await pendingMigrations()
        guard !pending.contains("0007_persons") else { return false }
        return try await backend.read { db in
            if try await db.raw("SELECT id FROM persons WHERE identity_number IS NOT NULL OR phone IS NOT NULL LIMIT 1").first() != nil {
                return true
            }
            guard !pending.contains("0021_reporter_contact") else { return false }
            return try await db.raw("SELECT id FROM cases WHERE contact_sealed IS NOT NULL LIMIT 1").first() != nil
        }
    }

    /// What a sealed value is bound to (AES-GCM's authenticated data): its table, row and column, so
    /// that a value copied to another place does not open.
    static func sealContext(_ table: String, _ id: Int64, _ column: String) -> String { "\(table)/\(id)/\(column)" }

    private static func person(_ row: any SQLRow, city: String, cipher: PersonalDataCipher) throws -> Person {
        let id = try row.decode(column: "id", as: Int64.self)
        return Person(
            id: id,
            cityCode: city,
            areaCode: try row.decode(column: "area_code", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            identityNumber: try row.decode(column: "identity_number", as: String?.self).map {
                try cipher.open($0, context: sealContext("persons", id, "identity_number"))
            },
            phone: try row.decode(column: "phone", as: String?.self).map { try cipher.open($0, context: sealContext("persons", id, "phone")) }
        )
    }
}
