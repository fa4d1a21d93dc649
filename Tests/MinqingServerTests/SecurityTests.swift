import Foundation
import HTTPTypes
import HummingbirdTesting
import MinqingCore
import MinqingServer
import MinqingStore
import MinqingTestSupport
import NIOCore
import SQLKit
import Testing

/// Attacks a user of the system must be safe from, over real HTTP: each gets a clear 4xx (or an
/// empty answer, for a free-text filter) and changes nothing.
struct SecurityTests {
    /// Row counts of every table an attack could touch, and whether the audit chain holds.
    static func snapshot(_ server: ServerHarness.Context) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in ["accounts", "api_keys", "sessions", "areas", "persons", "personal_data_reads"] {
            counts[table] = try await server.store.backend.read {
                try await $0.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()!.decode(column: "n", as: Int.self)
            }
        }
        let disabled = try await server.store.accounts(city: server.credentials.city).filter(\.disabled).count
        counts["disabled accounts"] = disabled
        return counts
    }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    @Test(arguments: TestDatabase.enabled)
    func sqlInjectionInEveryFilterChangesNothingAndDisclosesNothing(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let auditor = try await server.key(for: "sj-\(server.credentials.city)")
            let worker = try await server.key(for: "wgy-\(PersonsAPITests.grid.code)-1")
            _ = try await server.request(
                "/api/v1/persons",
                .post,
                key: worker,
                json: #"{"area": "\#(PersonsAPITests.grid.code)", "name": "张三", "phone": "13812345678"}"#
            )
            let before = try await Self.snapshot(server)
            let payloads = [
                "' OR '1'='1", "1; DROP TABLE accounts; --", "admin'--", "x' UNION SELECT password_hash FROM accounts --", "\") OR 1=1 --",
                "1 OR 1=1", "%' OR city_code LIKE '%",
            ]
            let requests: [(String, HTTPRequest.Method, String?)] = [
                ("/api/v1/grids?level=P", .get, nil), ("/api/v1/grids?level=town&parent=P", .get, nil), ("/api/v1/grids/P", .get, nil),
                ("/api/v1/grids/P/history", .get, nil), ("/api/v1/locate?lat=P&lng=115", .get, nil), ("/api/v1/locate?lat=22&lng=P", .get, nil),
                ("/api/v1/grids?level=town&page=P", .get, nil), ("/api/v1/accounts?role=P", .get, nil), ("/api/v1/accounts/P", .get, nil),
                ("/api/v1/accounts/P", .patch, #"{"disabled": true}"#), ("/api/v1/accounts/P/password-reset", .post, nil),
                ("/api/v1/api-keys/P", .delete, nil), ("/api/v1/persons?area=P", .get, nil), ("/api/v1/persons/P", .get, nil),
                ("/api/v1/persons/1?purpose=P", .get, nil), ("/api/v1/persons/export?area=P", .get, nil), ("/api/v1/persons/P/reads", .get, nil),
                ("/api/v1/audit?actor=P", .get, nil), ("/api/v1/audit?action=P", .get, nil), ("/api/v1/audit?target=P", .get, nil),
                ("/api/v1/audit?from=P", .get, nil), ("/api/v1/audit/export?actor=P", .get, nil),
            ]
            for payload in payloads {
                for (template, method, json) in requests {
                    let uri = template.replacingOccurrences(of: "P", with: Self.encoded(payload))
                    let key = uri.hasPrefix("/api/v1/audit") || uri.hasSuffix("/reads") ? auditor : nil
                    let response = try await server.request(uri, method, key: key, json: json)
                    let code = Int(response.status.code)
                    let harmless =
                        (400..<500).contains(code) || (code == 200 && (response.text.contains("\"total\":0") || response.text == "[]"))
                    #expect(harmless, "\(method) \(uri) → \(code) \(response.text.prefix(200))")
                    #expect(!response.text.contains("$2"), "\(uri) disclosed a password hash")
                }
            }
            #expect(try await Self.snapshot(server) == before)
            #expect(try await server.store.verifyAudit(city: server.credentials.city).firstBreak == nil)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aPlantedValidSessionIsNeverTheVictimsSession(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            // The attacker signs in as themselves and plants their (valid) cookie in the victim's browser.
            let attacker = try #require(server.credentials.logins.first { $0.role == "grid_worker" })
            let planted = try #require(SessionAPITests.cookie(of: try await SessionAPITests.signIn(server, attacker.username, attacker.password)))
            let (username, password) = SessionAPITests.admin(server)
            let victim = try await SessionAPITests.signIn(server, username, password, cookie: planted)
            let issued = try #require(SessionAPITests.cookie(of: victim))
            #expect(issued != planted)
            // The planted cookie is still only the attacker's: it never gains the victim's rights.
            let asPlanted = try await server.client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: planted]).json()
            #expect(asPlanted["username"] as? String == attacker.username)
            let asVictim = try await server.client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: issued]).json()
            #expect(asVictim["username"] as? String == username)
            #expect(try await server.client.execute(uri: "/api/v1/accounts", method: .get, headers: [.cookie: planted]).status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func pathTraversalFindsNothing(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            for uri in [
                "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/api/v1/grids/..%2F..%2F..%2Fetc%2Fpasswd", "/api/v1/../../etc/passwd",
                "/static/..%2f..%2fPackage.swift", "/api/v1/grids/%00", "/openapi.json/../../Package.swift",
            ] {
                let response = try await server.get(uri)
                #expect((400..<500).contains(Int(response.status.code)), "\(uri) → \(response.status)")
                #expect(!response.text.contains("root:") && !response.text.contains("swift-tools-version"), "\(uri)")
            }
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func everyAnswerTellsTheBrowserToDoNoMore(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            for response in [
                try await server.client.get("/"), try await server.get("/api/v1/grids?level=town"), try await server.client.get("/nowhere"),
            ] {
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src") == false, "scripts only from 'self' (default-src)")
            }
            #expect(try await server.get("/api/v1/accounts/admin").headers[.cacheControl] == "no-store")
            // Markup in a name comes back as JSON data, which the browser is told not to sniff as HTML.
            let created = try await server.request(
                "/api/v1/accounts",
                .post,
                json:
                    #"{"username": "xss", "display_name": "<img src=x onerror=alert(1)>", "roles": ["leader"], "area": "\#(server.credentials.city)"}"#
            )
            #expect(created.status == .created)
            #expect(created.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func theAuditLogRecordsTheClientBehindATrustedProxyAndOnlyThere(_ database: TestDatabase) async throws {
        let forwarded: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "198.51.100.1, 203.0.113.9"]
        @Sendable func addresses(_ server: ServerHarness.Context) async throws -> [String?] {
            _ = try await server.request("/api/v1/api-keys/nosuchkey", .delete, headers: forwarded)
            _ = try await server.request(
                "/api/v1/accounts",
                .post,
                json: #"{"username": "via-proxy", "display_name": "x", "roles": ["leader"], "area": "\#(server.credentials.city)"}"#,
                headers: forwarded
            )
            return try await server.store.searchAudit(city: server.credentials.city, AuditQuery(target: "accounts/via-proxy")).entries.map(
                \.record.address
            )
        }
        // The test client connects from loopback.
        let loopback: @Sendable (inout ServerConfiguration) -> Void = { $0.trustedProxies = [AddressRange("127.0.0.0/8")!] }
        try await ServerHarness.withServer(database, configure: loopback) { server in
            let recorded = try await addresses(server)
            #expect(recorded == ["203.0.113.9"])
        }
        try await ServerHarness.withServer(database) { server in
            let recorded = try await addresses(server)
            #expect(recorded == ["127.0.0.1"])
        }
    }
}
