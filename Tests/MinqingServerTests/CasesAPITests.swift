import Foundation
import HTTPTypes
import HummingbirdTesting
import MinqingCore
import MinqingStore
import MinqingTestSupport
import NIOCore
import SQLKit
import Testing

@testable import MinqingServer

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The closed loop over real HTTP: each path of a case from report to its end, every refusal with
/// its answer, idempotent retries, and the hash-chained log.
struct CasesAPITests {
    static let areas = DemoCityBuilder(plan: ServerHarness.plan).build()
    static let tree = AreaTree(areas: areas)
    static let grid = areas.first { $0.level == .grid }!
    static let town = tree.path(code: grid.code)[2].code
    /// A point inside ``grid`` (demo grids are convex hexagons).
    static let point: GeoPoint = {
        let ring = grid.shape.polygons[0].rings[0].dropLast()
        return GeoPoint(
            longitude: ring.map(\.longitude).reduce(0, +) / Double(ring.count),
            latitude: ring.map(\.latitude).reduce(0, +) / Double(ring.count)
        )
    }()

    /// Keys of the people of one loop: the grid's worker, the town's command center, the department
    /// the class routes to (井盖 → 城管), and a department with no part in it.
    struct People {
        var worker: String
        var center: String
        var department: String
        var otherDepartment: String
    }

    static func people(_ server: ServerHarness.Context) async throws -> People {
        People(
            worker: try await server.key(for: "wgy-\(grid.code)-1"),
            center: try await server.key(for: "zhzx-\(town)"),
            department: try await server.key(for: "bm-cgj"),
            otherDepartment: try await server.key(for: "bm-gaj")
        )
    }

    static func reportBody(_ description: String = "井盖缺失，行人易跌落", classCode: String = "C0101") -> String {
        #"{"class": "\#(classCode)", "description": "\#(description)", "source": "patrol", "location": {"lng": \#(point.longitude), "lat": \#(point.latitude)}}"#
    }

    /// Reports a case as the grid worker; returns its id.
    static func report(_ server: ServerHarness.Context, _ people: People) async throws -> Int64 {
        let created = try await server.request("/api/v1/cases", .post, key: people.worker, json: reportBody())
        #expect(created.status == .created, "\(created.text)")
        return try #require((try created.json()["id"] as? NSNumber)?.int64Value)
    }

    /// Takes an action; returns the case after it, failing the test on any other answer than 200.
    @discardableResult
    static func act(
        _ server: ServerHarness.Context,
        _ id: Int64,
        _ key: String,
        _ body: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        let response = try await server.request("/api/v1/cases/\(id)/actions", .post, key: key, json: body)
        #expect(response.status == .ok, "\(body): \(response.text)", sourceLocation: sourceLocation)
        return try response.json()
    }

