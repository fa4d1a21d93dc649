// What the audit entry costs a resident's write inside the store, without HTTP: alternating blocks
// of writes audited and unaudited, each block from CONCURRENCY tasks at once, on one open store.
// Usage: audit-bench DATABASE AREA [rounds of one audited and one unaudited block, default 10] [writes per block, default 2000] [concurrency, default 20]
// AUDIT_BENCH_ONLY=audited|unaudited runs one variant alone (to profile it with perf).
import Foundation
import Logging
import MinqingCore
@_spi(Benchmarks) import MinqingStore

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: audit-bench DATABASE AREA [rounds] [writes] [concurrency]\n".utf8))
    exit(2)
}
let rounds = arguments.count > 3 ? Int(arguments[3])! : 10
let writes = arguments.count > 4 ? Int(arguments[4])! : 2000
let concurrency = arguments.count > 5 ? Int(arguments[5])! : 20
var logger = Logger(label: "audit-bench")
logger.logLevel = .warning
let audited = try await Store.open(.sqlite(path: arguments[1]), logger: logger)
let unaudited = audited.withoutAuditing()
let city = try await audited.cities()[0]
let cipher = try PersonalDataCipher(keyRing: PersonalDataCipher.newKeyRingEntry())
let area = arguments[2]

func cpuMicroseconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
}

func block(_ store: Store) async throws -> (cpu: Double, wall: Double) {
    let cpu = cpuMicroseconds()
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<concurrency {
            group.addTask {
                for _ in stride(from: task, to: writes, by: concurrency) {
                    _ = try await store.addPerson(
                        city: city,
                        area: area,
                        name: "压测居民",
                        identityNumber: nil,
                        phone: "13812345678",
                        cipher: cipher,
                        actor: "bench"
                    )
                }
            }
        }
        try await group.waitForAll()
    }
    let wall = ContinuousClock.now - start
    return (
        (cpuMicroseconds() - cpu) / Double(writes),
        Double(wall.components.attoseconds / 1_000_000_000_000 + wall.components.seconds * 1_000_000) / Double(writes)
    )
}

_ = try await block(audited)
var results: [String: [(cpu: Double, wall: Double)]] = [:]
for round in 0..<rounds {
    var variants = round % 2 == 0 ? [("audited", audited), ("unaudited", unaudited)] : [("unaudited", unaudited), ("audited", audited)]
    if let only = ProcessInfo.processInfo.environment["AUDIT_BENCH_ONLY"] { variants = variants.filter { $0.0 == only } }
    for (name, store) in variants {
        let result = try await block(store)
        results[name, default: []].append(result)
        print(name, String(format: "cpu %.1f µs/write, wall %.1f µs/write", result.cpu, result.wall))
    }
}
func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s[s.count / 2]
}
guard let a = results["audited"], let u = results["unaudited"] else { exit(0) }
let ratios = zip(a, u).map { $0.cpu / $1.cpu - 1 }
print(
    String(
        format: "median cpu: audited %.1f, unaudited %.1f, added %.1f µs (%.1f %%); paired ratios median %.1f %%",
        median(a.map(\.cpu)),
        median(u.map(\.cpu)),
        median(a.map(\.cpu)) - median(u.map(\.cpu)),
        (median(a.map(\.cpu)) / median(u.map(\.cpu)) - 1) * 100,
        median(ratios) * 100
    )
)
exit(0)
