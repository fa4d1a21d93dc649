// Serves a city built by `minqing demo` three ways, for the access-control benchmark (scripts/bench-access):
//   enforced   — as `minqing serve`: API key looked up, the policy asked, every write audited;
//   unchecked  — one actor acts for every request: no lookup, no policy; writes still audited;
//   unaudited  — unchecked, and writes append no audit entry.
// Usage: [BENCH_DATABASE_URL=postgres://…] access-bench-server DATA PORT MODE (the city in DATA, or in that PostgreSQL)
import Foundation
import Hummingbird
import Logging
import MinqingCore
@_spi(Benchmarks) import MinqingServer
@_spi(Benchmarks) import MinqingStore

let arguments = CommandLine.arguments
guard arguments.count == 4, let port = Int(arguments[2]), ["enforced", "unchecked", "unaudited"].contains(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: access-bench-server DATA PORT enforced|unchecked|unaudited\n".utf8))
    exit(2)
}
let mode = arguments[3]
var logger = Logger(label: "access-bench")
logger.logLevel = .warning
var configuration = ServerConfiguration()
configuration.dataDirectory = arguments[1]
configuration.port = port
configuration.logLevel = .warning
if let url = ProcessInfo.processInfo.environment["BENCH_DATABASE_URL"] { configuration.database = DatabaseLocation(argument: url) }
// To tell the audit linker's share of an entry's cost from the write's (PostgreSQL): a long interval.
if let milliseconds = ProcessInfo.processInfo.environment["MINQING_AUDIT_LINK_INTERVAL_MS"].flatMap({ Int($0) }) {
    configuration.auditLinkIntervalMilliseconds = milliseconds
}
// Asked of a store of its own: PostgreSQL's client answers only while it runs, and the server's
// store runs once the application does.
let city = try await Store.with(configuration.databaseLocation, logger: logger) { try await $0.cities()[0] }
let opened = try await Store.open(configuration.databaseLocation, logger: logger)
if mode != "enforced" {
    // Every role over the whole city, so that whatever the request, nothing refuses it.
    configuration.unauthenticatedActorForBenchmarks = Actor(
        accountID: nil,
        username: "bench",
        cityCode: city,
        grants: Role.allCases.map { Grant($0, area: city, department: "cgj") }
    )
}
let store = mode == "unaudited" ? opened.withoutAuditing() : opened
let app = try await buildApplication(configuration: configuration, store: store, logger: logger)
try await app.runService()
