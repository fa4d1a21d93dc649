import Foundation
import HTTPTypes
import HummingbirdTesting
import MinqingCore
import MinqingServer
import MinqingTestSupport
import NIOCore
import Testing

/// The grid API over real HTTP, on SQLite and PostgreSQL.
struct GridsAPITests {
    static let areas = DemoCityBuilder(plan: ServerHarness.plan).build()
    static let grid = areas.first { $0.level == .grid }!

    /// A point inside a grid, more than 20 m from its boundary.
    static func pointInside(_ area: Area) -> GeoPoint {
        area.shape.interiorPoint(clearance: 20)!
    }

    @Test(arguments: TestDatabase.enabled)
    func answersHealthReadinessMetricsAndTheContract(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let health = try await server.client.get("/healthz")
            #expect(health.status == .ok)
            let ready = try await server.client.get("/readyz")
            #expect(ready.status == .ok)
            let readiness = try ready.json()
            #expect(readiness["database"] as? String == "ok")
            #expect(readiness["migrations"] as? String == "ok")
            #expect((readiness["grid_index"] as? String)?.hasPrefix("ok: \(Self.areas.count) areas") == true)
            let contract = try await server.client.get("/openapi.json").json()
            #expect(contract["openapi"] as? String == "3.1.0")
            #expect((contract["paths"] as? [String: Any])?.keys.contains("/locate") == true)
            _ = try await server.get("/api/v1/locate?lat=1&lng=1")
            // The grid API answers only a known caller: a wrong key is refused, not taken as nobody.
            #expect(try await server.client.get("/api/v1/locate?lat=1&lng=1").status == .unauthorized)
            let wrong = try await server.request("/api/v1/grids?level=town", key: "mq_0000000000_00000000000000000000000000000000")
            #expect(wrong.status == .unauthorized)
            #expect(try wrong.problem().detail == "the API key is unknown, revoked or expired")
            // Any key of the city reads the tree, whatever it was issued for; another city's does not see it.
            #expect(try await server.request("/api/v1/grids?level=town", key: server.credentials.apiKeys["open311_api_key"]).status == .ok)
            #expect(try await server.request("/api/v1/grids?level=town", key: server.credentials.apiKeys["other_city_admin"]).status == .notFound)
            let metrics = try await server.client.get("/metrics")
            #expect(metrics.status == .ok)
            let grids = Self.areas.filter { $0.level == .grid }.count
            #expect(metrics.text.contains("minqing_areas{level=\"grid\"} \(grids)"), "\(metrics.text)")
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func locatesAPointInItsGridWithAllAncestors(_ database: TestDatabase) async throws {
        let point = Self.pointInside(Self.grid)
        try await ServerHarness.withServer(database) { server in
            let body = try await server.get("/api/v1/locate?lat=\(point.latitude)&lng=\(point.longitude)").json()
            #expect(body["inside"] as? Bool == true)
            let path = (body["path"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(path == AreaTree(areas: Self.areas).path(code: Self.grid.code).map(\.code))
            #expect(path.count == 5)
            // The same place as a Chinese base map reports it (GCJ-02, BD-09) lands in the same grid.
            for crs in [CoordinateSystem.gcj02, .bd09] {
                let shifted = crs.fromWGS84(point)
                let again = try await server.get("/api/v1/locate?lat=\(shifted.latitude)&lng=\(shifted.longitude)&crs=\(crs.rawValue)").json()
                #expect((again["area"] as? [String: Any])?["code"] as? String == Self.grid.code)
            }
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func answersOutsideWithTheNearestGrid(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let box = Self.areas[0].shape.boundingBox!
            let body = try await server.get("/api/v1/locate?lat=\(box.maxLatitude + 0.05)&lng=\((box.minLongitude + box.maxLongitude) / 2)")
                .json()
            #expect(body["inside"] as? Bool == false)
            #expect((body["path"] as? [Any])?.isEmpty == true)
            #expect(((body["nearest"] as? [String: Any])?["level"] as? String) == "grid")
            let distance = try #require(body["distance_m"] as? Double)
            #expect(distance > 5_000 && distance < 6_500)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func listsALevelInPagesWithTheTotal(_ database: TestDatabase) async throws {
        let villages = Self.areas.filter { $0.level == .village }.map(\.code).sorted()
        try await ServerHarness.withServer(database) { server in
            let first = try await server.get("/api/v1/grids?level=village&per_page=5").json()
            #expect(first["total"] as? Int == villages.count)
            #expect((first["items"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == Array(villages.prefix(5)))
            let second = try await server.get("/api/v1/grids?level=village&per_page=5&page=2").json()
            #expect((second["items"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == Array(villages.dropFirst(5).prefix(5)))
            let town = Self.areas.first { $0.level == .town }!
            let children = try await server.get("/api/v1/grids?level=village&parent=\(town.code)").json()
            #expect(children["total"] as? Int == Self.areas.filter { $0.parentCode == town.code }.count)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func returnsOneAreaWithItsFamilyAndShape(_ database: TestDatabase) async throws {
        let village = Self.areas.first { $0.code == Self.grid.parentCode }!
        try await ServerHarness.withServer(database) { server in
            let body = try await server.get("/api/v1/grids/\(village.code)?crs=gcj02").json()
            #expect((body["area"] as? [String: Any])?["name"] as? String == village.name)
            #expect((body["ancestors"] as? [[String: Any]])?.compactMap { $0["level"] as? String } == ["town", "county", "city"])
            #expect((body["children"] as? [[String: Any]])?.count == Self.areas.filter { $0.parentCode == village.code }.count)
            let coordinates = (body["geometry"] as? [String: Any])?["coordinates"] as? [[[[Double]]]]
            let first = try #require(coordinates?.first?.first?.first)
            let expected = CoordinateSystem.gcj02.fromWGS84(village.shape.polygons[0].exterior[0])
            #expect(abs(first[0] - expected.longitude) < 1e-12 && abs(first[1] - expected.latitude) < 1e-12)
            #expect(body["crs"] as? String == "gcj02")
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func answersBadRequestsWithProblemsThatNameTheField(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("/api/v1/locate?lat=abc&lng=115", .badRequest, "lat must be a number, not abc"),
                ("/api/v1/locate?lng=115", .badRequest, "the query parameter lat is required"),
                ("/api/v1/locate?lat=91&lng=115", .badRequest, "lat must be at most 90, not 91"),
                ("/api/v1/locate?lat=22&lng=115&crs=utm", .badRequest, "crs must be one of wgs84, gcj02, bd09, not utm"),
                ("/api/v1/grids?level=hamlet", .badRequest, "level must be one of city, county, town, village, grid, not hamlet"),
                ("/api/v1/grids?level=town&page=0", .badRequest, "page must be at least 1, not 0"),
                ("/api/v1/grids?level=town&per_page=1001", .badRequest, "per_page must be at most 1000, not 1001"),
                (
                    "/api/v1/grids?level=town&per_page=1000&page=9223372036854775807", .badRequest,
                    "page must be at most 1000000, not 9223372036854775807"
                ),
                ("/api/v1/grids?level=town&page=99999999999999999999", .badRequest, "page must be a whole number, not 99999999999999999999"),
                ("/api/v1/grids?level=town&parent=nowhere", .notFound, "no area has the code nowhere"),
                ("/api/v1/grids/999999999", .notFound, "no area has the code 999999999"),
                ("/api/v1/grids/999999999/history", .notFound, "no area has the code 999999999"),
            ]
            for (uri, status, detail) in cases {
                let response = try await server.get(uri)
                #expect(response.status == status, "\(uri)")
                #expect(try response.problem().detail == detail, "\(uri)")
            }
            let missing = try await server.client.get("/no/such/page")
            #expect(missing.status == .notFound)
            #expect(try missing.problem().type == "urn:minqing:problem:not-found")
            // An empty parameter counts as absent.
            #expect(try await server.get("/api/v1/grids?level=town&page=&parent=").status == .ok)
        }
    }
}
