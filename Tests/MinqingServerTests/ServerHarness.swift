import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MinqingCore
import MinqingServer
import MinqingStore
import MinqingTestSupport
import NIOCore
import SQLKit
import Testing

/// A live server over real HTTP on a fresh database holding a small demo city.
enum ServerHarness {
    static let plan = DemoCityPlan.scaled(down: 40)

    struct Context: Sendable {
        var client: any TestClientProtocol
        var credentials: DemoCredentials
        /// The server's own store, for looking behind the API (the audit log).
        var store: Store
        /// The server's data directory (its photos).
        var dataDirectory: String
        var adminKey: String { credentials.apiKeys["admin"]! }

        /// A request with an API key (the administrator's unless another is named).
        func request(
            _ uri: String,
            _ method: HTTPRequest.Method = .get,
            key: String? = nil,
            json: String? = nil,
            body raw: [UInt8]? = nil,
            headers extra: HTTPFields = [:]
        ) async throws -> TestResponse {
            var headers = extra
            headers[.authorization] = "Bearer \(key ?? adminKey)"
            if json != nil { headers[.contentType] = "application/json" }
            let body = json.map { ByteBuffer(string: $0) } ?? raw.map { ByteBuffer(bytes: $0) }
            return try await client.execute(uri: uri, method: method, headers: headers, body: body)
        }

        func get(_ uri: String) async throws -> TestResponse { try await request(uri) }

        /// A new API key for an account, with every scope unless others are named.
        /// How many cases the database holds: what a refused report must leave unchanged.
        func caseCount() async throws -> Int {
            try await store.backend.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM cases").first()!.decode(column: "n", as: Int.self)
            }
        }

        func key(for username: String, scopes: [APIKeyScope] = [.admin]) async throws -> String {
            let account = try #require(try await store.account(city: credentials.city, username: username))
            return try await store.createAPIKey(accountID: account.id, label: "test", scopes: scopes, expiresAt: nil)
        }
    }

    static func withServer<T: Sendable>(
        _ database: TestDatabase,
        seeded: Bool = true,
        configure: @Sendable (inout ServerConfiguration) -> Void = { _ in },
        now: @escaping @Sendable () -> Date = Date.init,
        logger: Logger = TestDatabase.logger,
        _ body: @Sendable (Context) async throws -> T
    ) async throws -> T {
        try await database.withLocation { location in
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("minqing-server-\(UInt64.random(in: 0..<UInt64.max))").path
            defer { try? FileManager.default.removeItem(atPath: data) }
            let setup = {
                var setup = DemoSetup(plan: plan)
                setup.bcryptCost = 4
                // Tests make their own cases; DemoHistoryTests covers the history.
                setup.historyCases = 0
                return setup
            }()
            let credentials = try await Store.with(location, logger: TestDatabase.logger) { store in
                try await store.migrate()
                guard seeded else { return DemoCredentials(city: "", logins: [], apiKeys: [:]) }
                var credentials = try await setup.run(store: store, dataDirectory: data, logger: TestDatabase.logger)
                // Keys the demo does not hand out: a grid worker's key with the import scope, and an
                // administrator's key of another city.
                let ids = try await store.createAccounts(
                    city: plan.cityCode,
                    [NewAccount(username: "test-worker", displayName: "测试网格员", passwordHash: "x", roles: [.gridWorker], areaCode: plan.cityCode)]
                )
                credentials.apiKeys["worker_with_import_scope"] = try await store.createAPIKey(
                    accountID: ids[0],
                    label: "test",
                    scopes: [.gridsImport],
                    expiresAt: nil
                )
                let admin = try #require(try await store.account(city: plan.cityCode, username: "admin"))
                credentials.apiKeys["admin_read_only"] = try await store.createAPIKey(
                    accountID: admin.id,
                    label: "test",
                    scopes: [.read],
                    expiresAt: nil
                )
                let other = try await store.createAccounts(
                    city: "449800",
                    [NewAccount(username: "other-admin", displayName: "外市管理员", passwordHash: "x", roles: [.systemAdmin])]
                )
                credentials.apiKeys["other_city_admin"] = try await store.createAPIKey(
                    accountID: other[0],
                    label: "test",
                    scopes: [.admin],
                    expiresAt: nil
                )
                return credentials
            }
            var configuration = ServerConfiguration()
            configuration.port = 0
            configuration.dataDirectory = data
            configuration.bcryptCost = 4
            configure(&configuration)
            let store = try await Store.open(location, logger: TestDatabase.logger, now: now)
            let app = try await buildApplication(configuration: configuration, store: store, logger: logger)
            return try await app.test(.live) { client in
                try await body(Context(client: client, credentials: credentials, store: store, dataDirectory: data))
            }
        }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw HarnessError("not a JSON object: \(text)")
        }
        return object
    }

    /// The problem details of an error response.
    func problem() throws -> (type: String, detail: String, body: [String: Any]) {
        guard headers[.contentType] == "application/problem+json" else { throw HarnessError("not a problem: \(status) \(text)") }
        let body = try json()
        return (body["type"] as? String ?? "", body["detail"] as? String ?? "", body)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension TestClientProtocol {
    func get(_ uri: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .get)
    }
}
