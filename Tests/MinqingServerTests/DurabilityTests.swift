import Foundation
import MinqingCore
import MinqingServer
import MinqingStore
import MinqingTestSupport
import SQLKit
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Acknowledged means durable: the server is killed (SIGKILL, no goodbye) during sustained intake,
/// restarted on the same database, and every acknowledged case is there, a retry of any request
/// makes no second case, and every chain verifies. One database at a time: the load is heavy enough
/// to starve the tests running beside it.
@Suite(.serialized)
struct DurabilityTests {
    /// What the load saw: each request's key, and the case it was told was created.
    final class Ledger: Sendable {
        let state = Mutex((acknowledged: [String: Int64](), unanswered: Set<String>()))
        let stopped = Mutex(false)
    }

    /// Up to two minutes: the full suite runs beside it on two cores, and a restart after SIGKILL
    /// replays SQLite's log before it serves.
    static func waitUntilServing(port: Int) async -> Bool {
        for _ in 0..<1200 {
            if let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!),
                String(decoding: data, as: UTF8.self).contains("ok")
            {
                return true
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    static func body(_ key: String) -> Data {
        let point = CasesAPITests.point
        return Data(
            #"{"class": "E0502", "description": "乱停放 \#(key)", "source": "hotline", "location": {"lng": \#(point.longitude), "lat": \#(point.latitude)}}"#
                .utf8
        )
    }

    /// Posts a report with its key; the case id when the server acknowledged it (201, or 200 replayed).
    static func post(port: Int, apiKey: String, key: String) async throws -> (status: Int, id: Int64?, replayed: Bool) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/cases")!)
        request.httpMethod = "POST"
        request.httpBody = body(key)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
        request.setValue(key, forHTTPHeaderField: "Idempotency-Key")
        request.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        let replayed = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Idempotency-Replayed") == "true"
        return (status, (object?["id"] as? NSNumber)?.int64Value, replayed)
    }

    @Test(arguments: TestDatabase.enabled)
    func everyAcknowledgedCaseSurvivesSIGKILLDuringIntake(_ database: TestDatabase) async throws {
        let folder = CommandLineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await database.withLocation { location in
            let common = ["--database", location.argument, "--data", folder, "--log-level", "error"]
            let port = try CommandLineTests.freePort()
            let server = Process()
            server.executableURL = CommandLineTests.executable
            server.arguments = ["demo", "--scale", "40", "--history-cases", "0", "--port", "\(port)"] + common
            server.standardOutput = FileHandle.nullDevice
            try server.run()
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            #expect(await Self.waitUntilServing(port: port))
            let credentials = try JSONDecoder().decode(
                DemoCredentials.self,
                from: Data(contentsOf: URL(fileURLWithPath: folder + "/demo-credentials.json"))
            )
            let apiKey = try #require(credentials.apiKeys["open311_api_key"])

            // Eight clients report as fast as they can; the server is killed under them once it has
            // acknowledged 150 cases (or after 30 s, however loaded the machine).
            let ledger = Ledger()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var sequence = 0
                        while !ledger.stopped.withLock({ $0 }) {
                            let key = "kill-\(client)-\(sequence)"
                            sequence += 1
                            ledger.state.withLock { _ = $0.unanswered.insert(key) }
                            guard let answer = try? await Self.post(port: port, apiKey: apiKey, key: key) else { continue }
                            if answer.status == 201, let id = answer.id {
                                ledger.state.withLock {
                                    $0.unanswered.remove(key)
                                    $0.acknowledged[key] = id
                                }
                            }
                        }
                    }
                }
                let started = ContinuousClock.now
                while ledger.state.withLock({ $0.acknowledged.count }) < 150, ContinuousClock.now - started < .seconds(30) {
                    try await Task.sleep(for: .milliseconds(50))
                }
                kill(server.processIdentifier, SIGKILL)
                await CommandLineTests.exit(of: server)
                ledger.stopped.withLock { $0 = true }
                try await group.waitForAll()
            }
            #expect(server.terminationReason == .uncaughtSignal)
            let (acknowledged, unanswered) = ledger.state.withLock { ($0.acknowledged, $0.unanswered) }
            // What is tested is that every acknowledged case survives; enough of them that the kill
            // lands mid-flow, however slowly a loaded machine served (150 in 30 s usually; once 105).
            #expect(acknowledged.count >= 30, "only \(acknowledged.count) cases were acknowledged before the kill")

            // Restarted on the same database: every acknowledged case is there, and a retry of it is a replay.
            let restartPort = try CommandLineTests.freePort()
            let restarted = Process()
            restarted.executableURL = CommandLineTests.executable
            restarted.arguments = ["serve", "--port", "\(restartPort)"] + common
            try restarted.run()
            defer {
                if restarted.isRunning {
                    restarted.terminate()
                    restarted.waitUntilExit()
                }
            }
            #expect(await Self.waitUntilServing(port: restartPort))
            for (key, id) in acknowledged {
                let retry = try await Self.post(port: restartPort, apiKey: apiKey, key: key)
                #expect(retry.id == id && retry.replayed, "\(key): acknowledged as case \(id), after the restart \(retry)")
            }
            // A request the kill cut off was committed or not: its retry makes exactly one case either way.
            for key in unanswered {
                let retry = try await Self.post(port: restartPort, apiKey: apiKey, key: key)
                #expect(retry.status == 201 && retry.id != nil, "\(key): \(retry)")
            }
            let keys = acknowledged.count + unanswered.count
            try await Store.with(location, logger: TestDatabase.logger) { store in
                let counts = try await store.backend.read { db in
                    try await db.raw("SELECT (SELECT COUNT(*) FROM cases) AS cases, (SELECT COUNT(*) FROM idempotency_keys) AS keys").first()!
                }
                #expect(try counts.decode(column: "cases", as: Int.self) == keys)
                #expect(try counts.decode(column: "keys", as: Int.self) == keys)
            }
            restarted.terminate()
            await CommandLineTests.exit(of: restarted)
            let verified = try await CommandLineTests.minqing(["audit", "verify"] + common)
            #expect(verified.status == 0, "\(verified.errors)")
            #expect(verified.output.contains("the chain holds"), "\(verified.output)")
            // Every entry chained, those the kill left unchained too (on PostgreSQL): none left for next time.
            #expect(!verified.output.contains("next time"), "\(verified.output)")
            #expect(verified.output.contains("case logs: \(keys) events, the chain holds."), "\(verified.output)")
        }
    }
}
