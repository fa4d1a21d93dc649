import Foundation
import HTTPTypes
import HummingbirdTesting
import MinqingCore
import MinqingServer
import MinqingTestSupport
import NIOCore
import Testing

/// `POST /api/v1/grids/import`: keys, refusal of bad files with the whole report, and a tree that
/// changes under the server at once when a file is accepted.
struct GridImportAPITests {
    static let areas = GridsAPITests.areas

    /// The first village holding at least `count` small grids.
    static func village(withAtLeast count: Int) -> Area {
        areas.first { village in village.level == .village && areas.filter { $0.parentCode == village.code }.count >= count }!
    }

    static func post(_ server: ServerHarness.Context, _ query: String = "", key: String?, body: [UInt8]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/geo+json"]
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await server.client.execute(uri: "/api/v1/grids/import\(query)", method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    @Test(arguments: TestDatabase.enabled)
    func refusesCallersWithoutAKeyWithTheScope(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let file = Array(GeoJSON.write([]).utf8)
            #expect(try await Self.post(server, key: nil, body: file).status == .unauthorized)
            #expect(try await Self.post(server, key: "mq_0000000000_00000000000000000000000000000000", body: file).status == .unauthorized)
            #expect(try await Self.post(server, key: "not-a-key", body: file).status == .unauthorized)
            // The scheme name is case-insensitive; a known key of the right scope gets past the door.
            var lower: HTTPFields = [.contentType: "application/geo+json"]
            lower[.authorization] = "bearer \(server.adminKey)"
            let accepted = try await server.client.execute(uri: "/api/v1/grids/import", method: .post, headers: lower, body: ByteBuffer(bytes: file))
            #expect(accepted.status == .unprocessableContent)
            #expect(try accepted.problem().type == "urn:minqing:problem:empty-grid-file")
            // A key with the scope is not enough: the account's role must allow it (the policy), in its own city.
            let worker = try await Self.post(server, key: server.credentials.apiKeys["worker_with_import_scope"], body: file)
            #expect(worker.status == .forbidden)
            #expect(try worker.problem().detail == "test-worker holds no role that may grids.import")
            let stranger = try await Self.post(server, key: server.credentials.apiKeys["other_city_admin"], body: file)
            #expect(stranger.status == .forbidden)
            #expect(try stranger.problem().detail == "other-admin may not grids.import here (other_city)")
            // The administrator's own key, issued for reading only.
            let reader = try #require(server.credentials.apiKeys["admin_read_only"])
            let forbidden = try await Self.post(server, key: reader, body: file)
            #expect(forbidden.status == .forbidden)
            #expect(try forbidden.problem().detail == "this API key was not issued for grids.import")
            let intake = try await Self.post(server, key: server.credentials.apiKeys["open311_api_key"], body: file)
            #expect(try intake.problem().detail == "rx-12345 holds no role that may grids.import")
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func refusesABadFileWholeAndNamesEveryProblem(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            // The grids of one village with at least four, so that codes can be swapped among siblings.
            let village = Self.village(withAtLeast: 4)
            var bad = Self.areas.filter { $0.parentCode == village.code }
            bad[0].name = "不应写入"
            bad[1].shape = MultiPolygon([Polygon(exterior: [.init(100, 10), .init(100.01, 10), .init(100.01, 10.01), .init(100, 10)])])
            bad[2].code = bad[3].code
            let response = try await Self.post(server, key: server.adminKey, body: Array(GeoJSON.write(bad).utf8))
            #expect(response.status == .unprocessableContent)
            let problem = try response.problem()
            #expect(problem.type == "urn:minqing:problem:invalid-grid-file")
            let issues = problem.body["issues"] as? [[String: Any]] ?? []
            #expect(issues.contains { $0["kind"] as? String == "duplicate_code" && $0["feature"] as? Int == 3 })
            // Nothing changed: the first grid keeps its name.
            let first = try await server.get("/api/v1/grids/\(bad[0].code)").json()
            #expect((first["area"] as? [String: Any])?["name"] as? String == Self.areas.first { $0.code == bad[0].code }!.name)

            bad[2].code = Self.areas.filter { $0.parentCode == village.code }[2].code
            let outside = try await Self.post(server, key: server.adminKey, body: Array(GeoJSON.write(bad).utf8))
            let outsideIssues = try outside.problem().body["issues"] as? [[String: Any]] ?? []
            let issue = try #require(outsideIssues.first { $0["kind"] as? String == "outside_parent" })
            #expect(issue["feature"] as? Int == 1)
            #expect(issue["code"] as? String == bad[1].code)
            #expect((issue["place"] as? [Double])?.count == 2)

            let garbage = try await Self.post(server, key: server.adminKey, body: Array("{\"type\":".utf8))
            #expect(garbage.status == .unprocessableContent)
            #expect((try garbage.problem().body["issues"] as? [[String: Any]])?.first?["kind"] as? String == "invalid_json")
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func refusesAnOversizedFile(_ database: TestDatabase) async throws {
        let small: @Sendable (inout ServerConfiguration) -> Void = { $0.maximumImportBytes = 1_000 }
        try await ServerHarness.withServer(database, configure: small) { server in
            let response = try await Self.post(server, key: server.adminKey, body: Array(GeoJSON.write(Self.areas).utf8))
            #expect(response.status == .contentTooLarge)
            #expect(try response.problem().type == "urn:minqing:problem:too-large")
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aRedrawnGridIsLocatedAtOnceAndKeepsItsHistory(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            // Two grids of one village trade their shapes.
            let village = Self.village(withAtLeast: 2)
            let grids = Self.areas.filter { $0.parentCode == village.code }
            var redrawn = grids
            (redrawn[0].shape, redrawn[1].shape) = (grids[1].shape, grids[0].shape)
            let point = GridsAPITests.pointInside(grids[0])
            let before = try await server.get("/api/v1/locate?lat=\(point.latitude)&lng=\(point.longitude)").json()
            #expect((before["area"] as? [String: Any])?["code"] as? String == grids[0].code)

            let response = try await Self.post(
                server,
                "?level=grid&parent=\(village.code)",
                key: server.adminKey,
                body: Array(GeoJSON.write(redrawn).utf8)
            )
            #expect(response.status == .ok, "\(response.text)")
            let summary = try response.json()
            #expect(summary["changed"] as? Int == 2)
            #expect(summary["unchanged"] as? Int == grids.count - 2)

            let after = try await server.get("/api/v1/locate?lat=\(point.latitude)&lng=\(point.longitude)").json()
            #expect((after["area"] as? [String: Any])?["code"] as? String == grids[1].code)
            let history = try await server.get("/api/v1/grids/\(grids[0].code)/history")
            let versions = try JSONSerialization.jsonObject(with: Data(history.body.readableBytesView)) as? [[String: Any]] ?? []
            #expect(versions.count == 2)
            #expect(versions[0]["valid_to"] as? String == versions[1]["valid_from"] as? String)
            #expect(versions[1]["valid_to"] == nil)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func reimportingTheSameTreeChangesNothing(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let response = try await Self.post(server, key: server.adminKey, body: Array(GeoJSON.write(Self.areas).utf8))
            let summary = try response.json()
            #expect(summary["unchanged"] as? Int == Self.areas.count)
            #expect(summary["created"] as? Int == 0)
        }
    }
}
