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

/// Accounts and API keys through the admin API: what an administrator can do, what nobody else can,
/// and that every refused request changes nothing.
struct AdminAPITests {
    static let newWorker = #"{"username": "wgy-new", "display_name": "新网格员", "roles": ["grid_worker"], "area": "AREA"}"#

    static func worker(in server: ServerHarness.Context) -> String {
        newWorker.replacingOccurrences(of: "AREA", with: server.credentials.city)
    }

    static func auditActions(_ server: ServerHarness.Context) async throws -> [String] {
        try await server.store.backend.read { db in
            try await db.raw("SELECT action, actor, target FROM audit_log ORDER BY id").all().map {
                "\(try $0.decode(column: "actor", as: String.self)) \(try $0.decode(column: "action", as: String.self)) \(try $0.decode(column: "target", as: String.self))"
            }
        }
    }

    /// The server links its city's audit entries to the chain a moment after their writes commit
    /// (at once on SQLite; PostgreSQL's writes leave them to the server's linker), with nobody
    /// running `minqing audit verify`, with those written before by another process.
    @Test(arguments: TestDatabase.enabled)
    func theServerLinksItsCitysNewAuditEntriesWithinMoments(_ database: TestDatabase) async throws {
        let quickLinks: @Sendable (inout ServerConfiguration) -> Void = { $0.auditLinkIntervalMilliseconds = 20 }
        try await ServerHarness.withServer(database, configure: quickLinks) { server in
            let created = try await server.request("/api/v1/accounts", .post, json: Self.worker(in: server))
            #expect(created.status == .created, "\(created.text)")
            // The city's: a server serves one city, and its entries of another (written before its
            // city had grids) are linked by the same passes; other cities' by `audit verify`.
            var unlinked: [String] = []
            for _ in 0..<250 {
                unlinked = try await server.store.backend.read { db in
                    try await db.raw("SELECT action FROM audit_log WHERE city_code = \(bind: server.credentials.city) AND hash = '' ORDER BY id")
                        .all().map { try $0.decode(column: "action", as: String.self) }
                }
                if unlinked.isEmpty { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(unlinked.isEmpty, "still unlinked: \(unlinked)")
            #expect(try await Self.auditActions(server).contains("admin accounts.manage accounts/wgy-new"))
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func anAdministratorAddsAnAccountThatCanSignInThenDisablesAndResetsIt(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let created = try await server.request("/api/v1/accounts", .post, json: Self.worker(in: server))
            #expect(created.status == .created, "\(created.text)")
            let body = try created.json()
            let password = try #require(body["password"] as? String)
            #expect((body["account"] as? [String: Any])?["roles"] as? [String] == ["grid_worker"])
            #expect(try await SessionAPITests.signIn(server, "wgy-new", password).status == .ok)
            // Listed, filtered by role, and read one by one; never with a password hash.
            let listed = try await server.get("/api/v1/accounts?role=grid_worker&per_page=1000").json()
            let usernames = (listed["items"] as? [[String: Any]] ?? []).compactMap { $0["username"] as? String }
            #expect(usernames.contains("wgy-new") && !usernames.contains("admin"))
            #expect(listed["total"] as? Int == usernames.count)
            let one = try await server.get("/api/v1/accounts/wgy-new")
            #expect(try one.json()["display_name"] as? String == "新网格员")
            #expect(!one.text.contains("$2"))

            let disabled = try await server.request("/api/v1/accounts/wgy-new", .patch, json: #"{"disabled": true}"#)
            #expect(try disabled.json()["disabled"] as? Bool == true)
            #expect(try await SessionAPITests.signIn(server, "wgy-new", password).status == .unauthorized)
            _ = try await server.request("/api/v1/accounts/wgy-new", .patch, json: #"{"disabled": false}"#)
            let reset = try await server.request("/api/v1/accounts/wgy-new/password-reset", .post).json()
            let newPassword = try #require(reset["password"] as? String)
            #expect(try await SessionAPITests.signIn(server, "wgy-new", password).status == .unauthorized)
            #expect(try await SessionAPITests.signIn(server, "wgy-new", newPassword).status == .ok)
            // Each change is audited under the administrator's name.
            let audited = try await Self.auditActions(server).filter { $0.hasPrefix("admin accounts.manage accounts/wgy-new") }
            #expect(audited.count == 4)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func refusesBadAccountsWithTheFieldAndChangesNothing(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let city = server.credentials.city
            let before = try await Self.auditActions(server)
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"username": "A B", "display_name": "x", "roles": ["leader"]}"#, .badRequest, "username: username \"A B\""),
                (#"{"username": "abc", "display_name": "", "roles": ["leader"]}"#, .badRequest, "display_name: name must be 1–64"),
                (#"{"username": "abc", "display_name": "x", "roles": []}"#, .badRequest, "roles: give at least one role"),
                (#"{"username": "abc", "display_name": "x", "roles": ["grid_worker"]}"#, .badRequest, "area: an area is required"),
                (#"{"username": "abc", "display_name": "x", "roles": ["department_head"]}"#, .badRequest, "department: a department is required"),
                (
                    #"{"username": "abc", "display_name": "x", "roles": ["leader"], "area": "nowhere"}"#, .notFound,
                    "no area in force has the code nowhere"
                ),
                (#"{"username": "abc", "display_name": "x", "roles": ["leader"], "extra": 1}"#, .badRequest, "extra"),
                (#"{"username": "admin", "display_name": "x", "roles": ["leader"], "area": "\#(city)"}"#, .conflict, "the username admin is taken"),
                (#"{"username": "abc", "display_name": "x", "roles": ["leader"]"#, .badRequest, "not valid JSON"),
                (#"{"username": 7, "display_name": "x", "roles": ["leader"]}"#, .badRequest, "the field username has the wrong type"),
                (#"{"display_name": "x", "roles": ["leader"]}"#, .badRequest, "the field username is required"),
                (#"{"username": "abc", "display_name": "x", "roles": ["leader", "mayor"]}"#, .badRequest, "the field roles[1] is not valid"),
                (#"[]"#, .badRequest, "the body must be a JSON object"),
            ]
            for (json, status, detail) in cases {
                let response = try await server.request("/api/v1/accounts", .post, json: json)
                #expect(response.status == status, "\(json): \(response.text)")
                #expect(try response.problem().detail.contains(detail), "\(json): \(response.text)")
            }
            let huge = #"{"username": "abc", "display_name": "\#(String(repeating: "x", count: 100_000))", "roles": ["leader"]}"#
            let tooLarge = try await server.request("/api/v1/accounts", .post, json: huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try tooLarge.problem().type == "urn:minqing:problem:too-large")
            #expect(try await server.get("/api/v1/accounts/abc").status == .notFound)
            #expect(try await Self.auditActions(server) == before)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func onlyAnAdministratorOfTheCityManagesAccounts(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let keys = server.credentials.apiKeys
            let before = try await Self.auditActions(server)
            let refusals: [(String?, HTTPResponse.Status, String)] = [
                (keys["worker_with_import_scope"], .forbidden, "test-worker holds no role that may accounts.manage"),
                (keys["admin_read_only"], .forbidden, "this API key was not issued for accounts.manage"),
                (keys["other_city_admin"], .forbidden, "other-admin may not accounts.manage here (other_city)"),
                (keys["open311_api_key"], .forbidden, "rx-12345 holds no role that may accounts.manage"),
            ]
            for (key, status, detail) in refusals {
                for (uri, method, json) in [
                    ("/api/v1/accounts", HTTPRequest.Method.post, Self.worker(in: server)), ("/api/v1/accounts", .get, nil),
                    ("/api/v1/accounts/admin", .patch, #"{"disabled": true}"#), ("/api/v1/accounts/admin/password-reset", .post, nil),
                    ("/api/v1/api-keys", .get, nil),
                ] {
                    let response = try await server.request(uri, method, key: key, json: json)
                    #expect(response.status == status, "\(uri) \(method)")
                    #expect(
                        try response.problem().detail
                            == detail.replacingOccurrences(
                                of: "accounts.manage",
                                with: uri.hasPrefix("/api/v1/api-keys") ? "api_keys.manage" : "accounts.manage"
                            )
                    )
                }
            }
            let anonymous = try await server.client.execute(
                uri: "/api/v1/accounts",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: Self.worker(in: server))
            )
            #expect(anonymous.status == .unauthorized)
            #expect(try await Self.auditActions(server) == before)
            // An administrator cannot lock themselves out.
            let own = try await server.request("/api/v1/accounts/admin", .patch, json: #"{"disabled": true}"#)
            #expect(own.status == .badRequest)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aSignedInAdministratorNeedsTheCSRFTokenToChangeAnything(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let (username, password) = SessionAPITests.admin(server)
            let signedIn = try await SessionAPITests.signIn(server, username, password)
            let cookie = try #require(SessionAPITests.cookie(of: signedIn))
            let csrf = try #require(try signedIn.json()["csrf_token"] as? String)
            var headers: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
            // A cross-site form cannot carry the token: refused, nothing added.
            let forged = try await server.client.execute(
                uri: "/api/v1/accounts",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: Self.worker(in: server))
            )
            #expect(forged.status == .forbidden)
            #expect(try forged.problem().detail == "send the session's CSRF token in X-CSRF-Token")
            headers[HTTPField.Name("X-CSRF-Token")!] = String(csrf.reversed())
            let wrong = try await server.client.execute(
                uri: "/api/v1/accounts",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: Self.worker(in: server))
            )
            #expect(wrong.status == .forbidden)
            #expect(try await server.get("/api/v1/accounts/wgy-new").status == .notFound)
            // Reads need no token; with the token the change is made.
            #expect(try await server.client.execute(uri: "/api/v1/accounts/admin", method: .get, headers: [.cookie: cookie]).status == .ok)
            headers[HTTPField.Name("X-CSRF-Token")!] = csrf
            let made = try await server.client.execute(
                uri: "/api/v1/accounts",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: Self.worker(in: server))
            )
            #expect(made.status == .created)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func anAPIKeyIsShownOnceWorksForItsScopeAndStopsWhenRevoked(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let worker = try #require(server.credentials.logins.first { $0.role == "grid_worker" })
            let created = try await server.request(
                "/api/v1/api-keys",
                .post,
                json: #"{"username": "\#(worker.username)", "label": "巡查终端 07", "scopes": ["intake", "intake"]}"#
            )
            #expect(created.status == .created, "\(created.text)")
            let body = try created.json()
            let key = try #require(body["key"] as? String)
            let summary = try #require(body["api_key"] as? [String: Any])
            #expect(summary["scopes"] as? [String] == ["intake"])
            let prefix = try #require(summary["prefix"] as? String)
            #expect(key.hasPrefix("mq_\(prefix)_"))
            // Listed without the key; it reads the grid tree and may do nothing its scope does not cover.
            let listed = try await server.get("/api/v1/api-keys")
            #expect(listed.text.contains(prefix) && !listed.text.contains(String(key.suffix(32))))
            #expect(try await server.request("/api/v1/grids?level=town", key: key).status == .ok)
            #expect(try await server.request("/api/v1/accounts", key: key).status == .forbidden)

            #expect(try await server.request("/api/v1/api-keys/\(prefix)", .delete).status == .noContent)
            #expect(try await server.request("/api/v1/api-keys/\(prefix)", .delete).status == .noContent)
            #expect(try await server.request("/api/v1/grids?level=town", key: key).status == .unauthorized)
            #expect(try await server.get("/api/v1/api-keys").text.contains("\"revoked_at\""))
            #expect(try await server.request("/api/v1/api-keys/nosuchkey", .delete).status == .notFound)
            let actions = try await Self.auditActions(server).filter { $0.contains("api_keys/\(prefix)") }
            #expect(actions == ["admin api_keys.manage api_keys/\(prefix)", "admin api_keys.manage api_keys/\(prefix)"])
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func refusesBadKeysWithTheField(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let before = try await Self.auditActions(server)
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"username": "admin", "label": "x", "scopes": ["root"]}"#, .badRequest, "the field scopes[0] is not valid"),
                (
                    #"{"username": "admin", "label": "x", "scopes": []}"#, .badRequest,
                    "scopes: give at least one of admin, read, grids:import, intake"
                ),
                (#"{"username": "admin", "label": " ", "scopes": ["read"]}"#, .badRequest, "label must say what the key is for"),
                (
                    #"{"username": "admin", "label": "x", "scopes": ["read"], "expires_at": "2001-01-01T00:00:00Z"}"#, .badRequest,
                    "expires_at must be in the future"
                ),
                (#"{"username": "admin", "label": "x", "scopes": ["read"], "expires_at": "tomorrow"}"#, .badRequest, "ISO8601"),
                (#"{"username": "nobody", "label": "x", "scopes": ["read"]}"#, .notFound, "no account is named nobody"),
                (#"{"label": "x", "scopes": ["read"]}"#, .badRequest, "the field username is required"),
            ]
            for (json, status, detail) in cases {
                let response = try await server.request("/api/v1/api-keys", .post, json: json)
                #expect(response.status == status, "\(json): \(response.text)")
                #expect(try response.problem().detail.contains(detail), "\(json): \(response.text)")
            }
            #expect(try await Self.auditActions(server) == before)
        }
    }
}
