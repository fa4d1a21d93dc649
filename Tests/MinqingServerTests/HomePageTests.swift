import Foundation
import HTTPTypes
import HummingbirdTesting
import MinqingCore
import MinqingTestSupport
import NIOCore
import Testing

struct HomePageTests {
    @Test(arguments: TestDatabase.enabled)
    func showsTheCityAndItsCountsInChineseAndEnglish(_ database: TestDatabase) async throws {
        let areas = GridsAPITests.areas
        try await ServerHarness.withServer(database) { server in
            let page = try await server.client.get("/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("民情 · \(areas[0].name)"))
            #expect(page.text.contains("<td>网格 grid</td><td class=\"n\">\(areas.filter { $0.level == .grid }.count)</td>"))
            #expect(page.text.contains("href=\"/openapi.json\""))
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func escapesWhatTheDataSays(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database, seeded: false) { server in
            let page = try await server.client.get("/")
            #expect(page.text.contains("未导入网格 no grids yet"))
        }
        // A city named with markup is shown as text, never run.
        var city = GridsAPITests.areas[0]
        city.name = "<script>alert(1)</script>"
        let file = Array(GeoJSON.write([city]).utf8)
        try await ServerHarness.withServer(database) { server in
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(server.adminKey)"
            headers[.contentType] = "application/geo+json"
            let renamed = try await server.client.execute(uri: "/api/v1/grids/import", method: .post, headers: headers, body: ByteBuffer(bytes: file))
            #expect(renamed.status == .ok)
            let page = try await server.client.get("/")
            #expect(!page.text.contains("<script>alert(1)</script>"))
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        }
    }
}
