import Foundation
import HTTPTypes
import HummingbirdTesting
import MinqingCore
import MinqingServer
import MinqingStore
import MinqingTestSupport
import NIOCore
import Testing

/// What the loop tells people over real HTTP: the scheduler supervising an overdue case and
/// notifying its department and the level above, and the measures over the cases.
struct MeasuresAndNoticesAPITests {
    typealias Loop = CasesAPITests

    static func notices(_ server: ServerHarness.Context, key: String) async throws -> [[String: Any]] {
        let response = try await server.request("/api/v1/notices", key: key)
        #expect(response.status == .ok, "\(response.text)")
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]])
    }

    @Test(arguments: TestDatabase.enabled)
    func anOverdueCaseIsSupervisedOnceByTheLevelAboveAndItsPeopleAreTold(_ database: TestDatabase) async throws {
        let clock = TestClock()
        let quickSweeps: @Sendable (inout ServerConfiguration) -> Void = { $0.schedulerIntervalMilliseconds = 20 }
        try await ServerHarness.withServer(database, configure: quickSweeps, now: clock.now) { server in
            let people = try await Loop.people(server)
            let county = Loop.tree.path(code: Loop.grid.code)[3].code
            let countyCenter = try await server.key(for: "zhzx-\(county)")
            let id = try await Loop.report(server, people)
            try await Loop.act(server, id, people.center, #"{"action": "accept"}"#)
            // 井盖 (C0101): 4 working hours, at the town level (a component).
            try await Loop.act(server, id, people.center, #"{"action": "dispatch"}"#)
            try await Loop.act(server, id, people.department, #"{"action": "sign"}"#)

            clock.advance(by: 3 * 86_400)
            var log: [[String: Any]] = []
            for _ in 0..<500 {
                log = try await Loop.history(server, id, key: people.center)
                if log.contains(where: { $0["action"] as? String == "supervise" }) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let supervision = try #require(log.last)
            #expect(supervision["action"] as? String == "supervise")
            #expect(supervision["actor"] as? String == CaseTimers.actor)
            #expect(supervision["to"] as? String == "signed")
            #expect(((supervision["fields"] as? [String: Any])?["reason"] as? String)?.hasPrefix("超期督办") == true)
            let overdue = try await server.request("/api/v1/cases/\(id)", key: people.center).json()
            #expect(overdue["light"] as? String == "red")

            // The department hears of the yellow light and of the supervision; the county (the level
            // above the town that handles it) is asked to supervise; the town's center is not.
            let toDepartment = try await Self.notices(server, key: people.department)
            #expect(toDepartment.map { $0["kind"] as? String } == ["overdue", "warning"])
            #expect(toDepartment.allSatisfy { ($0["case"] as? NSNumber)?.int64Value == id && $0["department"] as? String == "cgj" })
            let toCounty = try await Self.notices(server, key: countyCenter)
            #expect(toCounty.map { $0["kind"] as? String } == ["overdue"])
            #expect(toCounty.first?["area"] as? String == county)
            #expect(try await Self.notices(server, key: people.center).isEmpty)
            let worker = try await server.request("/api/v1/notices", key: people.worker)
            #expect(worker.status == .forbidden)

            // Later sweeps find nothing more to do.
            clock.advance(by: 86_400)
            try await Task.sleep(for: .milliseconds(200))
            let again = try await Loop.history(server, id, key: people.center)
            #expect(again.filter { $0["action"] as? String == "supervise" }.count == 1)
            #expect(try await Self.notices(server, key: people.department).count == 2)
        }
    }

    static func measures(
        _ server: ServerHarness.Context,
        _ query: String,
        key: String
    ) async throws -> (counters: [String: Int], measures: [String: [String: Any]]) {
        let response = try await server.request("/api/v1/measures?\(query)", key: key)
        #expect(response.status == .ok, "\(response.text)")
        let body = try response.json()
        let counters = (body["counters"] as? [String: NSNumber] ?? [:]).mapValues(\.intValue)
        let measures = (body["measures"] as? [[String: Any]] ?? []).reduce(into: [String: [String: Any]]()) { $0[$1["id"] as? String ?? ""] = $1 }
        return (counters, measures)
    }

    @Test(arguments: TestDatabase.enabled)
    func measuresCountTheLoopWithTheirDenominatorsAndRefuseBadQuestions(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            let spot = try await Loop.report(server, people)
            try await Loop.act(server, spot, people.worker, #"{"action": "resolve_on_site", "evidence": ["sha256:1"]}"#)
            let loop = try await Loop.report(server, people)
            for (key, body) in [
                (people.center, #"{"action": "accept"}"#), (people.center, #"{"action": "dispatch"}"#), (people.department, #"{"action": "sign"}"#),
                (people.department, #"{"action": "handle", "result": "已补齐井盖", "evidence": ["sha256:2"]}"#),
                (people.center, #"{"action": "verify", "evidence": ["sha256:3"]}"#), (people.center, #"{"action": "close"}"#),
                (people.center, #"{"action": "rate", "solved": true, "satisfied": false}"#),
            ] {
                try await Loop.act(server, loop, key, body)
            }
            let rejected = try await Loop.report(server, people)
            try await Loop.act(server, rejected, people.center, #"{"action": "reject", "reason": "重复上报"}"#)

            let town = try await Self.measures(server, "area=\(Loop.town)", key: people.center)
            #expect(town.counters["reports"] == 3)
            #expect(town.counters["valid"] == 2)
            #expect(town.counters["closed"] == 1)
            #expect(town.counters["return_calls"] == 1)
            func ratio(_ measure: [String: Any]?) -> [Int] {
                [(measure?["numerator_value"] as? NSNumber)?.intValue ?? -1, (measure?["denominator_value"] as? NSNumber)?.intValue ?? -1]
            }
            #expect(ratio(town.measures["valid_report_rate"]) == [2, 3])
            #expect(ratio(town.measures["on_the_spot_rate"]) == [1, 3])
            #expect(ratio(town.measures["handling_rate"]) == [1, 1])
            #expect(ratio(town.measures["solved_rate"]) == [1, 1])
            #expect(ratio(town.measures["satisfaction_rate"]) == [0, 1])
            #expect(town.measures["valid_report_rate"]?["name_zh"] as? String == "有效上报率")
            #expect(town.measures["valid_report_rate"]?["denominator"] as? String == "reports")
            #expect(town.measures["return_rate"]?["rate"] == nil || (town.measures["return_rate"]?["rate"] as? NSNumber)?.doubleValue == 0)
            #expect(town.measures.count == CaseMeasures.formulas.count)

            // The whole city answers the same (the city-wide sums); a department sees its own part.
            let city = try await Self.measures(server, "", key: server.adminKey)
            #expect(city.counters == town.counters)
            // Every level of the tree answers alike here (every report lies in one grid): the county
            // and the town from their own sums, the village by adding up its grids, the grid alone.
            let path = Loop.tree.path(code: Loop.grid.code)
            for area in [path[3].code, path[1].code, path[0].code] {
                #expect(try await Self.measures(server, "area=\(area)", key: server.adminKey).counters == town.counters, "\(area)")
            }
            let head = try await Self.measures(server, "department=cgj", key: people.department)
            #expect(head.counters["reports"] == 0)
            #expect(head.counters["dispatches"] == 1)
            #expect(head.counters["handled"] == 1)
            #expect(ratio(head.measures["valid_report_rate"]) == [0, 0])
            // Asking nothing, a department's head gets their department's figures.
            #expect(try await Self.measures(server, "", key: people.department).counters == head.counters)
            #expect(head.measures["valid_report_rate"]?["rate"] == nil)

            // A period before any report holds nothing.
            let before = try await Self.measures(server, "from=2020-01-01&to=2020-12-31", key: people.center)
            #expect(before.counters["reports"] == 0)

            for (query, key, status, detail) in [
                ("from=2026-13-01", people.center, HTTPResponse.Status.badRequest, "from: 2026-13-01 is not a date (YYYY-MM-DD)"),
                ("from=2026-02-01&to=2026-01-01", people.center, .badRequest, "from: 2026-02-01 is after to: 2026-01-01"),
                ("from=2000-01-01&to=2026-01-01", people.center, .badRequest, "from: a period is at most 3661 days long"),
                ("class=Z99", people.center, .badRequest, "class: no class has the code Z99"),
                ("department=nope", people.center, .badRequest, "department: no department has the code nope"),
                ("area=449999999", people.center, .notFound, "no area has the code 449999999"),
                // Another department's figures, another town's: not found, as if absent.
                ("department=gaj", people.department, .notFound, nil),
                ("area=\(Loop.tree.path(code: Loop.grid.code)[3].code)", people.center, .notFound, nil),
                ("", people.worker, .forbidden, nil),
            ] {
                let response = try await server.request("/api/v1/measures?\(query)", key: key)
                #expect(response.status == status, "\(query): \(response.text)")
                if let detail { #expect(try response.problem().detail == detail, "\(query)") }
            }
        }
    }
}
