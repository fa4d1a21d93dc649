import Foundation
import MinqingCore
import SQLKit

/// A timer as stored: the Core timer with its row and its case.
public struct StoredCaseTimer: Sendable, Hashable {
    public var id: Int64
    public var cityCode: String
    public var caseID: Int64
    public var timer: CaseTimer
}

/// A notice as stored (``CaseNotice``), for the people it names.
public struct StoredCaseNotice: Sendable, Hashable {
    public var id: Int64
    public var caseID: Int64
    public var notice: CaseNotice
    public var createdAt: Int64
}

extension Store {
    /// Writes what a step does to its case's timers, in the step's transaction.
    func applyTimers(_ plan: CaseTimerPlan, city: String, caseID: Int64, at now: Int64, db: any SQLDatabase) async throws {
        var ended: [String] = []
        if plan.endDeadlineTimers { ended += [CaseTimerKind.warning.rawValue, CaseTimerKind.overdue.rawValue] }
        if plan.endFollowUps { ended.append(CaseTimerKind.followUp.rawValue) }
        if !ended.isEmpty {
            try await db.raw(
                """
                UPDATE case_timers SET done_at = \(bind: now), outcome = 'ended'
                WHERE case_id = \(bind: caseID) AND done_at IS NULL AND kind IN (\(binds: ended))
                """
            ).run()
        }
        guard !plan.add.isEmpty else { return }
        let rows: [any SQLExpression] = plan.add.map { timer in
            SQLGroupExpression([SQLBind(city), SQLBind(caseID), SQLBind(timer.kind.rawValue), SQLBind(timer.dueAt), SQLBind(timer.reference)])
        }
        try await db.raw("INSERT INTO case_timers (city_code, case_id, kind, due_at, reference) VALUES \(SQLList(rows))").run()
    }

    /// Fires the timers due by now, at most `limit` of them, in one transaction: for each, `fire`
    /// says what happens to its case (``CaseTimers/fire(_:on:at:calendar:classLimit:areaAbove:)``),
    /// and its supervision event, its notices and the timer's end are written together. On
    /// PostgreSQL, timers and cases another sweep or an action holds are skipped (`SKIP LOCKED`) and
    /// come back on the next sweep, so two servers on one database fire each timer once.
    /// Returns how many timers it ended.
    public func sweepTimers(
        limit: Int = 500,
        _ fire: @Sendable (StoredCaseTimer, CaseRecord, _ now: Int64) -> CaseTimerOutcome
    ) async throws -> Int {
        let now = nowMilliseconds
        let skipLocked = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await backend.transaction { db in
            let timers = try await db.raw(
                """
                SELECT id, city_code, case_id, kind, due_at, reference FROM case_timers
                WHERE done_at IS NULL AND due_at <= \(bind: now) AND kind IN (\(unsafeRaw: Self.knownTimerKinds))
                ORDER BY due_at LIMIT \(bind: limit)\(unsafeRaw: skipLocked)
                """
            ).all().map(Self.storedTimer)
            guard !timers.isEmpty else { return 0 }
            // The cases, locked in id order; one an action holds now is left, with its timers, for the next sweep.
            let ids = Array(Set(timers.map(\.caseID))).sorted()
            let rows = try await db.raw(
                "SELECT \(unsafeRaw: Self.caseColumns.joined(separator: ", ")) FROM cases WHERE id IN (\(binds: ids)) ORDER BY id\(unsafeRaw: skipLocked)"
            ).all()
            var records: [Int64: CaseRecord] = [:]
            for row in rows {
                let record = try Self.caseRecord(row)
                records[record.id] = record
            }
            let original = records
            var events: [(event: CaseEvent, previous: String, hash: String)] = []
            var audit: [AuditRecord] = []
            var notices: [(timer: StoredCaseTimer, notice: CaseNotice)] = []
            var fired: [Int64] = []
            var moot: [Int64] = []
            for stored in timers {
                guard let record = records[stored.caseID] else { continue }
                let outcome = fire(stored, record, now)
                if outcome.isMoot {
                    moot.append(stored.id)
                    continue
                }
                fired.append(stored.id)
                notices += outcome.notices.map { (stored, $0) }
                if var step = outcome.supervision {
                    let hash = Self.chain(record.lastHash, step.event)
                    step.record.lastHash = hash
                    events.append((step.event, record.lastHash, hash))
                    records[record.id] = step.record
                    audit.append(
                        AuditRecord(
                            at: now,
                            cityCode: record.cityCode,
                            actor: step.event.actor,
                            action: "cases.\(step.event.action)",
                            target: CaseRecord.auditTarget(record.id),
                            areaCode: record.areaCode,
                            detail: "\(CaseTimerKind.overdue.rawValue): due \(stored.timer.reference)"
                        )
                    )
                }
            }
            if !events.isEmpty {
                var changes: [(CountKey, CaseCounters)] = []
                let supervised = Array(Set(events.map(\.event.caseID)))
                let logs = try await self.events(caseIDs: supervised, db: db)
                for id in supervised {
                    let log = logs[id] ?? []
                    let added = events.filter { $0.event.caseID == id }.map(\.event)
                    changes += countChanges(from: (original[id]!, log), to: (records[id]!, log + added))
                }
                try await insertEvents(events, db: db)
                for id in supervised {
                    try await updateCase(records[id]!, expectedEvents: original[id]!.eventCount, db: db)
                }
                try await moveCounts(changes, db: db)
                try await appendAudit(audit, db: db)
            }
            if !notices.isEmpty {
                let rows: [any SQLExpression] = notices.map { item in
                    SQLGroupExpression([
                        SQLBind(item.timer.cityCode), SQLBind(item.timer.caseID), SQLBind(item.timer.id), SQLBind(item.notice.kind.rawValue),
                        SQLBind(item.notice.departmentCode), SQLBind(item.notice.areaCode), SQLBind(item.notice.message), SQLBind(now),
                    ])
                }
                try await db.raw(
                    """
                    INSERT INTO case_notices (city_code, case_id, timer_id, kind, department_code, area_code, message, created_at)
                    VALUES \(SQLList(rows))
                    """
                ).run()
            }
            for (ids, outcome) in [(fired, "fired"), (moot, "moot")] where !ids.isEmpty {
                try await db.raw("UPDATE case_timers SET done_at = \(bind: now), outcome = \(bind: outcome) WHERE id IN (\(binds: ids))").run()
            }
            return fired.count + moot.count
        }
    }

