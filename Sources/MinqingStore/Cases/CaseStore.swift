import Foundation
import MinqingCore
import SQLKit
import Synchronization

/// What intake made of a report.
public enum IntakeOutcome: Sendable, Hashable {
    case created(CaseRecord)
    /// A retry of an earlier request with the same `Idempotency-Key`: the case that request made.
    case repeated(CaseRecord)

    public var record: CaseRecord {
        switch self {
        case .created(let record), .repeated(let record): record
        }
    }
}

/// One event of a case's log as stored, with its place in the chain.
public struct CaseLogEntry: Sendable, Hashable {
    public var event: CaseEvent
    public var previousHash: String
    public var hash: String
}

/// Reports waiting to be written together (group commit). While one batch commits, the next
/// gathers, so that one transaction and one fsync carry as many reports as arrived meanwhile; a
/// lone report waits for nobody. A report's caller hears back only after its batch committed and
/// is on disk; the next batch is written while the disk syncs the last.
final class IntakeQueue: Sendable {
    struct Entry: Sendable {
        var report: CaseReport
        /// Seals the report's contact, when it has one.
        var cipher: PersonalDataCipher?
        var continuation: CheckedContinuation<IntakeOutcome, any Error>
    }

    private struct State: ~Copyable {
        var pending: [Entry] = []
        var draining = false
    }

    private let state = Mutex(State())

    /// Queues a report; `true` when nobody is draining the queue and the caller must.
    func add(_ entry: Entry) -> Bool {
        state.withLock { state in
            state.pending.append(entry)
            if state.draining { return false }
            state.draining = true
            return true
        }
    }

    /// The next batch, oldest first; empty when the queue is empty, and the drainer then stops.
    func take(_ maximum: Int) -> [Entry] {
        state.withLock { state in
            guard !state.pending.isEmpty else {
                state.draining = false
                return []
            }
            let count = min(maximum, state.pending.count)
            let batch = Array(state.pending.prefix(count))
            state.pending.removeFirst(count)
            return batch
        }
    }
}

extension Store {
    /// The most reports one transaction writes: 30 bound values a case stays far below both
    /// engines' limits on bound parameters.
    static let intakeBatchLimit = 256

    /// Opens a case: returns once the case, its first event, its audit entry and its idempotency
    /// key are committed (durable on disk), written in one transaction with the reports that
    /// arrived meanwhile. A retry with a key already used for the same request returns that case;
    /// the same key with another request is a conflict. A report with a ``CaseReport/contact`` needs
    /// the cipher that seals it.
    public func report(_ report: CaseReport, cipher: PersonalDataCipher? = nil) async throws -> IntakeOutcome {
        guard report.contact == nil || (cipher != nil && report.contactDigest != nil) else {
            throw StoreError.invalidConfiguration(
                "a report with a contact needs the key of residents' identifiers to seal it, and the contact's digest"
            )
        }
        return try await withCheckedThrowingContinuation { continuation in
            if intakeQueue.add(.init(report: report, cipher: cipher, continuation: continuation)) {
                Task { await self.drainIntake() }
            }
        }
    }

