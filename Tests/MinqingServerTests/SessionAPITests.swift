import Foundation
import HTTPTypes
import HummingbirdTesting
import MinqingCore
import MinqingServer
import MinqingStore
import MinqingTestSupport
import NIOCore
import Testing

/// Sign-in over real HTTP: cookie flags, fixation, CSRF, lockout, sign-out everywhere.
struct SessionAPITests {
    static func signIn(_ server: ServerHarness.Context, _ username: String, _ password: String, cookie: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let cookie { headers[.cookie] = cookie }
        let body = try JSONSerialization.data(withJSONObject: ["username": username, "password": password])
        return try await server.client.execute(uri: "/api/v1/session", method: .post, headers: headers, body: ByteBuffer(bytes: body))
    }

    static func cookie(of response: TestResponse) -> String? {
        response.headers[.setCookie]?.split(separator: ";").first.map(String.init)
    }

    static func admin(_ server: ServerHarness.Context) -> (String, String) {
        let login = server.credentials.logins.first { $0.role == "system_admin" }!
        return (login.username, login.password)
    }

    @Test(arguments: TestDatabase.enabled)
    func signsInWithASafeCookieAndSignsOutWithTheCSRFToken(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let (username, password) = Self.admin(server)
            // A cookie planted before sign-in is never adopted: the server issues its own.
            let planted = "minqing_session=" + String(repeating: "A", count: 43)
            let response = try await Self.signIn(server, username, password, cookie: planted)
            #expect(response.status == .ok, "\(response.text)")
            let setCookie = try #require(response.headers[.setCookie])
            for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] { #expect(setCookie.contains(flag)) }
            let cookie = try #require(Self.cookie(of: response))
            #expect(cookie != planted)
            let body = try response.json()
            #expect(body["username"] as? String == username)
            #expect(body["roles"] as? [String] == ["system_admin"])
            let csrf = try #require(body["csrf_token"] as? String)
            #expect(try await server.client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: planted]).status == .unauthorized)
            #expect(try await server.client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: cookie]).status == .ok)

            // Without the CSRF token, a cross-site request cannot sign the user out.
            let forged = try await server.client.execute(uri: "/api/v1/session", method: .delete, headers: [.cookie: cookie])
            #expect(forged.status == .forbidden)
            var headers: HTTPFields = [.cookie: cookie]
            headers[HTTPField.Name("X-CSRF-Token")!] = csrf
            let out = try await server.client.execute(uri: "/api/v1/session", method: .delete, headers: headers)
            #expect(out.status == .noContent)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await server.client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: cookie]).status == .unauthorized)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func locksAnAccountAfterRepeatedFailuresAndAnswersAlikeForUnknownNames(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let (username, password) = Self.admin(server)
            let unknown = try await Self.signIn(server, "nobody-here", "whatever")
            let wrong = try await Self.signIn(server, username, "wrong-password")
            #expect(unknown.status == .unauthorized && wrong.status == .unauthorized)
            #expect(try unknown.problem().detail == (try wrong.problem().detail))
            // Five attempts counted (in parallel too): locked, even for the right password, and a locked
            // account answers like a wrong password, so locks do not reveal which usernames exist.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { _ = try await Self.signIn(server, username, "wrong-password") } }
                try await group.waitForAll()
            }
            let locked = try await Self.signIn(server, username, password)
            #expect(locked.status == .unauthorized)
            #expect(try locked.problem().detail == (try unknown.problem().detail))
            #expect(locked.headers[.retryAfter] == nil)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func signsOutEverywhere(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let (username, password) = Self.admin(server)
            let first = try await Self.signIn(server, username, password)
            let second = try await Self.signIn(server, username, password)
            let (phone, laptop) = (Self.cookie(of: first)!, Self.cookie(of: second)!)
            var headers: HTTPFields = [.cookie: laptop]
            headers[HTTPField.Name("X-CSRF-Token")!] = try second.json()["csrf_token"] as? String
            #expect(try await server.client.execute(uri: "/api/v1/sessions", method: .delete, headers: headers).status == .noContent)
            #expect(try await server.client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: phone]).status == .unauthorized)
            #expect(try await server.client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: laptop]).status == .unauthorized)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func refusesSignInsThatAreNotJSON(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            // A cross-site form posts text/plain: refused before anything is read.
            let (username, password) = Self.admin(server)
            let body = try JSONSerialization.data(withJSONObject: ["username": username, "password": password])
            let form = try await server.client.execute(
                uri: "/api/v1/session",
                method: .post,
                headers: [.contentType: "text/plain"],
                body: ByteBuffer(bytes: body)
            )
            #expect(form.status == .unsupportedMediaType)
            #expect(form.headers[.setCookie] == nil)
            // A NUL in a username is an unknown username, not a server error.
            #expect(try await Self.signIn(server, "ad\u{0}min", password).status == .unauthorized)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func refusesMalformedSignIns(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let cases: [(String, String)] = [
                ("{\"username\":\"admin\"}", "the field password is required"),
                ("{\"username\":1,\"password\":\"x\"}", "the field username must be a string"),
                ("not json", "the body must be JSON: {\"username\": …, \"password\": …}"),
            ]
            for (body, detail) in cases {
                let response = try await server.client.execute(
                    uri: "/api/v1/session",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: body)
                )
                #expect(response.status == .badRequest)
                #expect(try response.problem().detail == detail)
            }
            let long = try await Self.signIn(server, "admin", String(repeating: "x", count: 100))
            #expect(try long.problem().detail == "password may be at most 72 bytes")
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func changesThePasswordAndEndsTheOtherSessions(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let (username, password) = Self.admin(server)
            let other = Self.cookie(of: try await Self.signIn(server, username, password))!
            let here = try await Self.signIn(server, username, password)
            let cookie = Self.cookie(of: here)!
            var headers: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
            headers[HTTPField.Name("X-CSRF-Token")!] = try here.json()["csrf_token"] as? String
            func change(_ current: String, _ new: String) async throws -> TestResponse {
                let body = try JSONSerialization.data(withJSONObject: ["current": current, "new": new])
                return try await server.client.execute(
                    uri: "/api/v1/session/password",
                    method: .post,
                    headers: headers,
                    body: ByteBuffer(bytes: body)
                )
            }
            var forged = headers
            forged[HTTPField.Name("X-CSRF-Token")!] = "not-the-token"
            let body = try JSONSerialization.data(withJSONObject: ["current": password, "new": "Long-enough-1"])
            let withoutToken = try await server.client.execute(
                uri: "/api/v1/session/password",
                method: .post,
                headers: forged,
                body: ByteBuffer(bytes: body)
            )
            #expect(withoutToken.status == .forbidden)
            #expect(try await change("not-it", "Long-enough-1").status == .forbidden)
            #expect(try await change(password, "with\u{0}nul-in-it").problem().detail == "the new password must not contain control characters")
            #expect(try await change(password, "short").problem().detail == "the new password must have at least 10 characters")
            #expect(try await change(password, "my-\(username)-pass").problem().detail == "the new password must not contain the username")
            #expect(try await change(password, "aaaaaaaaaaaa").problem().detail == "the new password must use at least 4 different characters")
            #expect(try await change(password, "新的口令-2026-ok").status == .noContent)
            // This session lives on; the other one ended; only the new password signs in.
            #expect(try await server.client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: cookie]).status == .ok)
            #expect(try await server.client.execute(uri: "/api/v1/session", method: .get, headers: [.cookie: other]).status == .unauthorized)
            #expect(try await Self.signIn(server, username, password).status == .unauthorized)
            #expect(try await Self.signIn(server, username, "新的口令-2026-ok").status == .ok)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func limitsSignInAttemptsFromOneAddress(_ database: TestDatabase) async throws {
        // A refill slow enough that no attempt comes back while the test runs, however loaded the machine.
        let slowRefill: @Sendable (inout ServerConfiguration) -> Void = { $0.signInRefillSeconds = 3600 }
        try await ServerHarness.withServer(database, configure: slowRefill) { server in
            // Unknown names never lock an account; the address limit still stops the guessing.
            for attempt in 0..<10 {
                #expect(try await Self.signIn(server, "guess-\(attempt)", "x").status == .unauthorized)
            }
            let limited = try await Self.signIn(server, "guess-10", "x")
            #expect(limited.status == .tooManyRequests)
            #expect(try limited.problem().type == "urn:minqing:problem:rate-limited")
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 > 0)
        }
    }
}