    /// The kinds this version fires, as SQL constants: a kind written by a newer server is left for
    /// it, instead of failing every sweep here.
    static let knownTimerKinds = CaseTimerKind.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    /// When the next open timer falls due, if any: the sweep sleeps until then (or its polling interval).
    public func nextTimerDue() async throws -> Int64? {
        try await backend.read { db in
            try await db.raw("SELECT MIN(due_at) AS due FROM case_timers WHERE done_at IS NULL AND kind IN (\(unsafeRaw: Self.knownTimerKinds))")
                .first()?.decode(column: "due", as: Int64?.self)
        }
    }

    /// A case's timers, open and ended, oldest first.
    public func caseTimers(caseID: Int64) async throws -> [(timer: StoredCaseTimer, doneAt: Int64?, outcome: String?)] {
        try await backend.read { db in
            try await db.raw(
                "SELECT id, city_code, case_id, kind, due_at, reference, done_at, outcome FROM case_timers WHERE case_id = \(bind: caseID) ORDER BY id"
            ).all().map { row in
                (try Self.storedTimer(row), try row.decode(column: "done_at", as: Int64?.self), try row.decode(column: "outcome", as: String?.self))
            }
        }
    }

    /// Who a notice is for.
    public enum NoticeRecipients: Sendable {
        /// A department, in these areas only when they are given (a grant limited to part of the city).
        case department(String, areas: [String]? = nil)
        /// The command centers of these areas; `nil` for every area of the city.
        case commandCenters(areas: [String]?)
    }

    /// The notices to some recipients, newest first.
    public func caseNotices(city: String, to recipients: NoticeRecipients, before: Int64? = nil, limit: Int = 100) async throws -> [StoredCaseNotice]
    {
        try await backend.read { db in
            var query = db.select().columns("id", "case_id", "kind", "department_code", "area_code", "message", "created_at").from("case_notices")
                .where("city_code", .equal, city)
            switch recipients {
            case .department(let code, let areas):
                query = query.where("department_code", .equal, code)
                if let areas { query = query.where("area_code", .in, areas) }
            case .commandCenters(let areas):
                query = query.where("department_code", .is, SQLLiteral.null)
                if let areas { query = query.where("area_code", .in, areas) }
            }
            if let before { query = query.where("id", .lessThan, before) }
            return try await query.orderBy("id", .descending).limit(limit).all().map { row in
                StoredCaseNotice(
                    id: try row.decode(column: "id", as: Int64.self),
                    caseID: try row.decode(column: "case_id", as: Int64.self),
                    notice: CaseNotice(
                        kind: try Self.known(try row.decode(column: "kind", as: String.self), "kind"),
                        departmentCode: try row.decode(column: "department_code", as: String?.self),
                        areaCode: try row.decode(column: "area_code", as: String.self),
                        message: try row.decode(column: "message", as: String.self)
                    ),
                    createdAt: try row.decode(column: "created_at", as: Int64.self)
                )
            }
        }
    }

    private static func storedTimer(_ row: any SQLRow) throws -> StoredCaseTimer {
        StoredCaseTimer(
            id: try row.decode(column: "id", as: Int64.self),
            cityCode: try row.decode(column: "city_code", as: String.self),
            caseID: try row.decode(column: "case_id", as: Int64.self),
            timer: CaseTimer(
                kind: try known(try row.decode(column: "kind", as: String.self), "kind"),
                dueAt: try row.decode(column: "due_at", as: Int64.self),
                reference: try row.decode(column: "reference", as: Int64.self)
            )
        )
    }
}