    private func drainIntake() async {
        while true {
            let batch = intakeQueue.take(Self.intakeBatchLimit)
            if batch.isEmpty { return }
            do {
                let (outcomes, durability) = try await writeReports(batch.map { ($0.report, $0.cipher) })
                Task {
                    do {
                        try await durability.wait()
                        for (entry, outcome) in zip(batch, outcomes) { entry.continuation.resume(with: outcome) }
                    } catch {
                        for entry in batch { entry.continuation.resume(throwing: error) }
                    }
                }
            } catch {
                // One report's failure must not fail the others: write them one by one.
                for entry in batch {
                    do {
                        let (outcomes, durability) = try await writeReports([(entry.report, entry.cipher)])
                        try await durability.wait()
                        entry.continuation.resume(with: outcomes[0])
                    } catch {
                        entry.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }

    /// Writes a batch in one transaction; returns once it is committed, with what waits until it is on disk.
    private func writeReports(
        _ submitted: [(report: CaseReport, cipher: PersonalDataCipher?)]
    ) async throws -> (value: [Result<IntakeOutcome, any Error>], durability: Durability) {
        let now = nowMilliseconds
        let reports = submitted.map(\.report)
        return try await backend.committedTransaction { db in
            var outcomes = [Result<IntakeOutcome, any Error>?](repeating: nil, count: reports.count)
            // Retries: keys seen before, and keys repeated within this batch.
            struct Key: Hashable {
                var actor: String
                var key: String
            }
            var known: [Key: (hash: String, caseID: Int64)] = [:]
            let keys = reports.compactMap(\.idempotencyKey)
            if !keys.isEmpty {
                let rows = try await db.raw(
                    "SELECT actor, idempotency_key, request_hash, case_id FROM idempotency_keys WHERE idempotency_key IN (\(binds: keys))"
                ).all()
                for row in rows {
                    let key = Key(
                        actor: try row.decode(column: "actor", as: String.self),
                        key: try row.decode(column: "idempotency_key", as: String.self)
                    )
                    known[key] = (try row.decode(column: "request_hash", as: String.self), try row.decode(column: "case_id", as: Int64.self))
                }
            }
            let hashes = reports.map(Self.requestHash)
            var firstInBatch: [Key: Int] = [:]
            var fresh: [Int] = []
            var repeatOf: [Int: Int] = [:]
            var earlier: [Int: Int64] = [:]
            for (index, report) in reports.enumerated() {
                guard let idempotencyKey = report.idempotencyKey else {
                    fresh.append(index)
                    continue
                }
                let key = Key(actor: report.reporter, key: idempotencyKey)
                let seen = known[key].map { ($0.hash, Optional($0.caseID), Int?.none) } ?? firstInBatch[key].map { (hashes[$0], nil, $0) }
                guard let (hash, caseID, index0) = seen else {
                    firstInBatch[key] = index
                    fresh.append(index)
                    continue
                }
                guard hash == hashes[index] else {
                    outcomes[index] = .failure(StoreError.conflict("the Idempotency-Key \(idempotencyKey) was used for a different request"))
                    continue
                }
                if let caseID { earlier[index] = caseID } else if let index0 { repeatOf[index] = index0 }
            }
            var created: [Int: CaseRecord] = [:]
            if !fresh.isEmpty {
                let ids = try await types.reserveIDs("cases", count: fresh.count, db: db)
                let recurrences = try await recurrences(of: fresh.map { reports[$0] }, at: now, db: db)
                var steps: [CaseStep] = []
                steps.reserveCapacity(fresh.count)
                var sealedContacts: [Int64: String] = [:]
                for (position, (index, id)) in zip(fresh, ids).enumerated() {
                    var report = reports[index]
                    report.linkedTo = recurrences[position]
                    var step = report.opened(id: id, at: now)
                    step.record.lastHash = Self.chain("", step.event)
                    steps.append(step)
                    created[index] = step.record
                    if let contact = report.contact, let cipher = submitted[index].cipher {
                        sealedContacts[id] = try cipher.seal(contact.json.serialized, context: Self.sealContext("cases", id, "contact_sealed"))
                    }
                }
                try await insertCases(steps.map(\.record), sealedContacts: sealedContacts, db: db)
                // Before the events' insert, which takes it to PostgreSQL.
                try await appendAudit(
                    fresh.map { index in
                        let record = created[index]!
                        return AuditRecord(
                            at: now,
                            cityCode: record.cityCode,
                            actor: record.reporter,
                            action: Action.reportCase.rawValue,
                            target: CaseRecord.auditTarget(record.id),
                            areaCode: record.areaCode,
                            address: reports[index].address,
                            detail: "\(record.classCode) \(record.source.rawValue)"
                        )
                    },
                    db: db
                )
                try await insertEvents(steps.map { ($0.event, "", $0.record.lastHash) }, db: db)
                try await moveCounts(steps.flatMap { countChanges(from: nil, to: ($0.record, [$0.event])) }, db: db)
                let keyed = fresh.filter { reports[$0].idempotencyKey != nil }
                if !keyed.isEmpty {
                    let rows: [any SQLExpression] = keyed.map { index in
                        SQLGroupExpression([
                            SQLBind(reports[index].reporter), SQLBind(reports[index].idempotencyKey!), SQLBind(hashes[index]),
                            SQLBind(created[index]!.id), SQLBind(now),
                        ])
                    }
                    try await db.raw(
                        "INSERT INTO idempotency_keys (actor, idempotency_key, request_hash, case_id, created_at) VALUES \(SQLList(rows))"
                    ).run()
                }
            }
            let earlierRecords = try await cases(ids: Array(Set(earlier.values)), db: db)
            for index in reports.indices where outcomes[index] == nil {
                if let record = created[index] {
                    outcomes[index] = .success(.created(record))
                } else if let first = repeatOf[index], let record = created[first] {
                    outcomes[index] = .success(.repeated(record))
                } else if let id = earlier[index], let record = earlierRecords[id] {
                    outcomes[index] = .success(.repeated(record))
                } else {
                    outcomes[index] = .failure(StoreError.conflict("the earlier request with this Idempotency-Key did not complete"))
                }
            }
            return outcomes.map { $0! }
        }
    }

    /// What an `Idempotency-Key` is bound to: the request as its reporter sent it.
    private static func requestHash(_ report: CaseReport) -> String { hexSHA256(Array(report.fingerprint.utf8)) }

    /// The case an earlier report with this report's `Idempotency-Key` opened, when this one repeats
    /// it; `nil` when its reporter never used the key. A key used for another request is a conflict.
    /// For a retry that intake can no longer take as new (its class retired since).
    public func caseReported(before report: CaseReport) async throws -> CaseRecord? {
        guard let key = report.idempotencyKey else { return nil }
        return try await backend.read { db in
            guard
                let row = try await db.raw(
                    "SELECT request_hash, case_id FROM idempotency_keys WHERE actor = \(bind: report.reporter) AND idempotency_key = \(bind: key)"
                ).first()
            else { return nil }
            guard try row.decode(column: "request_hash", as: String.self) == Self.requestHash(report) else {
                throw StoreError.conflict("the Idempotency-Key \(key) was used for a different request")
            }
            let id = try row.decode(column: "case_id", as: Int64.self)
            return try await cases(ids: [id], db: db)[id]
        }
    }

    /// A case of the city, or `nil`.
    public func caseRecord(city: String, id: Int64) async throws -> CaseRecord? {
        try await backend.read { db in
            try await cases(ids: [id], db: db)[id].flatMap { $0.cityCode == city ? $0 : nil }
        }
    }

    /// Takes an action on a case in one transaction: reads the case (locked against other writers),
    /// asks `decide` for the step (the policy and ``CaseLifecycle``; it throws to refuse, and then
    /// nothing changes) and what it does to the case's timers (``CaseTimers/plan(from:to:caseClass:calendar:at:)``),
    /// then writes the timers, the audit entry, the event and the new projection.
    public func act(
        city: String,
        caseID: Int64,
        address: String?,
        _ decide: @Sendable (CaseRecord, _ now: Int64) throws -> (step: CaseStep, timers: CaseTimerPlan)
    ) async throws -> CaseStep {
        let now = nowMilliseconds
        return try await backend.transaction { db in
            let lock = dialect == .postgres ? " FOR UPDATE" : ""
            let row = try await db.raw(
                "SELECT \(unsafeRaw: Self.caseColumns.joined(separator: ", ")) FROM cases WHERE id = \(bind: caseID) AND city_code = \(bind: city)\(unsafeRaw: lock)"
            ).first()
            guard let row else { throw StoreError.notFound("no case has the id \(caseID)") }
            let current = try Self.caseRecord(row)
            var (step, timers) = try decide(current, now)
            let hash = Self.chain(current.lastHash, step.event)
            step.record.lastHash = hash
            // Locks in the order a sweep takes them (the case, its timers, then the sums), so the two never wait in a cycle.
            try await applyTimers(timers, city: city, caseID: caseID, at: now, db: db)
            let log = try await events(caseIDs: [caseID], db: db)[caseID] ?? []
            // Before the event's insert, which takes it to PostgreSQL.
            try await appendAudit(
                AuditRecord(
                    at: now,
                    cityCode: city,
                    actor: step.event.actor,
                    action: "cases.\(step.event.action)",
                    target: CaseRecord.auditTarget(caseID),
                    areaCode: current.areaCode,
                    address: address,
                    detail: "\(current.state.rawValue) → \(step.record.state.rawValue)"
                ),
                db: db
            )
            try await insertEvents([(step.event, current.lastHash, hash)], db: db)
            try await updateCase(step.record, expectedEvents: current.eventCount, db: db)
            try await moveCounts(countChanges(from: (current, log), to: (step.record, log + [step.event])), db: db)
            return step
        }
    }

    /// The events of some cases, each case's oldest first, in a transaction.
    func events(caseIDs: [Int64], db: any SQLDatabase) async throws -> [Int64: [CaseEvent]] {
        guard !caseIDs.isEmpty else { return [:] }
        let events = try await db.raw(
            """
            SELECT case_id, seq, at, actor, action, from_state, to_state, fields, previous_hash, hash FROM case_events
            WHERE case_id IN (\(binds: caseIDs)) ORDER BY case_id, seq
            """
        ).all().map { try Self.logEntry($0).event }
        return Dictionary(grouping: events, by: \.caseID)
    }

    /// A case's log, oldest first.
    public func caseLog(caseID: Int64) async throws -> [CaseLogEntry] {
        try await backend.read { db in
            try await db.raw(
                "SELECT case_id, seq, at, actor, action, from_state, to_state, fields, previous_hash, hash FROM case_events WHERE case_id = \(bind: caseID) ORDER BY seq"
            ).all().map(Self.logEntry)
        }
    }

    /// Walks every case's log of a city: an edited event no longer matches its hash; an inserted or
    /// deleted one breaks the sequence or the link to the event before it; a log cut short no longer
    /// ends where its case says it does.
    public func verifyCaseLogs(city: String) async throws -> AuditVerification {
        var checked = 0
        var after: Int64 = 0
        while true {
            let cases = try await backend.read { db in
                try await db.raw(
                    "SELECT id, event_count, last_hash FROM cases WHERE city_code = \(bind: city) AND id > \(bind: after) ORDER BY id LIMIT 2000"
                ).all()
            }
            guard let lastID = try cases.last?.decode(column: "id", as: Int64.self) else {
                return AuditVerification(checked: checked, firstBreak: nil)
            }
            let firstID = try cases[0].decode(column: "id", as: Int64.self)
            let events = try await backend.read { db in
                try await db.raw(
                    """
                    SELECT case_id, seq, at, actor, action, from_state, to_state, fields, previous_hash, hash FROM case_events
                    WHERE case_id BETWEEN \(bind: firstID) AND \(bind: lastID) ORDER BY case_id, seq
                    """
                ).all().map(Self.logEntry)
            }
            var byCase: [Int64: [CaseLogEntry]] = [:]
            for entry in events { byCase[entry.event.caseID, default: []].append(entry) }
            for row in cases {
                let id = try row.decode(column: "id", as: Int64.self)
                let log = byCase[id] ?? []
                var previous = ""
                for (position, entry) in log.enumerated() {
                    func broken(_ reason: String) -> AuditVerification {
                        AuditVerification(checked: checked, firstBreak: .init(id: id, reason: "case \(id), event \(entry.event.sequence): \(reason)"))
                    }
                    guard entry.event.sequence == Int64(position), entry.previousHash == previous else {
                        return broken("does not follow the event before it: an event was deleted or inserted")
                    }
                    guard entry.hash == Self.chain(previous, entry.event) else { return broken("does not match its own content: it was edited") }
                    previous = entry.hash
                    checked += 1
                }
                guard try row.decode(column: "event_count", as: Int64.self) == Int64(log.count),
                    try row.decode(column: "last_hash", as: String.self) == previous
                else {
                    return AuditVerification(
                        checked: checked,
                        firstBreak: .init(id: id, reason: "case \(id): its log does not end where the case says: events were deleted or added")
                    )
                }
            }
            after = lastID
        }
    }

    /// Every city with cases.
    public func citiesWithCases() async throws -> [String] {
        try await backend.read { db in
            try await db.raw("SELECT DISTINCT city_code FROM cases ORDER BY city_code").all().map {
                try $0.decode(column: "city_code", as: String.self)
            }
        }
    }

    // MARK: Rows

    static func chain(_ previous: String, _ event: CaseEvent) -> String {
        hexSHA256(Array((previous + "\n" + event.canonical).utf8))
    }

    static let caseColumns = [
        "id", "city_code", "class_code", "state", "source", "area_code", "areas_above", "level", "lng", "lat", "description", "reporter",
        "reporter_account_id", "contact_masked", "follow_digest",
        "lead_department",
        "co_departments", "section", "photos", "attributes", "suspended_from", "paused_at", "requested_extension_days", "merged_into", "linked_to",
        "reported_at",
        "updated_at",
        "dispatched_at", "due_at", "closed_at", "event_count", "last_hash",
    ]

    private static func caseValues(_ record: CaseRecord) -> [any SQLExpression] {
        [
            SQLBind(record.id), SQLBind(record.cityCode), SQLBind(record.classCode), SQLBind(record.state.rawValue), SQLBind(record.source.rawValue),
            SQLBind(record.areaCode), SQLBind(JSONValue.array(record.areasAbove.map(JSONValue.string)).serialized), SQLBind(record.level.rawValue),
            SQLBind(record.longitude), SQLBind(record.latitude),
            SQLBind(record.description), SQLBind(record.reporter), SQLBind(record.reporterAccountID),
            SQLBind(record.maskedContact?.json.serialized), SQLBind(record.followCodeDigest), SQLBind(record.leadDepartment),
            SQLBind(JSONValue.array(record.coDepartments.map(JSONValue.string)).serialized), SQLBind(record.section),
            SQLBind(JSONValue.array(record.photos.map(JSONValue.string)).serialized),
            SQLBind(record.attributes.isEmpty ? nil : JSONValue.object(record.attributes).serialized), SQLBind(record.suspendedFrom?.rawValue),
            SQLBind(record.pausedAt), SQLBind(record.requestedExtensionDays.map(Int64.init)), SQLBind(record.mergedInto),
            SQLBind(record.linkedTo), SQLBind(record.reportedAt), SQLBind(record.updatedAt), SQLBind(record.dispatchedAt), SQLBind(record.dueAt),
            SQLBind(record.closedAt), SQLBind(record.eventCount), SQLBind(record.lastHash),
        ]
    }

    /// Inserts new cases; `sealedContacts` holds the sealed ``ReporterContact`` of those that came
    /// with one, by case id (the case's row keeps it beside the masked form, outside the projection).
    func insertCases(_ records: [CaseRecord], sealedContacts: [Int64: String] = [:], db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO cases (\(unsafeRaw: Self.caseColumns.joined(separator: ", ")), contact_sealed) \(unsafeRaw: types.givenIdentity)
            VALUES \(SQLList(records.map { SQLGroupExpression(Self.caseValues($0) + [SQLBind(sealedContacts[$0.id])]) }))
            """
        ).run()
    }

    /// The full contact of the person behind a case, or `nil` when the report came without one.
    /// Only for a reader the policy allowed, who stated a purpose; the caller logs the read.
    public func reporterContact(city: String, caseID: Int64, cipher: PersonalDataCipher) async throws -> ReporterContact? {
        let sealed = try await backend.read { db in
            try await db.raw("SELECT contact_sealed FROM cases WHERE id = \(bind: caseID) AND city_code = \(bind: city)").first()?
                .decode(column: "contact_sealed", as: String?.self)
        }
        guard let sealed else { return nil }
        return ReporterContact(
            json: try JSONValue(parsing: Array(try cipher.open(sealed, context: Self.sealContext("cases", caseID, "contact_sealed")).utf8))
        )
    }

    func updateCase(_ record: CaseRecord, expectedEvents: Int64, db: any SQLDatabase) async throws {
        var update = db.update("cases")
        for (column, value) in zip(Self.caseColumns, Self.caseValues(record)) where column != "id" {
            update = update.set(SQLIdentifier(column), to: value)
        }
        // The row was read in this transaction; the count guards against a writer that did not lock.
        try await update.where("id", .equal, record.id).where("event_count", .equal, expectedEvents).run()
    }

    func insertEvents(_ events: [(event: CaseEvent, previous: String, hash: String)], db: any SQLDatabase) async throws {
        let rows: [any SQLExpression] = events.map { item in
            SQLGroupExpression([
                SQLBind(item.event.caseID), SQLBind(item.event.sequence), SQLBind(item.event.at), SQLBind(item.event.actor),
                SQLBind(item.event.action), SQLBind(item.event.from?.rawValue), SQLBind(item.event.to.rawValue),
                SQLBind(item.event.fields.json.serialized), SQLBind(item.previous), SQLBind(item.hash),
            ])
        }
        try await db.raw(
            "INSERT INTO case_events (case_id, seq, at, actor, action, from_state, to_state, fields, previous_hash, hash) VALUES \(SQLList(rows))"
        ).run()
    }

    /// Every photo that a case names, in every city: what a sweep of the photo files keeps. Read
    /// 10,000 case ids at a time, so that other reads are not held up behind one long one (a case
    /// committed meanwhile names photos just kept, which the sweep's grace keeps anyway).
    public func photosNamedByCases() async throws -> Set<String> {
        let last = try await backend.read { db in
            try await db.raw("SELECT COALESCE(MAX(id), 0) AS id FROM cases").first()?.decode(column: "id", as: Int64.self) ?? 0
        }
        var named: Set<String> = []
        for start in stride(from: Int64(0), through: last, by: 10_000) {
            let rows = try await backend.read { db in
                try await db.raw(
                    "SELECT photos FROM cases WHERE id > \(bind: start) AND id <= \(bind: start + 10_000) AND photos <> '[]'"
                ).all()
            }
            for row in rows {
                let photos = try JSONValue(parsing: Array(try row.decode(column: "photos", as: String.self).utf8)).array ?? []
                named.formUnion(photos.compactMap(\.string))
            }
        }
        return named
    }

    func cases(ids: [Int64], db: any SQLDatabase) async throws -> [Int64: CaseRecord] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await db.raw("SELECT \(unsafeRaw: Self.caseColumns.joined(separator: ", ")) FROM cases WHERE id IN (\(binds: ids))").all()
        return Dictionary(
            uniqueKeysWithValues: try rows.map { row in
                let record = try Self.caseRecord(row)
                return (record.id, record)
            }
        )
    }

    static func caseRecord(_ row: any SQLRow) throws -> CaseRecord {
        func state(_ column: String) throws -> CaseState? {
            try row.decode(column: column, as: String?.self).map { try Self.known($0, column) }
        }
        func codes(_ column: String) throws -> [String] {
            try JSONValue(parsing: Array(try row.decode(column: column, as: String.self).utf8)).array?.compactMap(\.string) ?? []
        }
        return CaseRecord(
            id: try row.decode(column: "id", as: Int64.self),
            cityCode: try row.decode(column: "city_code", as: String.self),
            classCode: try row.decode(column: "class_code", as: String.self),
            state: try known(try row.decode(column: "state", as: String.self), "state"),
            source: try known(try row.decode(column: "source", as: String.self), "source"),
            areaCode: try row.decode(column: "area_code", as: String.self),
            areasAbove: try codes("areas_above"),
            level: try known(try row.decode(column: "level", as: String.self), "level"),
            longitude: try row.decode(column: "lng", as: Double.self),
            latitude: try row.decode(column: "lat", as: Double.self),
            description: try row.decode(column: "description", as: String.self),
            reporter: try row.decode(column: "reporter", as: String.self),
            reporterAccountID: try row.decode(column: "reporter_account_id", as: Int64?.self),
            maskedContact: try row.decode(column: "contact_masked", as: String?.self).flatMap {
                ReporterContact(json: try JSONValue(parsing: Array($0.utf8)))
            },
            followCodeDigest: try row.decode(column: "follow_digest", as: String?.self),
            leadDepartment: try row.decode(column: "lead_department", as: String?.self),
            coDepartments: try codes("co_departments"),
            section: try row.decode(column: "section", as: String?.self),
            photos: try codes("photos"),
            attributes: try row.decode(column: "attributes", as: String?.self).map { try JSONValue(parsing: Array($0.utf8)).object ?? [:] } ?? [:],
            suspendedFrom: try state("suspended_from"),
            pausedAt: try row.decode(column: "paused_at", as: Int64?.self),
            requestedExtensionDays: try row.decode(column: "requested_extension_days", as: Int64?.self).map { Int($0) },
            mergedInto: try row.decode(column: "merged_into", as: Int64?.self),
            linkedTo: try row.decode(column: "linked_to", as: Int64?.self),
            reportedAt: try row.decode(column: "reported_at", as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self),
            dispatchedAt: try row.decode(column: "dispatched_at", as: Int64?.self),
            dueAt: try row.decode(column: "due_at", as: Int64?.self),
            closedAt: try row.decode(column: "closed_at", as: Int64?.self),
            eventCount: try row.decode(column: "event_count", as: Int64.self),
            lastHash: try row.decode(column: "last_hash", as: String.self)
        )
    }

    /// A stored name read back; a name the code does not know means the row was not written by it.
    static func known<T: RawRepresentable<String>>(_ text: String, _ column: String) throws -> T {
        guard let value = T(rawValue: text) else {
            throw StoreError.invalidConfiguration("the stored \(column) \(text) is not one this version knows")
        }
        return value
    }

    static func logEntry(_ row: any SQLRow) throws -> CaseLogEntry {
        let fields = try JSONValue(parsing: Array(try row.decode(column: "fields", as: String.self).utf8))
        return CaseLogEntry(
            event: CaseEvent(
                caseID: try row.decode(column: "case_id", as: Int64.self),
                sequence: try row.decode(column: "seq", as: Int64.self),
                at: try row.decode(column: "at", as: Int64.self),
                actor: try row.decode(column: "actor", as: String.self),
                action: try row.decode(column: "action", as: String.self),
                from: try row.decode(column: "from_state", as: String?.self).map { try known($0, "from_state") },
                to: try known(try row.decode(column: "to_state", as: String.self), "to_state"),
                fields: CaseActionFields(json: fields)
            ),
            previousHash: try row.decode(column: "previous_hash", as: String.self),
            hash: try row.decode(column: "hash", as: String.self)
        )
    }
}

extension Store {
    /// 复发: for each report of a batch, the case of its class closed within ``CaseProximity/metres``
    /// in the last ``CaseProximity/recurrenceDays`` days, if any. One query for the whole batch, in
    /// the writer's transaction: the intake path makes no read of its own.
    func recurrences(of reports: [CaseReport], at now: Int64, db: any SQLDatabase) async throws -> [Int64?] {
        guard let city = reports.first?.cityCode else { return [] }
        let since = now - Int64(CaseProximity.recurrenceDays) * 86_400_000
        // One whole condition per place and class, each answered by `cases_recurrence` alone (the
        // engines take the union); reports at the same place and of the same class ask once.
        struct Place: Hashable {
            var classCode: String
            var longitude: Double
            var latitude: Double
        }
        var places = Set<Place>()
        var conditions: [any SQLExpression] = []
        for report in reports where places.insert(Place(classCode: report.classCode, longitude: report.longitude, latitude: report.latitude)).inserted
        {
            let box = CaseProximity.box(around: GeoPoint(longitude: report.longitude, latitude: report.latitude))
            let condition: SQLQueryString = """
                city_code = \(bind: city) AND class_code = \(bind: report.classCode) \
                AND lat BETWEEN \(bind: box.latitude.lowerBound) AND \(bind: box.latitude.upperBound) \
                AND lng BETWEEN \(bind: box.longitude.lowerBound) AND \(bind: box.longitude.upperBound) AND closed_at >= \(bind: since)
                """
            conditions.append(SQLGroupExpression(condition))
        }
        let rows = try await db.raw(
            "SELECT id, class_code, lng, lat, state, reported_at, closed_at FROM cases WHERE \(SQLList(conditions, separator: SQLRaw(" OR ")))"
        ).all()
        var byClass: [String: [NearbyCase]] = [:]
        for row in rows {
            byClass[try row.decode(column: "class_code", as: String.self), default: []].append(try Self.nearbyCase(row))
        }
        return reports.map { report in
            CaseProximity.recurrence(
                of: GeoPoint(longitude: report.longitude, latitude: report.latitude),
                at: now,
                among: byClass[report.classCode] ?? []
            )
        }
    }

    /// Cases of a class around a point (``CaseProximity/box(around:)``) reported or closed since
    /// `since`: the candidates for duplicates and recurrences.
    public func nearbyCases(city: String, classCode: String, around point: GeoPoint, since: Int64) async throws -> [NearbyCase] {
        let box = CaseProximity.box(around: point)
        return try await backend.read { db in
            try await db.raw(
                """
                SELECT id, lng, lat, state, reported_at, closed_at FROM cases
                WHERE city_code = \(bind: city) AND class_code = \(bind: classCode)
                AND lat BETWEEN \(bind: box.latitude.lowerBound) AND \(bind: box.latitude.upperBound)
                AND lng BETWEEN \(bind: box.longitude.lowerBound) AND \(bind: box.longitude.upperBound)
                AND (reported_at >= \(bind: since) OR closed_at >= \(bind: since))
                ORDER BY reported_at DESC LIMIT 200
                """
            ).all().map(Self.nearbyCase)
        }
    }

    /// A row of `id, lng, lat, state, reported_at, closed_at`.
    private static func nearbyCase(_ row: any SQLRow) throws -> NearbyCase {
        NearbyCase(
            id: try row.decode(column: "id", as: Int64.self),
            longitude: try row.decode(column: "lng", as: Double.self),
            latitude: try row.decode(column: "lat", as: Double.self),
            state: try known(try row.decode(column: "state", as: String.self), "state"),
            reportedAt: try row.decode(column: "reported_at", as: Int64.self),
            closedAt: try row.decode(column: "closed_at", as: Int64?.self)
        )
    }
}

extension Store {
    /// Open311's `GET requests`: the city's cases by id, or else by report window, classes,
    /// statuses and update window, newest first, one page of them. Only the columns Open311 shows
    /// are read: a page holds a thousand cases.
    public func serviceRequests(city: String, query: GeoReport.RequestQuery) async throws -> [GeoReport.CaseSummary] {
        let columns = "id, class_code, state, level, area_code, lng, lat, description, lead_department, reported_at, updated_at, due_at"
        return try await backend.read { db in
            if let ids = query.ids {
                guard !ids.isEmpty else { return [] }
                return try await db.raw(
                    "SELECT \(unsafeRaw: columns) FROM cases WHERE city_code = \(bind: city) AND id IN (\(binds: ids)) ORDER BY id"
                ).allDecoded(Self.caseSummary)
            }
            var conditions: [any SQLExpression] = [
                SQLQueryString("city_code = \(bind: city) AND reported_at >= \(bind: query.start) AND reported_at <= \(bind: query.end)")
            ]
            if let codes = query.serviceCodes {
                guard !codes.isEmpty else { return [] }
                conditions.append(SQLQueryString("class_code IN (\(binds: codes))"))
            }
            if let statuses = query.statuses {
                let states = statuses.flatMap(GeoReport.states).map(\.rawValue).sorted()
                conditions.append(SQLQueryString("state IN (\(binds: states))"))
            }
            if let after = query.updatedAfter { conditions.append(SQLQueryString("updated_at >= \(bind: after)")) }
            if let before = query.updatedBefore { conditions.append(SQLQueryString("updated_at <= \(bind: before)")) }
            return try await db.raw(
                """
                SELECT \(unsafeRaw: columns) FROM cases WHERE \(SQLList(conditions, separator: SQLRaw(" AND ")))
                ORDER BY reported_at DESC, id DESC LIMIT \(bind: query.pageSize) OFFSET \(bind: (query.page - 1) * query.pageSize)
                """
            ).allDecoded(Self.caseSummary)
        }
    }

    private static func caseSummary(_ row: any SQLRow) throws -> GeoReport.CaseSummary {
        GeoReport.CaseSummary(
            id: try row.decode(column: "id", as: Int64.self),
            classCode: try row.decode(column: "class_code", as: String.self),
            state: try known(try row.decode(column: "state", as: String.self), "state"),
            level: try known(try row.decode(column: "level", as: String.self), "level"),
            areaCode: try row.decode(column: "area_code", as: String.self),
            longitude: try row.decode(column: "lng", as: Double.self),
            latitude: try row.decode(column: "lat", as: Double.self),
            description: try row.decode(column: "description", as: String.self),
            leadDepartment: try row.decode(column: "lead_department", as: String?.self),
            reportedAt: try row.decode(column: "reported_at", as: Int64.self),
            updatedAt: try row.decode(column: "updated_at", as: Int64.self),
            dueAt: try row.decode(column: "due_at", as: Int64?.self)
        )
    }
}

extension Store {
    /// The logs of several cases, each oldest first (Open311's history notes).
    public func caseEvents(caseIDs: [Int64]) async throws -> [Int64: [CaseEvent]] {
        try await backend.read { db in try await events(caseIDs: caseIDs, db: db) }
    }
}
