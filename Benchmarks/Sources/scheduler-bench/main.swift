// The scheduler figure of BENCHMARKS.md (issue 4): a million open deadlines, and each overdue case
// acted on (supervised, its people told) within a second of its deadline. Writes `total` open cases
// with an overdue timer each; `due` of them fall due within a window of `window` seconds, the rest
// over the following month. Then serves the real server (its scheduler sweeping) over that database
// through the window, while a reader watches from a connection of its own for any timer still open a
// second after its deadline — what a reader sees is committed. Prints the lateness of every firing.
// Usage: scheduler-bench DATA|postgres://… [total] [due] [window seconds]
import Foundation
import Hummingbird
import Logging
import MinqingCore
import MinqingServer
import MinqingStore
import SQLKit

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: scheduler-bench DATA|postgres://… [total] [due] [window seconds]\n".utf8))
    exit(2)
}
let total = arguments.count > 2 ? Int(arguments[2])! : 1_000_000
let dueCount = arguments.count > 3 ? Int(arguments[3])! : 60_000
let window = Int64(arguments.count > 4 ? Int(arguments[4])! : 60)
var logger = Logger(label: "scheduler-bench")
logger.logLevel = .warning
var configuration = ServerConfiguration()
configuration.port = 0
if arguments[1].hasPrefix("postgres") {
    configuration.database = .postgres(url: arguments[1])
    configuration.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("scheduler-bench-\(getpid())").path
} else {
    configuration.dataDirectory = arguments[1]
}
let location = configuration.databaseLocation

let now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

// The window opens `lead` seconds after the start: enough to write the rows first.
let lead: Int64 = 30 + Int64(total / 25_000)
let windowStart = now() + lead * 1000
let started = ContinuousClock.now
try await Store.with(location, logger: logger) { store in
    try await store.migrate()
    let columns = [
        "id", "city_code", "class_code", "state", "source", "area_code", "level", "lng", "lat", "description", "reporter", "lead_department",
        "co_departments", "reported_at", "updated_at", "dispatched_at", "due_at", "event_count", "last_hash",
    ]
    func due(_ index: Int) -> Int64 {
        index < dueCount
            ? windowStart + Int64(index) * window * 1000 / Int64(dueCount)
            : windowStart + window * 1000 + 3_600_000 + Int64(index - dueCount) * 30 * 86_400_000 / Int64(max(1, total - dueCount))
    }
    let batch = 500
    for first in stride(from: 0, to: total, by: 50_000) {
        try await store.backend.transaction { db in
            for start in stride(from: first, to: min(first + 50_000, total), by: batch) {
                let indices = start..<min(start + batch, total)
                let cases: [any SQLExpression] = indices.map { index in
                    let at = windowStart - 86_400_000
                    return SQLGroupExpression(
                        [
                            SQLBind(Int64(index + 1)), SQLBind("449900"), SQLBind("H01"), SQLBind("signed"), SQLBind("patrol"),
                            SQLBind("449900001001001"), SQLBind("town"), SQLBind(115.5), SQLBind(22.9), SQLBind("bench"), SQLBind("bench"),
                            SQLBind("gaj"), SQLBind("[]"), SQLBind(at), SQLBind(at), SQLBind(at), SQLBind(due(index)), SQLBind(Int64(3)),
                            SQLBind("bench"),
                        ] as [any SQLExpression]
                    )
                }
                try await db.raw(
                    """
                    INSERT INTO cases (\(unsafeRaw: columns.joined(separator: ", ")))\(unsafeRaw: store.dialect == .postgres ? " OVERRIDING SYSTEM VALUE" : "")
                    VALUES \(SQLList(cases))
                    """
                ).run()
                let timers: [any SQLExpression] = indices.map { index in
                    SQLGroupExpression([SQLBind("449900"), SQLBind(Int64(index + 1)), SQLBind("overdue"), SQLBind(due(index)), SQLBind(due(index))])
                }
                try await db.raw("INSERT INTO case_timers (city_code, case_id, kind, due_at, reference) VALUES \(SQLList(timers))").run()
            }
        }
    }
    if store.dialect == .postgres {
        try await store.backend.read { db in
            try await db.raw("SELECT setval(pg_get_serial_sequence('cases', 'id'), \(bind: Int64(total)))").run()
            try await db.raw("ANALYZE").run()
        }
    }
}
let written = ContinuousClock.now - started
guard now() < windowStart else {
    FileHandle.standardError.write(Data("writing \(total) deadlines took \(written), past the window's start: give a smaller total\n".utf8))
    exit(1)
}
print("wrote \(total) open deadlines in \(written); \(dueCount) fall due in the \(window) s window")

// The real server, its scheduler sweeping; a reader watching.
let store = try await Store.open(location, logger: logger)
let app = try await buildApplication(configuration: configuration, store: store, logger: logger)
try await Store.with(location, logger: logger) { reader in
    var worstMissed = 0
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.runService() }
        while now() < windowStart + window * 1000 + 2000 {
            try await Task.sleep(for: .milliseconds(200))
            let cutoff = now() - 1000
            let missed = try await reader.backend.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM case_timers WHERE done_at IS NULL AND due_at <= \(bind: cutoff)").first()!
                    .decode(column: "n", as: Int.self)
            }
            worstMissed = max(worstMissed, missed)
        }
        group.cancelAll()
    }
    let lateness = try await reader.backend.read { db in
        try await db.raw("SELECT done_at - due_at AS late FROM case_timers WHERE outcome = 'fired' ORDER BY late").all()
            .map { try $0.decode(column: "late", as: Int64.self) }
    }
    let supervised = try await reader.backend.read { db in
        try await db.raw("SELECT COUNT(*) AS n FROM case_events WHERE action = 'supervise'").first()!.decode(column: "n", as: Int.self)
    }
    let open = try await reader.backend.read { db in
        try await db.raw("SELECT COUNT(*) AS n FROM case_timers WHERE done_at IS NULL").first()!.decode(column: "n", as: Int.self)
    }
    func percentile(_ p: Double) -> Int64 { lateness.isEmpty ? -1 : lateness[min(lateness.count - 1, Int(Double(lateness.count) * p))] }
    print("fired \(lateness.count) of \(dueCount) due (\(supervised) supervision events); \(open) deadlines still open")
    print("lateness from deadline to the sweep's stamp: p50 \(percentile(0.5)) ms, p99 \(percentile(0.99)) ms, max \(lateness.last ?? -1) ms")
    print("largest number of deadlines a reader saw still open a second after they fell due: \(worstMissed)")
}
