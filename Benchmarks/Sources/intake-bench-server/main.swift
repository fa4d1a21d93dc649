// The anchors of the intake benchmark (scripts/bench-intake), served beside the real server:
//   group-commit — a bare Hummingbird route that writes one fixed report through the store's
//                  group-commit writer (case, first event, audit entry): no authentication, no JSON,
//                  no grid lookup, no validation. What our intake costs above the write itself.
//   group-commit-unaudited — the same without the audit entry: what the audit log costs a batched write.
//   fsync        — a bare route that inserts one row in a transaction of its own: the ceiling of one
//                  fsync per insert on this disk. What group commit buys.
//   http-only    — the bare route answering at once, writing nothing: what HTTP alone costs on these
//                  cores beside wrk, the ceiling no route can pass.
// Usage: intake-bench-server DATA|postgres://… PORT MODE
import Foundation
import Hummingbird
import Logging
import MinqingCore
import MinqingServer
@_spi(Benchmarks) import MinqingStore
import SQLKit

let arguments = CommandLine.arguments
guard arguments.count == 4, let port = Int(arguments[2]), ["group-commit", "group-commit-unaudited", "fsync", "http-only"].contains(arguments[3])
else {
    FileHandle.standardError.write(
        Data("usage: intake-bench-server DATA|postgres://… PORT group-commit|group-commit-unaudited|fsync|http-only\n".utf8)
    )
    exit(2)
}
let mode = arguments[3]
let logger = {
    var logger = Logger(label: "intake-bench")
    logger.logLevel = .warning
    return logger
}()
var configuration = ServerConfiguration()
if arguments[1].hasPrefix("postgres") { configuration.database = .postgres(url: arguments[1]) } else { configuration.dataDirectory = arguments[1] }
// The store runs for the whole life of the process (PostgreSQL's client must run before it is asked anything).
try await Store.with(configuration.databaseLocation, logger: logger) { opened in
    let store = mode == "group-commit-unaudited" ? opened.withoutAuditing() : opened
    let city = try await store.cities()[0]
    let grid = try await store.currentAreas(city: city).first { $0.level == .grid }!
    let report = CaseReport(
        cityCode: city,
        classCode: "C0101",
        source: .patrol,
        areaCode: grid.code,
        level: .village,
        longitude: grid.shape.polygons[0].rings[0][0].longitude,
        latitude: grid.shape.polygons[0].rings[0][0].latitude,
        description: "井盖缺失",
        reporter: "bench"
    )
    try await store.backend.transaction { db in
        try await db.raw(
            "CREATE TABLE IF NOT EXISTS bench_rows (id \(unsafeRaw: store.dialect == .sqlite ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY"), at BIGINT NOT NULL, body TEXT NOT NULL)"
        ).run()
    }
    // The anchor of one fsync per insert: one transaction at a time, each waiting for its own sync
    // (SQLite would otherwise share a sync among the inserts that commit while it runs).
    let oneAtATime = AsyncSerialLock()
    let router = Router()
    router.post("/intake") { _, _ -> Response in
        let id: Int64
        if mode == "http-only" {
            id = 1
        } else if mode != "fsync" {
            id = try await store.report(report).record.id
        } else {
            id = try await oneAtATime.withLock {
                try await store.backend.transaction { db in
                    try await db.raw(
                        "INSERT INTO bench_rows (at, body) VALUES (\(bind: store.nowMilliseconds), \(bind: report.description)) RETURNING id"
                    )
                    .first()!.decode(column: "id", as: Int64.self)
                }
            }
        }
        return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: "{\"id\":\(id)}")))
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
    try await app.runService()
}
