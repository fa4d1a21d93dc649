import Foundation
import MinqingCore
import SQLKit

/// A case with its whole log, written at once: the demo's year of history, or a migration from
/// another system. The log is chained here, as if each event had been written in turn.
public struct HistoricCase: Sendable {
    public var record: CaseRecord
    public var events: [CaseEvent]
    /// Each event's hash, the last one the record's `lastHash`.
    public var hashes: [String]

    /// Chains the log (SHA-256 over each event's canonical text, from an empty hash).
    public init(record: CaseRecord, events: [CaseEvent]) {
        var previous = ""
        var hashes: [String] = []
        hashes.reserveCapacity(events.count)
        for event in events {
            previous = Store.chain(previous, event)
            hashes.append(previous)
        }
        var record = record
        record.lastHash = previous
        self.record = record
        self.events = events
        self.hashes = hashes
    }
}

/// Cases to import with the measures' sums they add, added up ahead of the writer: generating and
/// summing the next batch runs on another core while the writer writes this one.
public struct HistoricBatch: Sendable {
    public var cases: [HistoricCase]
    var moves: CountMoves
}

extension Store {
    /// Adds up the measures' sums of cases to import (their logs are chained already): no database, any thread.
    public func prepareImport(_ cases: [HistoricCase]) -> HistoricBatch {
        HistoricBatch(cases: cases, moves: CountMoves(cases.flatMap { countChanges(from: nil, to: ($0.record, $0.events)) }))
    }

    /// Writes cases with their logs, given ids and all, in one transaction: the projections, the
    /// events, the measures' sums, one audit entry for the lot, and an overdue timer for each open
    /// deadline still ahead (a deadline already passed was supervised in the log itself).
    public func importCases(_ cases: [HistoricCase], city: String, actor: String, now: Int64) async throws {
        try await importCases(prepareImport(cases), city: city, actor: actor, now: now)
    }

    /// ``importCases(_:city:actor:now:)`` for a batch prepared beforehand (``prepareImport(_:)``).
    /// After a bulk import: the planner's statistics brought up to date (``ColumnTypes/statisticsRefresh``).
    public func refreshStatistics() async throws {
        guard let statement = types.statisticsRefresh else { return }
        try await backend.read { db in try await db.raw("\(unsafeRaw: statement)").run() }
    }

    public func importCases(_ batch: HistoricBatch, city: String, actor: String, now: Int64) async throws {
        let cases = batch.cases
        guard !cases.isEmpty else { return }
        try await backend.transaction { db in
            for chunk in stride(from: 0, to: cases.count, by: 1000) {
                try await insertCases(cases[chunk..<min(chunk + 1000, cases.count)].map(\.record), db: db)
            }
            var rows: [(event: CaseEvent, previous: String, hash: String)] = []
            for item in cases {
                var previous = ""
                for (event, hash) in zip(item.events, item.hashes) {
                    rows.append((event, previous, hash))
                    previous = hash
                }
            }
            for chunk in stride(from: 0, to: rows.count, by: 3000) {
                try await insertEvents(Array(rows[chunk..<min(chunk + 3000, rows.count)]), db: db)
            }
            try await moveCounts(batch.moves, db: db)
            let timers: [any SQLExpression] = cases.compactMap { item in
                let record = item.record
                guard let due = record.dueAt, due > now, record.pausedAt == nil, record.closedAt == nil else { return nil }
                return SQLGroupExpression([SQLBind(city), SQLBind(record.id), SQLBind(CaseTimerKind.overdue.rawValue), SQLBind(due), SQLBind(due)])
            }
            for chunk in stride(from: 0, to: timers.count, by: 5000) {
                try await db.raw(
                    "INSERT INTO case_timers (city_code, case_id, kind, due_at, reference) VALUES \(SQLList(Array(timers[chunk..<min(chunk + 5000, timers.count)])))"
                ).run()
            }
            try await types.advanceIdentity("cases", db: db)
            try await appendAudit(
                AuditRecord(
                    at: now,
                    cityCode: city,
                    actor: actor,
                    action: "cases.import",
                    target: "cases/\(cases.first!.record.id)-\(cases.last!.record.id)",
                    detail: "\(cases.count) cases, \(rows.count) events"
                ),
                db: db
            )
        }
    }
}