    /// Runs a reported case the usual way to closure: accepted, dispatched by its route, signed and
    /// handled by the department, verified by the grid worker, closed by the center.
    static func runToClosure(_ server: ServerHarness.Context, _ id: Int64, _ people: People) async throws {
        try await act(server, id, people.center, #"{"action": "accept"}"#)
        try await act(server, id, people.center, #"{"action": "dispatch"}"#)
        try await act(server, id, people.department, #"{"action": "sign"}"#)
        try await act(server, id, people.department, #"{"action": "handle", "result": "已补齐井盖", "evidence": ["sha256:ab12"]}"#)
        try await act(server, id, people.worker, #"{"action": "verify", "evidence": ["sha256:cd34"]}"#)
        try await act(server, id, people.center, #"{"action": "close"}"#)
    }

    static func history(_ server: ServerHarness.Context, _ id: Int64, key: String) async throws -> [[String: Any]] {
        let response = try await server.request("/api/v1/cases/\(id)/history", key: key)
        #expect(response.status == .ok, "\(response.text)")
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]])
    }

    @Test(arguments: TestDatabase.enabled)
    func aGridWorkerResolvesOnTheSpotAndTheCaseClosesAtGridLevel(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.people(server)
            let created = try await server.request("/api/v1/cases", .post, key: people.worker, json: Self.reportBody())
            let report = try created.json()
            #expect(report["state"] as? String == "reported")
            #expect(report["area"] as? String == Self.grid.code)
            #expect(report["class"] as? String == "C0101")
            #expect((report["allowed_actions"] as? [String])?.contains("resolve_on_site") == true)
            let id = try #require((report["id"] as? NSNumber)?.int64Value)

            let missing = try await server.request("/api/v1/cases/\(id)/actions", .post, key: people.worker, json: #"{"action": "resolve_on_site"}"#)
            #expect(missing.status == .badRequest)
            #expect(try missing.problem().detail == "evidence: resolve_on_site needs it")

            let resolved = try await Self.act(server, id, people.worker, #"{"action": "resolve_on_site", "evidence": ["sha256:ab12"]}"#)
            #expect(resolved["state"] as? String == "resolved_on_site")
            #expect(resolved["level"] as? String == "grid")
            #expect(resolved["closed_at"] != nil)
            let log = try await Self.history(server, id, key: people.worker)
            #expect(log.map { $0["action"] as? String } == ["report", "resolve_on_site"])
            #expect(log[1]["previous_hash"] as? String == log[0]["hash"] as? String)
            #expect((log[1]["fields"] as? [String: Any])?["evidence"] as? [String] == ["sha256:ab12"])
            #expect(try await server.store.verifyCaseLogs(city: server.credentials.city).firstBreak == nil)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func theWholeLoopDispatchHandleVerifyCloseRate(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.people(server)
            let id = try await Self.report(server, people)
            try await Self.act(server, id, people.center, #"{"action": "accept"}"#)
            // No department named: the class's route decides (井盖 → 城管).
            let dispatched = try await Self.act(server, id, people.center, #"{"action": "dispatch", "co_departments": ["gdj"]}"#)
            #expect(dispatched["state"] as? String == "dispatched")
            #expect(dispatched["lead_department"] as? String == "cgj")
            #expect(dispatched["co_departments"] as? [String] == ["gdj"])
            #expect(dispatched["due_at"] != nil)
            #expect(dispatched["light"] as? String == "green")

            // Another department neither sees it nor acts on it.
            let stranger = try await server.request("/api/v1/cases/\(id)", key: people.otherDepartment)
            #expect(stranger.status == .notFound)
            let assisting = try await server.request("/api/v1/cases/\(id)", key: try await server.key(for: "bm-gdj"))
            #expect(assisting.status == .ok)

            let signed = try await Self.act(server, id, people.department, #"{"action": "sign"}"#)
            #expect(signed["state"] as? String == "signed")
            #expect((signed["allowed_actions"] as? [String])?.contains("handle") == true)
            #expect((signed["allowed_actions"] as? [String])?.contains("close") == false)
            try await Self.act(server, id, people.department, #"{"action": "handle", "result": "已补齐井盖", "evidence": ["sha256:cd34"]}"#)
            try await Self.act(server, id, people.worker, #"{"action": "verify", "evidence": ["sha256:ef56"]}"#)
            let closed = try await Self.act(server, id, people.center, #"{"action": "close"}"#)
            #expect(closed["state"] as? String == "closed")
            #expect(closed["due_at"] == nil)
            let rated = try await Self.act(server, id, people.center, #"{"action": "rate", "solved": true, "satisfied": false}"#)
            #expect(rated["state"] as? String == "rated")

            let log = try await Self.history(server, id, key: people.center)
            #expect(log.map { $0["action"] as? String } == ["report", "accept", "dispatch", "sign", "handle", "verify", "close", "rate"])
            #expect(log.map { $0["to"] as? String } == ["reported", "accepted", "dispatched", "signed", "handled", "verified", "closed", "rated"])
            let rating = try #require(log.last?["fields"] as? [String: Any])
            #expect(rating["solved"] as? Bool == true && rating["satisfied"] as? Bool == false)
            #expect(try await server.store.verifyCaseLogs(city: server.credentials.city).firstBreak == nil)
            // Each action is in the audit log too.
            let audited = try await server.store.searchAudit(city: server.credentials.city, AuditQuery(target: "cases/\(id)"))
            #expect(audited.total == 8)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func anIllegalActionAnswers409WithTheStateAndChangesNothing(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.people(server)
            let id = try await Self.report(server, people)
            let auditBefore = try await server.store.searchAudit(city: server.credentials.city, AuditQuery()).total
            let refused = try await server.request("/api/v1/cases/\(id)/actions", .post, key: people.center, json: #"{"action": "close"}"#)
            #expect(refused.status == .conflict)
            let problem = try refused.problem()
            #expect(problem.type == "urn:minqing:problem:case-state")
            #expect(problem.body["state"] as? String == "reported")
            #expect(
                problem.body["allowed_actions"] as? [String] == CaseLifecycle.allowedActions(in: .reported).map(\.rawValue)
            )
            // The wrong role, a missing reason, an unknown department, an unknown action: each named, nothing written.
            let refusals: [(String, String, HTTPResponse.Status, String)] = [
                (people.worker, #"{"action": "accept"}"#, .forbidden, "a grid_worker may not accept; it is for: command_center"),
                (people.center, #"{"action": "reject"}"#, .badRequest, "reason: reject needs it"),
                (people.center, #"{"action": "reject", "reason": "  "}"#, .badRequest, "reason: reject needs it"),
                (people.center, #"{"action": "merge", "merged_into": 999999}"#, .badRequest, "merged_into: no case has the id 999999"),
                (people.center, #"{"action": "merge", "merged_into": \#(id)}"#, .badRequest, "merged_into: a case cannot be merged into itself"),
                (people.center, #"{"action": "fly"}"#, .badRequest, "action"),
            ]
            for (key, body, status, detail) in refusals {
                let response = try await server.request("/api/v1/cases/\(id)/actions", .post, key: key, json: body)
                #expect(response.status == status, "\(body): \(response.text)")
                #expect(try response.problem().detail.contains(detail), "\(body): \(response.text)")
            }
            try await Self.act(server, id, people.center, #"{"action": "accept"}"#)
            let unknownDepartment = try await server.request(
                "/api/v1/cases/\(id)/actions",
                .post,
                key: people.center,
                json: #"{"action": "dispatch", "lead_department": "nope"}"#
            )
            #expect(unknownDepartment.status == .badRequest)
            #expect(try unknownDepartment.problem().detail == "lead_department: no department has the code nope")
            // A department cannot sign a case not yet sent to it: it does not see it at all.
            let early = try await server.request("/api/v1/cases/\(id)/actions", .post, key: people.department, json: #"{"action": "sign"}"#)
            #expect(early.status == .notFound)

            let log = try await Self.history(server, id, key: people.center)
            #expect(log.count == 2)
            #expect(try await server.store.searchAudit(city: server.credentials.city, AuditQuery()).total == auditBefore + 1)
            let unknown = try await server.request("/api/v1/cases/999999", key: people.center)
            #expect(unknown.status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aReturnNamesTheDepartmentAndTheCaseIsDispatchedAgain(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.people(server)
            let id = try await Self.report(server, people)
            try await Self.act(server, id, people.center, #"{"action": "accept"}"#)
            try await Self.act(server, id, people.center, #"{"action": "dispatch", "lead_department": "cgj"}"#)
            let noReason = try await server.request("/api/v1/cases/\(id)/actions", .post, key: people.department, json: #"{"action": "return"}"#)
            #expect(noReason.status == .badRequest)
            let returned = try await Self.act(server, id, people.department, #"{"action": "return", "reason": "属供电局管辖的电缆井"}"#)
            #expect(returned["state"] as? String == "returned")
            #expect(returned["lead_department"] == nil)
            // The returning department no longer sees the case; the one it goes to next does.
            #expect(try await server.request("/api/v1/cases/\(id)", key: people.department).status == .notFound)
            let power = try await server.key(for: "bm-gdj")
            try await Self.act(server, id, people.center, #"{"action": "dispatch", "lead_department": "gdj"}"#)
            try await Self.act(server, id, power, #"{"action": "sign"}"#)
            let log = try await Self.history(server, id, key: people.center)
            let returnEvent = try #require(log.first { $0["action"] as? String == "return" })
            let fields = try #require(returnEvent["fields"] as? [String: Any])
            #expect(fields["lead_department"] as? String == "cgj")
            #expect(fields["reason"] as? String == "属供电局管辖的电缆井")
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func anExtensionMovesTheDeadlineAndNotSolvedReopensTheCase(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.people(server)
            let id = try await Self.report(server, people)
            try await Self.act(server, id, people.center, #"{"action": "accept"}"#)
            let dispatched = try await Self.act(server, id, people.center, #"{"action": "dispatch"}"#)
            try await Self.act(server, id, people.department, #"{"action": "sign"}"#)
            let requested = try await Self.act(
                server,
                id,
                people.department,
                #"{"action": "request_extension", "reason": "需采购井盖", "extension_days": 3}"#
            )
            #expect(requested["state"] as? String == "extension_requested")
            let approved = try await Self.act(server, id, people.center, #"{"action": "approve_extension"}"#)
            #expect(approved["state"] as? String == "signed")
            let dueBefore = try #require(dispatched["due_at"] as? String)
            let dueAfter = try #require(approved["due_at"] as? String)
            let before = try #require(ISO8601DateFormatter().date(from: dueBefore))
            let after = try #require(ISO8601DateFormatter().date(from: dueAfter))
            // Three working days later: at least three calendar days.
            #expect(after.timeIntervalSince(before) >= 3 * 86_400)
            let log = try await Self.history(server, id, key: people.center)
            #expect((log.last?["fields"] as? [String: Any])?["extension_days"] as? Int == 3)

            try await Self.act(server, id, people.department, #"{"action": "handle", "result": "已更换", "evidence": ["sha256:1"]}"#)
            let rework = try await Self.act(server, id, people.worker, #"{"action": "rework", "reason": "井盖尺寸不符"}"#)
            #expect(rework["state"] as? String == "signed")
            try await Self.act(server, id, people.department, #"{"action": "handle", "result": "已按尺寸更换", "evidence": ["sha256:2"]}"#)
            try await Self.act(server, id, people.worker, #"{"action": "verify", "evidence": ["sha256:3"]}"#)
            try await Self.act(server, id, people.center, #"{"action": "close"}"#)
            let reopened = try await Self.act(server, id, people.center, #"{"action": "rate", "solved": false, "satisfied": false}"#)
            #expect(reopened["state"] as? String == "accepted")
            #expect(reopened["closed_at"] == nil)
            #expect(reopened["lead_department"] == nil)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aRetryWithTheSameKeyReturnsTheFirstCaseAndMakesNoDuplicate(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.people(server)
            let headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "3f1c2a9e-retry"]
            let first = try await server.request("/api/v1/cases", .post, key: people.worker, json: Self.reportBody(), headers: headers)
            #expect(first.status == .created)
            #expect(first.headers[HTTPField.Name("Idempotency-Replayed")!] == "false")
            let again = try await server.request("/api/v1/cases", .post, key: people.worker, json: Self.reportBody(), headers: headers)
            #expect(again.status == .created)
            #expect(again.headers[HTTPField.Name("Idempotency-Replayed")!] == "true")
            #expect(try again.json()["id"] as? NSNumber == (try first.json()["id"] as? NSNumber))

            let other = try await server.request("/api/v1/cases", .post, key: people.worker, json: Self.reportBody("另一处井盖"), headers: headers)
            #expect(other.status == .conflict)
            #expect(try other.problem().detail.contains("Idempotency-Key 3f1c2a9e-retry was used for a different request"))
            // Another account's key of the same text is its own.
            let center = try await server.request("/api/v1/cases", .post, key: people.center, json: Self.reportBody(), headers: headers)
            #expect(center.status == .created)
            #expect(center.headers[HTTPField.Name("Idempotency-Replayed")!] == "false")

            // Retries racing each other in one batch still make one case.
            let racing: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "race-1"]
            let ids = try await withThrowingTaskGroup(of: NSNumber?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await server.request("/api/v1/cases", .post, key: people.worker, json: Self.reportBody("竞速"), headers: racing)
                            .json()["id"] as? NSNumber
                    }
                }
                return try await group.reduce(into: Set<NSNumber?>()) { $0.insert($1) }
            }
            #expect(ids.count == 1 && ids.first! != nil)

            let bad = try await server.request(
                "/api/v1/cases",
                .post,
                key: people.worker,
                json: Self.reportBody(),
                headers: [HTTPField.Name("Idempotency-Key")!: "has space"]
            )
            #expect(bad.status == .badRequest)
            let count = try await server.caseCount()
            #expect(count == 3)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func intakeNamesEveryBadFieldAndWritesNothing(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.people(server)
            let far = Self.areas.first { $0.level == .grid && Self.tree.path(code: $0.code)[2].code != Self.town }!
            let farPoint = far.shape.polygons[0].rings[0][0]
            let cases: [(String, HTTPResponse.Status, String)] = [
                (Self.reportBody(classCode: "C01"), .unprocessableContent, "class: C01 is not a case subclass"),
                (Self.reportBody(classCode: "X9999"), .unprocessableContent, "class: X9999"),
                (Self.reportBody(" "), .badRequest, "description: say what the problem is"),
                (Self.reportBody(String(repeating: "长", count: 2001)), .badRequest, "description"),
                (
                    #"{"class": "C0101", "description": "x", "source": "patrol", "location": {"lng": 10.0, "lat": 10.0}}"#,
                    .unprocessableContent, "location: the point 10.0, 10.0 lies outside every area"
                ),
                (#"{"class": "C0101", "description": "x", "source": "rumour", "location": {"lng": 1, "lat": 1}}"#, .badRequest, "source"),
                (#"{"class": "C0101", "description": "x", "source": "patrol"}"#, .badRequest, "location"),
                // A grid worker reports in their own grid only.
                (
                    #"{"class": "C0101", "description": "x", "source": "patrol", "location": {"lng": \#(farPoint.longitude), "lat": \#(farPoint.latitude)}}"#,
                    .forbidden, "outside_area"
                ),
            ]
            for (body, status, detail) in cases {
                let response = try await server.request("/api/v1/cases", .post, key: people.worker, json: body)
                #expect(response.status == status, "\(body.prefix(80)): \(response.text)")
                #expect(try response.problem().detail.contains(detail), "\(body.prefix(80)): \(response.text)")
            }
            let auditor = try await server.request(
                "/api/v1/cases",
                .post,
                key: try await server.key(for: "sj-\(server.credentials.city)"),
                json: Self.reportBody()
            )
            #expect(auditor.status == .forbidden)
            let count = try await server.caseCount()
            #expect(count == 0)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func concurrentReportsAreEachWrittenOnceAndEveryLogVerifies(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.people(server)
            // On connections of their own (the test client pipelines its requests on one), so that
            // the server really receives them at once.
            let port = try #require(server.client.port)
            let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/cases")!)
                        request.httpMethod = "POST"
                        request.httpBody = Data(Self.reportBody("第\(index)处").utf8)
                        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                        request.setValue("Bearer \(people.worker)", forHTTPHeaderField: "Authorization")
                        request.timeoutInterval = 120
                        let (data, _) = try await URLSession.shared.data(for: request)
                        let body = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                        return try #require((body?["id"] as? NSNumber)?.int64Value)
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(Set(ids).count == 60)
            let verification = try await server.store.verifyCaseLogs(city: server.credentials.city)
            #expect(verification.firstBreak == nil && verification.checked == 60)
            #expect(try await server.store.verifyAudit(city: server.credentials.city).firstBreak == nil)
            let audited = try await server.store.searchAudit(city: server.credentials.city, AuditQuery(action: Action.reportCase.rawValue))
            #expect(audited.total == 60)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func anEditedInsertedOrDeletedEventIsFound(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.people(server)
            let id = try await Self.report(server, people)
            try await Self.act(server, id, people.center, #"{"action": "accept"}"#)
            try await Self.act(server, id, people.center, #"{"action": "dispatch"}"#)
            let store = server.store
            let city = server.credentials.city
            #expect(try await store.verifyCaseLogs(city: city).checked == 3)

            try await store.backend.transaction {
                try await $0.raw("UPDATE case_events SET actor = 'someone' WHERE case_id = \(bind: id) AND seq = 1").run()
            }
            #expect(try await store.verifyCaseLogs(city: city).firstBreak?.reason.contains("event 1: does not match its own content") == true)
            try await store.backend.transaction {
                try await $0.raw("UPDATE case_events SET actor = 'zhzx-\(unsafeRaw: Self.town)' WHERE case_id = \(bind: id) AND seq = 1").run()
            }
            #expect(try await store.verifyCaseLogs(city: city).firstBreak == nil)

            // The last event cut off: the case no longer ends where its log does. Put it back.
            let last = try #require(
                try await store.backend.read { try await $0.raw("SELECT * FROM case_events WHERE case_id = \(bind: id) AND seq = 2").first() }
            )
            try await store.backend.transaction { try await $0.raw("DELETE FROM case_events WHERE case_id = \(bind: id) AND seq = 2").run() }
            #expect(try await store.verifyCaseLogs(city: city).firstBreak?.reason.contains("its log does not end where the case says") == true)
            let columns = ["case_id", "seq", "at", "actor", "action", "from_state", "to_state", "fields", "previous_hash", "hash"]
            let values: [any SQLExpression] =
                [
                    SQLBind(try last.decode(column: "case_id", as: Int64.self)), SQLBind(try last.decode(column: "seq", as: Int64.self)),
                    SQLBind(try last.decode(column: "at", as: Int64.self)),
                ] + (try columns.dropFirst(3).map { SQLBind(try last.decode(column: $0, as: String?.self)) })
            try await store.backend.transaction {
                try await $0.raw("INSERT INTO case_events (\(unsafeRaw: columns.joined(separator: ", "))) VALUES \(SQLGroupExpression(values))").run()
            }
            #expect(try await store.verifyCaseLogs(city: city).firstBreak == nil)
            // An event taken out of the middle breaks the sequence.
            try await store.backend.transaction { try await $0.raw("DELETE FROM case_events WHERE case_id = \(bind: id) AND seq = 1").run() }
            #expect(try await store.verifyCaseLogs(city: city).firstBreak?.reason.contains("event 2: does not follow the event before it") == true)
        }
    }
}

/// 疑似重复 and 复发 over real HTTP.
struct CaseProximityAPITests {
    typealias Loop = CasesAPITests

    @Test(arguments: TestDatabase.enabled)
    func duplicatesAreSuggestedAndARecurrenceIsLinked(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            let first = try await Loop.report(server, people)
            let second = try await Loop.report(server, people)
            func duplicates(of id: Int64) async throws -> [Int64] {
                let response = try await server.request("/api/v1/cases/\(id)/duplicates", key: people.center)
                #expect(response.status == .ok, "\(response.text)")
                let list = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]] ?? []
                return list.compactMap { ($0["id"] as? NSNumber)?.int64Value }
            }
            #expect(try await duplicates(of: second) == [first])
            #expect(try await duplicates(of: first) == [])
            #expect(try await server.request("/api/v1/cases/\(second)/duplicates", key: people.otherDepartment).status == .notFound)
            let merged = try await Loop.act(server, second, people.center, #"{"action": "merge", "merged_into": \#(first)}"#)
            #expect(merged["state"] as? String == "merged")

            // The first is fixed on the spot; the same problem reported here again is linked to it.
            try await Loop.act(server, first, people.worker, #"{"action": "resolve_on_site", "evidence": ["sha256:1"]}"#)
            let again = try await server.request("/api/v1/cases", .post, key: people.worker, json: Loop.reportBody())
            #expect(try again.json()["linked_to"] as? Int == Int(first))
            let againID = try #require((try again.json()["id"] as? NSNumber)?.int64Value)
            let log = try await Loop.history(server, againID, key: people.center)
            #expect((log.first?["fields"] as? [String: Any])?["linked_to"] as? Int == Int(first))
            // Another class at the same place is no recurrence.
            let other = try await server.request("/api/v1/cases", .post, key: people.worker, json: Loop.reportBody("路灯不亮", classCode: "C0102"))
            #expect(other.status == .created, "\(other.text)")
            #expect(try other.json()["linked_to"] == nil)
        }
    }
}

/// The side paths over real HTTP: escalation to the town, and deferral (缓办) with its clock stopped.
struct CaseSidePathsAPITests {
    typealias Loop = CasesAPITests

    @Test(arguments: TestDatabase.enabled)
    func aCaseEscalatedToTheTownIsDeferredAndResumed(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            // 暴露垃圾 (an event) starts in the village; the grid worker sends it up with a reason.
            let created = try await server.request("/api/v1/cases", .post, key: people.worker, json: Loop.reportBody("垃圾堆积成山", classCode: "E0101"))
            let id = try #require((try created.json()["id"] as? NSNumber)?.int64Value)
            #expect(try created.json()["level"] as? String == "village")
            let noReason = try await server.request("/api/v1/cases/\(id)/actions", .post, key: people.worker, json: #"{"action": "escalate"}"#)
            #expect(try noReason.problem().detail == "reason: escalate needs it")
            let escalated = try await Loop.act(server, id, people.worker, #"{"action": "escalate", "reason": "村里无力清运"}"#)
            #expect(escalated["level"] as? String == "town")
            #expect(escalated["state"] as? String == "reported")

            try await Loop.act(server, id, people.center, #"{"action": "accept"}"#)
            try await Loop.act(server, id, people.center, #"{"action": "dispatch"}"#)
            try await Loop.act(server, id, people.department, #"{"action": "sign"}"#)
            let deferred = try await Loop.act(server, id, people.department, #"{"action": "defer", "reason": "需列入年度预算"}"#)
            #expect(deferred["state"] as? String == "deferred")
            #expect(deferred["allowed_actions"] as? [String] == [])  // the department waits; the center resumes
            let center = try await server.request("/api/v1/cases/\(id)", key: people.center).json()
            #expect(center["allowed_actions"] as? [String] == ["resume", "supervise"])
            // Deferred counts apart in the measures.
            let measures = try await server.request("/api/v1/measures?department=cgj", key: people.department).json()
            #expect((measures["counters"] as? [String: Any])?["deferred"] as? Int == 1)

            let resumed = try await Loop.act(server, id, people.center, #"{"action": "resume"}"#)
            #expect(resumed["state"] as? String == "signed")
            #expect(resumed["light"] != nil)
            let log = try await Loop.history(server, id, key: people.center)
            #expect(log.map { $0["action"] as? String } == ["report", "escalate", "accept", "dispatch", "sign", "defer", "resume"])
        }
    }

    /// 多级派遣 (town center → department → section) with 主办/协办: the lead's head assigns a section,
    /// whose people handle the case; the assisting department records its part but cannot sign,
    /// handle or return for the lead; sections are never dispatched to directly.
    @Test(arguments: TestDatabase.enabled)
    func aDepartmentAssignsASectionAndAnAssistingDepartmentAssists(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            let id = try await Loop.report(server, people)
            try await Loop.act(server, id, people.center, #"{"action": "accept"}"#)
            func refusal(_ key: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
                let response = try await server.request("/api/v1/cases/\(id)/actions", .post, key: key, json: body)
                return (response.status, try response.problem().detail)
            }
            let direct = try await refusal(people.center, #"{"action": "dispatch", "lead_department": "cgj-srhj"}"#)
            #expect(direct == (.badRequest, "lead_department: cgj-srhj is a section of cgj; dispatch to cgj, which assigns it"))
            try await Loop.act(server, id, people.center, #"{"action": "dispatch", "lead_department": "cgj", "co_departments": ["zjj"]}"#)
            let assisting = try await server.key(for: "bm-zjj")
            let section = try await server.key(for: "bm-cgj-srhj")
            // The assisting department cannot sign for the lead; the section sees nothing before it is assigned.
            #expect(try await refusal(assisting, #"{"action": "sign"}"#).0 == .forbidden)
            #expect(try await server.request("/api/v1/cases/\(id)", key: section).status == .notFound)
            try await Loop.act(server, id, people.department, #"{"action": "sign"}"#)

            let elsewhere = try await refusal(people.department, #"{"action": "assign", "section": "zjj-wygl"}"#)
            #expect(elsewhere == (.badRequest, "section: zjj-wygl is not a section of the lead department cgj"))
            let unknown = try await refusal(people.department, #"{"action": "assign", "section": "nope"}"#)
            #expect(unknown == (.badRequest, "section: no department has the code nope"))
            #expect(try await refusal(people.department, #"{"action": "assign"}"#) == (.badRequest, "section: assign needs it"))
            let assigned = try await Loop.act(server, id, people.department, #"{"action": "assign", "section": "cgj-srhj"}"#)
            #expect(assigned["section"] as? String == "cgj-srhj")
            #expect(assigned["state"] as? String == "signed")

            // The section may handle but not assign or return; the assistant may assist, and nothing more.
            let seenBySection = try await server.request("/api/v1/cases/\(id)", key: section).json()
            #expect(seenBySection["allowed_actions"] as? [String] == ["request_extension", "handle"])
            let seenByAssistant = try await server.request("/api/v1/cases/\(id)", key: assisting).json()
            #expect(seenByAssistant["allowed_actions"] as? [String] == ["assist"])
            #expect(try await refusal(assisting, #"{"action": "handle", "result": "已修复", "evidence": ["sha256:1"]}"#).0 == .forbidden)
            #expect(try await refusal(section, #"{"action": "return", "reason": "不归我科"}"#).0 == .forbidden)
            try await Loop.act(server, id, assisting, #"{"action": "assist", "result": "已核对井盖产权属市政"}"#)
            let handled = try await Loop.act(server, id, section, #"{"action": "handle", "result": "已补齐井盖", "evidence": ["sha256:cd34"]}"#)
            #expect(handled["state"] as? String == "handled")

            let log = try await Loop.history(server, id, key: people.center)
            #expect(log.map { $0["action"] as? String } == ["report", "accept", "dispatch", "sign", "assign", "assist", "handle"])
            #expect(log.map { $0["actor"] as? String }.suffix(3) == ["bm-cgj", "bm-zjj", "bm-cgj-srhj"])
            #expect((log[4]["fields"] as? [String: Any])?["section"] as? String == "cgj-srhj")
            // Handling by the section counts for the lead department.
            let measures = try await server.request("/api/v1/measures?department=cgj", key: people.department).json()
            #expect((measures["counters"] as? [String: Any])?["handled"] as? Int == 1)
            #expect(try await server.store.verifyCaseLogs(city: server.credentials.city).firstBreak == nil)
        }
    }
}

/// 现场照片 sent with a report (multipart): kept without their metadata, named by content hash in
/// the case and its log, served to those who may read cases; a bad photo refuses the whole report.
struct CasePhotosAPITests {
    typealias Loop = CasesAPITests

    /// A multipart body: the report as JSON, then each photo.
    static func multipart(_ report: String?, photos: [(name: String, type: String, bytes: [UInt8])]) -> (body: [UInt8], type: String) {
        let boundary = "mq-test-boundary"
        var body: [UInt8] = []
        func part(_ name: String, _ type: String, _ bytes: [UInt8], file: Bool) {
            let filename = file ? "; filename=\"p.bin\"" : ""
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\(filename)\r\nContent-Type: \(type)\r\n\r\n".utf8)
            body += bytes + Array("\r\n".utf8)
        }
        if let report { part("case", "application/json", Array(report.utf8), file: false) }
        for photo in photos { part(photo.name, photo.type, photo.bytes, file: true) }
        body += Array("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    @Test(arguments: TestDatabase.enabled)
    func photosAreKeptWithoutTheirMetadataAndABadOneChangesNothing(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            func send(_ report: String?, _ photos: [(name: String, type: String, bytes: [UInt8])]) async throws -> TestResponse {
                let (body, type) = Self.multipart(report, photos: photos)
                return try await server.request("/api/v1/cases", .post, key: people.worker, body: body, headers: [.contentType: type])
            }
            // A JPEG whose EXIF segment holds a place, then its image; a PNG of one chunk and its end.
            let exif = Array("Exif\0\0GPS 22.78N 115.37E".utf8)
            let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0, UInt8(exif.count + 2)] + exif + [0xFF, 0xDA, 0, 4, 1, 0, 0x12, 0x34, 0xFF, 0xD9]
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
            let created = try await send(Loop.reportBody(), [("photos", "image/jpeg", jpeg), ("photos", "application/octet-stream", png)])
            #expect(created.status == .created, "\(created.text)")
            let report = try created.json()
            let ids = try #require(report["photos"] as? [String])
            #expect(ids.count == 2 && ids.allSatisfy { $0.hasPrefix("sha256:") })
            let id = try #require((report["id"] as? NSNumber)?.int64Value)
            // The log names them, so the chain covers them.
            let log = try await Loop.history(server, id, key: people.worker)
            #expect((log[0]["fields"] as? [String: Any])?["evidence"] as? [String] == ids)

            let photo = try await server.request("/api/v1/cases/\(id)/photos/\(ids[0])", key: people.center)
            #expect(photo.status == .ok)
            #expect(photo.headers[.contentType] == "image/jpeg")
            let kept = Array(photo.body.readableBytesView)
            #expect(kept == (try Photo(uploaded: jpeg, field: "x")).bytes)
            #expect(!String(decoding: kept, as: UTF8.self).contains("GPS"))
            #expect(try await server.request("/api/v1/cases/\(id)/photos/\(ids[1])", key: people.center).headers[.contentType] == "image/png")

            // Only for those who may read the case, and only the case's own photos: another case's
            // photo is not found through this one, even by someone who knows its hash.
            #expect(try await server.request("/api/v1/cases/\(id)/photos/\(ids[0])", key: people.otherDepartment).status == .notFound)
            let other = try await Loop.report(server, people)
            #expect(try await server.request("/api/v1/cases/\(other)/photos/\(ids[0])", key: people.worker).status == .notFound)
            #expect(try await server.request("/api/v1/cases/\(id)/photos/minqing.sqlite", key: people.worker).status == .notFound)

            // A bad photo, too many photos, a missing or unknown part: 400 naming it, no case, no file.
            let before = try await server.caseCount()
            let gif = Array("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8)
            let refusals: [(String?, [(name: String, type: String, bytes: [UInt8])], String)] = [
                (
                    Loop.reportBody(), [("photos", "image/jpeg", jpeg), ("photos", "image/jpeg", gif)],
                    "photos[1]: only JPEG and PNG photos are accepted"
                ),
                (Loop.reportBody(), Array(repeating: ("photos", "image/png", png), count: 7), "photos: at most 6 photos a report"),
                (
                    Loop.reportBody(), [("photos", "image/jpeg", [0xFF, 0xD8, 0xFF] + [UInt8](repeating: 0, count: Photo.maximumBytes))],
                    "photos[0]: a photo may be at most 8 MiB"
                ),
                (nil, [("photos", "image/jpeg", jpeg)], "case: a multipart report needs one case part, a report in JSON"),
                ("{\"class\": 1}", [], "case: a multipart report needs one case part, a report in JSON"),
                (Loop.reportBody(), [("video", "video/mp4", jpeg)], "video: the parts are case (JSON) and photos"),
            ]
            for (report, photos, detail) in refusals {
                let refused = try await send(report, photos)
                #expect(refused.status == .badRequest, "\(detail)")
                #expect(try refused.problem().detail.hasPrefix(detail), "\(refused.text)")
            }
            #expect(try await server.caseCount() == before)
            let files = FileManager.default.enumerator(atPath: server.dataDirectory + "/media")?.allObjects.compactMap { $0 as? String }
            #expect(files?.filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.count == 2)
        }
    }

    /// A report that fails once its photos are kept (here: an `Idempotency-Key` reused for another
    /// report) leaves them named by no case. The sweep removes them after a day, and nothing else:
    /// not a case's photo, not one kept again within the day, not a file of another kind.
    @Test(arguments: TestDatabase.enabled)
    func photosThatNoCaseNamesAreRemovedAfterADay(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            let media = server.dataDirectory + "/media"
            let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xDA, 0, 4, 1, 0, 0x12, 0x34, 0xFF, 0xD9]
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0] + Array("IEND".utf8) + [0xAE, 0x42, 0x60, 0x82]
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "sweep-1"]
            func send(_ description: String, _ photo: (type: String, bytes: [UInt8])) async throws -> TestResponse {
                let (body, type) = Self.multipart(Loop.reportBody(description), photos: [("photos", photo.type, photo.bytes)])
                var headers = key
                headers[.contentType] = type
                return try await server.request("/api/v1/cases", .post, key: people.worker, body: body, headers: headers)
            }
            let created = try await send("井盖缺失", ("image/jpeg", jpeg))
            #expect(created.status == .created, "\(created.text)")
            let id = try #require((try created.json()["id"] as? NSNumber)?.int64Value)
            let named = try #require((try created.json()["photos"] as? [String])?.first)
            // The same key for another report: refused after its photo was kept.
            #expect(try await send("路灯不亮", ("image/png", png)).status == .conflict)
            let orphan = "sha256:" + hexSHA256((try Photo(uploaded: png, field: "x")).bytes)
            func path(_ id: String, _ suffix: String) -> String { "\(media)/\(id.dropFirst(7).prefix(2))/\(id.dropFirst(7)).\(suffix)" }
            #expect(FileManager.default.fileExists(atPath: path(orphan, "png")))
            // Crash leftovers and a file of another kind, both old.
            let partial = path(orphan, "png.partial-1-crashed")
            let other = "\(media)/\(orphan.dropFirst(7).prefix(2))/notes.txt"
            for file in [partial, other] { #expect(FileManager.default.createFile(atPath: file, contents: Data([1]))) }
            let threeDaysAgo = Date().addingTimeInterval(-3 * 24 * 3600)
            for file in [path(named, "jpg"), path(orphan, "png"), partial, other] {
                try FileManager.default.setAttributes([.modificationDate: threeDaysAgo], ofItemAtPath: file)
            }

            let sweep = PhotoSweep(store: server.store, photos: PhotoFiles(folder: media), interval: .seconds(3600), logger: TestDatabase.logger)
            // Sent again, within the day, by another failing report: marked as kept now, so it stays.
            #expect(try await send("路灯不亮", ("image/png", png)).status == .conflict)
            #expect(try await sweep.sweep(at: Date().addingTimeInterval(3600)) == (0, 0))
            #expect(FileManager.default.fileExists(atPath: path(orphan, "png")))
            #expect(!FileManager.default.fileExists(atPath: partial))

            // A day after it was last kept, it goes; the case's photo stays, and is still served.
            #expect(try await sweep.sweep(at: Date().addingTimeInterval(25 * 3600)) == (1, 0))
            #expect(!FileManager.default.fileExists(atPath: path(orphan, "png")))
            #expect(FileManager.default.fileExists(atPath: other))
            let photo = try await server.request("/api/v1/cases/\(id)/photos/\(named)", key: people.center)
            #expect(photo.status == .ok)
            #expect(Array(photo.body.readableBytesView) == (try Photo(uploaded: jpeg, field: "x")).bytes)
        }
    }

    /// A database in which no case names a photo, beside a folder of photos, is what a server pointed
    /// at the wrong database would see: the sweep removes nothing, even a photo that is truly orphaned.
    @Test(arguments: TestDatabase.enabled)
    func noPhotoIsRemovedWhileNoCaseNamesAny(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            let media = server.dataDirectory + "/media"
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "sweep-2"]
            #expect(try await server.request("/api/v1/cases", .post, key: people.worker, json: Loop.reportBody(), headers: key).status == .created)
            let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xDA, 0, 4, 1, 0, 0x12, 0x34, 0xFF, 0xD9]
            let (body, type) = Self.multipart(Loop.reportBody("路灯不亮"), photos: [("photos", "image/jpeg", jpeg)])
            var headers = key
            headers[.contentType] = type
            #expect(try await server.request("/api/v1/cases", .post, key: people.worker, body: body, headers: headers).status == .conflict)
            let hex = hexSHA256((try Photo(uploaded: jpeg, field: "x")).bytes)
            let orphan = "\(media)/\(hex.prefix(2))/\(hex).jpg"
            #expect(FileManager.default.fileExists(atPath: orphan))
            let sweep = PhotoSweep(store: server.store, photos: PhotoFiles(folder: media), interval: .seconds(3600), logger: TestDatabase.logger)
            #expect(try await sweep.sweep(at: Date().addingTimeInterval(3 * 24 * 3600)) == (0, 0))
            #expect(FileManager.default.fileExists(atPath: orphan))
        }
    }
}

/// 报告人联系方式: the person behind a hotline report, masked to everyone, in full only to the
/// command center for a stated purpose, and every full read in the audit log.
struct ReporterContactAPITests {
    typealias Loop = CasesAPITests

    static func hotlineBody(contact: String) -> String {
        #"{"class": "C0101", "description": "市民来电：井盖缺失", "source": "hotline", "location": {"lng": \#(Loop.point.longitude), "lat": \#(Loop.point.latitude)}, "contact": \#(contact)}"#
    }

    @Test(arguments: TestDatabase.enabled)
    func theContactIsMaskedToDepartmentsAndReadInFullOnlyWithAPurposeAndAnAuditEntry(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            let created = try await server.request(
                "/api/v1/cases",
                .post,
                key: people.center,
                json: Self.hotlineBody(contact: #"{"name": "张三丰", "phone": "138-1234-5678"}"#)
            )
            #expect(created.status == .created, "\(created.text)")
            let id = try #require((try created.json()["id"] as? NSNumber)?.int64Value)
            #expect(try created.json()["contact"] as? [String: String] == ["name": "张**", "phone": "138****5678"])
            #expect(!created.text.contains("12345678"))

            // The department the case is dispatched to sees it masked, and may not read it in full.
            try await Loop.act(server, id, people.center, #"{"action": "accept"}"#)
            try await Loop.act(server, id, people.center, #"{"action": "dispatch"}"#)
            let seen = try await server.request("/api/v1/cases/\(id)", key: people.department)
            #expect(try seen.json()["contact"] as? [String: String] == ["name": "张**", "phone": "138****5678"])
            let purpose = "%E5%9B%9E%E8%AE%BF"  // 回访
            let refused = try await server.request("/api/v1/cases/\(id)/contact?purpose=\(purpose)", key: people.department)
            #expect(refused.status == .forbidden, "\(refused.text)")
            #expect(!refused.text.contains("5678"))
            // A department without the case does not learn it exists.
            #expect(try await server.request("/api/v1/cases/\(id)/contact?purpose=\(purpose)", key: people.otherDepartment).status == .notFound)
            // The command center: a purpose first, then the contact in full.
            let unstated = try await server.request("/api/v1/cases/\(id)/contact", key: people.center)
            #expect(unstated.status == .badRequest)
            #expect(try unstated.problem().detail.hasPrefix("purpose:"))
            let full = try await server.request("/api/v1/cases/\(id)/contact?purpose=\(purpose)", key: people.center)
            #expect(full.status == .ok, "\(full.text)")
            #expect(try full.json() as? [String: String] == ["name": "张三丰", "phone": "13812345678"])

            // One audit entry for the one full read, with its purpose; nothing in the case log or the row in clear.
            let auditor = try await server.key(for: "sj-\(server.credentials.city)")
            let reads = try await server.request("/api/v1/audit?action=cases.read_contact", key: auditor).json()
            #expect(reads["total"] as? Int == 1)
            let entry = try #require((reads["items"] as? [[String: Any]])?.first)
            #expect(entry["purpose"] as? String == "回访")
            #expect(entry["target"] as? String == "cases/\(id)")
            #expect(entry["actor"] as? String == "zhzx-\(Loop.town)")
            let log = try await server.request("/api/v1/cases/\(id)/history", key: people.center)
            #expect(!log.text.contains("5678") && !log.text.contains("三丰"))
            let row = try await server.store.backend.read { db in
                try await db.raw("SELECT contact_masked, contact_sealed FROM cases WHERE id = \(bind: id)").first()!
            }
            #expect(!(try row.decode(column: "contact_sealed", as: String.self)).contains("13812345678"))
            #expect(try row.decode(column: "contact_masked", as: String.self).contains("138****5678"))

            // A retry with the same key counts the contact (the kept request hash holds it only as a
            // keyed digest, CaseReport.contactDigest).
            var keyed: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "hotline-call-1"]
            keyed[.contentType] = "application/json"
            let first = try await server.request(
                "/api/v1/cases",
                .post,
                key: people.center,
                body: Array(Self.hotlineBody(contact: #"{"phone": "13912345678"}"#).utf8),
                headers: keyed
            )
            #expect(first.status == .created, "\(first.text)")
            let changed = try await server.request(
                "/api/v1/cases",
                .post,
                key: people.center,
                body: Array(Self.hotlineBody(contact: #"{"phone": "13912345679"}"#).utf8),
                headers: keyed
            )
            #expect(changed.status == .conflict, "\(changed.text)")

            // A case reported without a contact has none to read.
            let plain = try await Loop.report(server, people)
            #expect(try await server.request("/api/v1/cases/\(plain)/contact?purpose=\(purpose)", key: people.center).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aBadContactIsRefusedByItsFieldAndWritesNothing(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            let before = try await server.caseCount()
            let refusals = [
                (#"{"phone": "138abc"}"#, "contact.phone: a phone number of 5 to 15 digits"),
                (#"{"phone": "1234"}"#, "contact.phone: a phone number of 5 to 15 digits"),
                (#"{"name": "  "}"#, "contact.name: leave the name out"),
                (#"{"name": "\#(String(repeating: "名", count: 51))"}"#, "contact.name: at most 50 characters"),
                (#"{"name": "a\u0007b"}"#, "contact.name: control characters are not allowed"),
            ]
            for (contact, detail) in refusals {
                let refused = try await server.request("/api/v1/cases", .post, key: people.center, json: Self.hotlineBody(contact: contact))
                #expect(refused.status == .badRequest, "\(contact): \(refused.text)")
                #expect(try refused.problem().detail.hasPrefix(detail), "\(refused.text)")
            }
            #expect(try await server.caseCount() == before)
            // An empty contact is no contact.
            let empty = try await server.request("/api/v1/cases", .post, key: people.center, json: Self.hotlineBody(contact: "{}"))
            #expect(empty.status == .created, "\(empty.text)")
            #expect(try empty.json()["contact"] == nil)
        }
    }
}

/// 群众上报: residents signed in on the public channel are rate limited per account; staff and
/// integrations are never held back.
struct CitizenIntakeLimitAPITests {
    typealias Loop = CasesAPITests

    @Test(arguments: TestDatabase.enabled)
    func aSignedInResidentsReportsAreLimitedWithRetryAfterAndStaffAreNot(_ database: TestDatabase) async throws {
        // A refill slow enough that none comes back while the test runs, however loaded the machine.
        let twoAtOnce: @Sendable (inout ServerConfiguration) -> Void = {
            $0.citizenIntakeBurst = 2
            $0.citizenIntakeRefillSeconds = 3600
        }
        try await ServerHarness.withServer(database, configure: twoAtOnce) { server in
            let people = try await Loop.people(server)
            let account = try await server.request(
                "/api/v1/accounts",
                .post,
                json: #"{"username": "lisi", "display_name": "李四", "roles": ["citizen"]}"#
            )
            #expect(account.status == .created, "\(account.text)")
            let password = try #require(try account.json()["password"] as? String)
            let session = try await SessionAPITests.signIn(server, "lisi", password)
            var headers: HTTPFields = [.contentType: "application/json"]
            let cookie = try #require(SessionAPITests.cookie(of: session))
            headers[.cookie] = cookie
            headers[HTTPField.Name("X-CSRF-Token")!] = try #require(try session.json()["csrf_token"] as? String)
            let body = ByteBuffer(string: Loop.reportBody().replacingOccurrences(of: "\"patrol\"", with: "\"citizen\""))
            for _ in 0..<2 {
                let created = try await server.client.execute(uri: "/api/v1/cases", method: .post, headers: headers, body: body)
                #expect(created.status == .created, "\(created.text)")
            }
            let before = try await server.caseCount()
            let limited = try await server.client.execute(uri: "/api/v1/cases", method: .post, headers: headers, body: body)
            #expect(limited.status == .tooManyRequests, "\(limited.text)")
            #expect(try limited.problem().type == "urn:minqing:problem:rate-limited")
            let wait = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect(wait > 0 && wait <= 3600)
            #expect(try await server.caseCount() == before)
            // The grid worker, the command center and an integration's key report on.
            let integration = try await server.key(for: "lisi", scopes: [.intake])
            for key in [people.worker, people.center, integration] {
                #expect(try await server.request("/api/v1/cases", .post, key: key, json: Loop.reportBody()).status == .created)
            }
        }
    }
}

/// A resident's own return call (回访) through the API.
struct CitizenRatingAPITests {
    typealias Loop = CasesAPITests

    /// 回访 by the resident: a citizen's account rates its own report through the API, "solved" and
    /// "satisfied" apart, and never another's.
    @Test(arguments: TestDatabase.enabled)
    func aCitizensAccountRatesItsOwnReportAndNoOtherThroughTheAPI(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            let account = try await server.request(
                "/api/v1/accounts",
                .post,
                json: #"{"username": "zhaoliu", "display_name": "赵六", "roles": ["citizen"]}"#
            )
            #expect(account.status == .created, "\(account.text)")
            let citizen = try await server.key(for: "zhaoliu")
            let own = try await server.request(
                "/api/v1/cases",
                .post,
                key: citizen,
                json: Loop.reportBody().replacingOccurrences(of: "\"patrol\"", with: "\"citizen\"")
            )
            #expect(own.status == .created, "\(own.text)")
            let ownID = try #require((try own.json()["id"] as? NSNumber)?.int64Value)
            let other = try await Loop.report(server, people)
            for id in [ownID, other] { try await Loop.runToClosure(server, id, people) }
            let closed = try await server.request("/api/v1/cases/\(ownID)", key: citizen).json()
            #expect(closed["allowed_actions"] as? [String] == ["rate"])
            let rated = try await Loop.act(server, ownID, citizen, #"{"action": "rate", "solved": true, "satisfied": false}"#)
            #expect(rated["state"] as? String == "rated")
            // Another's case is not found to them, to rate or to read.
            let elsewhere = try await server.request(
                "/api/v1/cases/\(other)/actions",
                .post,
                key: citizen,
                json: #"{"action": "rate", "solved": false, "satisfied": false}"#
            )
            #expect(elsewhere.status == .notFound)
            #expect(try await server.request("/api/v1/cases/\(other)", key: people.center).json()["state"] as? String == "closed")
        }
    }
}
