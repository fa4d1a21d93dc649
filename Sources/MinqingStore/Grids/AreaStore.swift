import Foundation
import Logging
import MinqingCore
import SQLKit

/// What an import did.
public struct AreaImportSummary: Sendable, Hashable, Codable {
    public var importID: Int64?
    public var features: Int
    public var created: Int
    public var changed: Int
    public var unchanged: Int
    public var report: GridImportReport

    public var imported: Bool { importID != nil }
}

/// One version of an area: a redrawn grid keeps its history, and an old case keeps the version it
/// was found in.
public struct AreaVersion: Sendable, Hashable {
    public var id: Int64
    public var area: Area
    public var validFrom: Date
    public var validTo: Date?
}

extension Store {
    /// The areas of a city in force now.
    public func currentAreas(city: String) async throws -> [Area] {
        try await backend.read { db in
            try await db.raw(
                """
                SELECT code, name, level, parent_code, responsible_party, geometry FROM areas
                WHERE city_code = \(bind: city) AND valid_to IS NULL ORDER BY code
                """
            ).all().map(Self.area)
        }
    }

    /// Every version of one area, oldest first.
    public func areaHistory(city: String, code: String) async throws -> [AreaVersion] {
        try await backend.read { db in
            try await db.raw(
                """
                SELECT id, code, name, level, parent_code, responsible_party, geometry, valid_from, valid_to FROM areas
                WHERE city_code = \(bind: city) AND code = \(bind: code) ORDER BY valid_from, id
                """
            ).all().map { row in
                AreaVersion(
                    id: try row.decode(column: "id", as: Int64.self),
                    area: try Self.area(row),
                    validFrom: Self.date(try row.decode(column: "valid_from", as: Int64.self)),
                    validTo: try row.decode(column: "valid_to", as: Int64?.self).map(Self.date)
                )
            }
        }
    }

    /// The city codes that have areas in force.
    public func cities() async throws -> [String] {
        try await backend.read { db in
            try await db.raw("SELECT DISTINCT city_code FROM areas WHERE valid_to IS NULL ORDER BY city_code").all()
                .map { try $0.decode(column: "city_code", as: String.self) }
        }
    }

    /// Validates a grid file against the tree in force and, only if it has no errors, writes it in one
    /// transaction: new codes are created, changed areas get a new version (the old one closed),
    /// identical ones are left alone. An invalid file changes nothing. A city's first grids also give
    /// it the standard catalog of departments and classes (``seedStandardCatalog(city:)``), so that
    /// cases can be reported at once.
    public func importAreas(
        city: String,
        file: [UInt8],
        options: GridFileOptions,
        validator: GridTreeValidator,
        actor: String,
        source: String,
        address: String? = nil
    ) async throws -> AreaImportSummary {
        let summary = try await importAreas(city: city, actor: actor, source: source, address: address) { existing in
            GridImport.prepare(file, options: options, existing: existing, validator: validator)
        }
        if summary.imported {
            // The grids are in: a failure here is logged, and the next server start seeds again.
            do {
                try await seedStandardCatalog(city: city)
            } catch {
                logger.error("could not give the city the standard catalog", metadata: ["city": "\(city)", "error": "\(error)"])
            }
        }
        return summary
    }

    /// The same for areas already in memory (the demo city). `prepare` validates against the areas in
    /// force. It runs outside the write lock, so a long validation does not stop other readers and
    /// writers; the write then checks that no other import landed meanwhile, and validates again if one did.
    public func importAreas(
        city: String,
        actor: String,
        source: String,
        address: String? = nil,
        prepare: ([Area]) -> (areas: [(feature: Int, area: Area)], report: GridImportReport)
    ) async throws -> AreaImportSummary {
        for _ in 0..<3 {
            let (current, seen) = try await backend.read { db in
                let rows = try await db.raw(
                    """
                    SELECT id, code, name, level, parent_code, responsible_party, geometry FROM areas
                    WHERE city_code = \(bind: city) AND valid_to IS NULL
                    """
                ).all()
                var current: [String: (id: Int64, area: Area)] = [:]
                for row in rows {
                    let area = try Self.area(row)
                    current[area.code] = (try row.decode(column: "id", as: Int64.self), area)
                }
                return (current, try await Self.latestImportID(db, city: city))
            }
            let (incoming, report) = prepare(current.values.map(\.area))
            let summary = AreaImportSummary(importID: nil, features: incoming.count, created: 0, changed: 0, unchanged: 0, report: report)
            guard report.isAcceptable, !incoming.isEmpty else { return summary }
            let written = try await backend.transaction { db -> AreaImportSummary? in
                try await serialize(db, on: "areas:\(city)")
                guard try await Self.latestImportID(db, city: city) == seen else { return nil }
                let written = try await write(incoming, over: current, summary: summary, city: city, actor: actor, source: source, db: db)
                try await appendAudit(
                    AuditRecord(
                        at: nowMilliseconds,
                        cityCode: city,
                        actor: actor,
                        action: Action.importGrids.rawValue,
                        target: "area_imports/\(written.importID ?? 0)",
                        address: address,
                        detail: "\(source): \(written.created) new, \(written.changed) changed, \(written.unchanged) unchanged"
                    ),
                    db: db
                )
                return written
            }
            if let written { return written }
        }
        throw StoreError.conflict("other imports kept changing the tree of \(city); try again")
    }

