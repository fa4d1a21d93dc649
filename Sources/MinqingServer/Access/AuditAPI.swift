import Foundation
import MinqingCore
import MinqingStore
import OpenAPIRuntime

/// The audit log for auditors: search and CSV export. Auditors are audited too: each search and
/// each export is an entry of its own.
extension APIHandler {
    func searchAudit(_ input: Operations.SearchAudit.Input) async throws -> Operations.SearchAudit.Output {
        let (actor, city) = try auditor()
        let query = input.query
        let search = try AuditQuery(
            checking: query.actor,
            query.action,
            query.target,
            from: query.from,
            to: query.to,
            page: query.page ?? 1,
            perPage: query.perPage ?? 100
        )
        let (total, entries) = try await store.searchAudit(city: city, search)
        try await record(actor, city: city, action: Action.readAuditLog.rawValue, search: search, found: total)
        return .ok(
            .init(
                body: .json(.init(total: total, page: search.page, perPage: search.perPage, items: entries.map(Components.Schemas.AuditEntry.init)))
            )
        )
    }

    func exportAudit(_ input: Operations.ExportAudit.Input) async throws -> Operations.ExportAudit.Output {
        let (actor, city) = try auditor()
        let query = input.query
        let search = try AuditQuery(checking: query.actor, query.action, query.target, from: query.from, to: query.to, page: 1, perPage: 100_000)
        let (total, entries) = try await store.searchAudit(city: city, search)
        // A file that silently left entries out would mislead whoever reads it.
        guard total <= search.perPage else {
            throw Problem.badRequest("the search finds \(total) entries, more than \(search.perPage) a file may hold: narrow it with from and to")
        }
        let stamp = try await record(actor, city: city, action: Action.exportData.rawValue, search: search, found: total)
        let iso = ISO8601DateFormatter()
        let exported = iso.string(from: stamp)
        var csv = CSV.row(["id", "at", "actor", "action", "target", "area", "purpose", "address", "outcome", "detail", "exported_by", "exported_at"])
        for entry in entries {
            let record = entry.record
            csv += CSV.row([
                String(entry.id), iso.string(from: Date(timeIntervalSince1970: Double(record.at) / 1000)), record.actor, record.action, record.target,
                record.areaCode ?? "", record.purpose ?? "", record.address ?? "", record.outcome, record.detail ?? "", actor.username, exported,
            ])
        }
        return .ok(.init(body: .csv(HTTPBody(csv))))
    }

    private func auditor() throws -> (Actor, String) {
        let caller = Caller.current
        let actor = try caller.actor()
        let city = grids.city ?? actor.cityCode
        try caller.authorize(.readAuditLog, Resource(city: city), areas: grids.tree ?? .empty, notFound: "no audit log here")
        return (actor, city)
    }

    @discardableResult
    private func record(_ actor: Actor, city: String, action: String, search: AuditQuery, found: Int) async throws -> Date {
        let stamp = store.now()
        let terms = [("actor", search.actor), ("action", search.action), ("target", search.target)].compactMap { name, value in
            value.map { "\(name)=\($0)" }
        }
        try await store.audit(
            AuditRecord(
                at: Int64((stamp.timeIntervalSince1970 * 1000).rounded()),
                cityCode: city,
                actor: actor.username,
                action: action,
                target: "audit_log",
                address: Caller.current.address,
                detail: "\(found) entr\(found == 1 ? "y" : "ies") for \(terms.isEmpty ? "everything" : terms.joined(separator: " "))"
            )
        )
        return stamp
    }
}

extension Components.Schemas.AuditEntry {
    init(_ entry: AuditEntry) {
        let record = entry.record
        self.init(
            id: entry.id,
            at: Date(timeIntervalSince1970: Double(record.at) / 1000),
            actor: record.actor,
            action: record.action,
            target: record.target,
            area: record.areaCode,
            purpose: record.purpose,
            address: record.address,
            outcome: record.outcome,
            detail: record.detail
        )
    }
}

extension AuditQuery {
    /// A search as an auditor asked for it. Filters name accounts and actions as the log writes
    /// them; anything else is a mistake worth naming.
    init(checking actor: String?, _ action: String?, _ target: String?, from: Date?, to: Date?, page: Int, perPage: Int) throws {
        if let actor, AccountRules.usernameProblem(actor) != nil { throw Problem.badRequest("actor must be a username, not \(actor)") }
        if let action, action.isEmpty || !action.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || "._".unicodeScalars.contains($0) }) {
            throw Problem.badRequest("action must be an action name such as persons.read_full, not \(action)")
        }
        if let target, target.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw Problem.badRequest("target must be plain text without control characters")
        }
        self.init(actor: actor, action: action, target: target, from: from, to: to, page: page, perPage: perPage)
    }
}