    private func write(
        _ incoming: [(feature: Int, area: Area)],
        over current: [String: (id: Int64, area: Area)],
        summary: AreaImportSummary,
        city: String,
        actor: String,
        source: String,
        db: any SQLDatabase
    ) async throws -> AreaImportSummary {
        var summary = summary
        let report = summary.report
        let stamp = nowMilliseconds
        var toInsert: [Area] = []
        var toClose: [Int64] = []
        for (_, area) in incoming {
            if let old = current[area.code] {
                if old.area == area {
                    summary.unchanged += 1
                    continue
                }
                toClose.append(old.id)
                summary.changed += 1
            } else {
                summary.created += 1
            }
            toInsert.append(area)
        }
        let importRow = try await db.raw(
            """
            INSERT INTO area_imports (city_code, imported_at, actor, source, features, created, changed, unchanged, warnings)
            VALUES (\(bind: city), \(bind: stamp), \(bind: actor), \(bind: source), \(bind: summary.features), \(bind: summary.created),
                    \(bind: summary.changed), \(bind: summary.unchanged), \(bind: report.warnings.count))
            RETURNING id
            """
        ).first()
        let importID = try importRow?.decode(column: "id", as: Int64.self)
        for chunk in stride(from: 0, to: toClose.count, by: 500) {
            let ids = Array(toClose[chunk..<min(chunk + 500, toClose.count)])
            try await db.update("areas").set("valid_to", to: stamp).where("id", .in, ids).run()
        }
        for chunk in stride(from: 0, to: toInsert.count, by: 200) {
            var insert = db.insert(into: "areas").columns(
                "city_code",
                "code",
                "name",
                "level",
                "parent_code",
                "responsible_party",
                "geometry",
                "min_lng",
                "min_lat",
                "max_lng",
                "max_lat",
                "valid_from",
                "import_id"
            )
            for area in toInsert[chunk..<min(chunk + 200, toInsert.count)] {
                let box = area.shape.boundingBox ?? BoundingBox(minLongitude: 0, minLatitude: 0, maxLongitude: 0, maxLatitude: 0)
                insert = insert.values(
                    SQLBind(city),
                    SQLBind(area.code),
                    SQLBind(area.name),
                    SQLBind(area.level.rawValue),
                    SQLBind(area.parentCode),
                    SQLBind(area.responsibleParty),
                    SQLBind(area.shape.encoded),
                    SQLBind(box.minLongitude),
                    SQLBind(box.minLatitude),
                    SQLBind(box.maxLongitude),
                    SQLBind(box.maxLatitude),
                    SQLBind(stamp),
                    SQLBind(importID)
                )
            }
            try await insert.run()
        }
        summary.importID = importID
        return summary
    }

    static func area(_ row: any SQLRow) throws -> Area {
        let code = try row.decode(column: "code", as: String.self)
        let levelName = try row.decode(column: "level", as: String.self)
        guard let level = AreaLevel(rawValue: levelName), let shape = MultiPolygon(encoded: try row.decode(column: "geometry", as: Data.self)) else {
            throw StoreError.conflict("area \(code) has a damaged level or geometry")
        }
        return Area(
            code: code,
            name: try row.decode(column: "name", as: String.self),
            level: level,
            parentCode: try row.decode(column: "parent_code", as: String?.self),
            shape: shape,
            responsibleParty: try row.decode(column: "responsible_party", as: String?.self)
        )
    }

    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}

extension Store {
    /// The newest import of a city, to tell whether another process changed its tree.
    public func latestAreaImportID(city: String) async throws -> Int64? {
        try await backend.read { try await Self.latestImportID($0, city: city) }
    }

    static func latestImportID(_ db: any SQLDatabase, city: String) async throws -> Int64? {
        try await db.raw("SELECT MAX(id) AS id FROM area_imports WHERE city_code = \(bind: city)").first()?.decode(column: "id", as: Int64?.self)
    }
}
