import Foundation
import Logging
import MinqingStore
import SQLKit
import Synchronization
import Testing

/// A clock the test moves by hand.
public final class TestClock: Sendable {
    private let state: Mutex<Date>
    public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) { state = Mutex(start) }
    public func now() -> Date { state.withLock { $0 } }
    public func advance(by seconds: TimeInterval) { state.withLock { $0 += seconds } }
}

/// The databases a store test runs on: SQLite always; PostgreSQL when `MINQING_TEST_POSTGRES_URL`
/// names a local server (`make test` starts one). `MINQING_REQUIRE_POSTGRES=1` makes its absence a failure.
public enum TestDatabase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    public var testDescription: String { rawValue }

    public static var enabled: [TestDatabase] {
        ProcessInfo.processInfo.environment["MINQING_TEST_POSTGRES_URL"] != nil
            || ProcessInfo.processInfo.environment["MINQING_REQUIRE_POSTGRES"] == "1"
            ? [.sqlite, .postgres] : [.sqlite]
    }

    public static let logger: Logger = {
        var logger = Logger(label: "minqing-test")
        logger.logLevel = .warning
        return logger
    }()

    /// Runs `body` with a migrated store on a fresh, empty database that is removed afterwards.
    public func withStore<T: Sendable>(now: @escaping @Sendable () -> Date = Date.init, _ body: @Sendable (Store) async throws -> T) async throws -> T
    {
        try await withLocation { location in
            try await Store.with(location, logger: Self.logger, now: now) { store in
                try await store.migrate()
                return try await body(store)
            }
        }
    }

    /// Runs `body` with a fresh, empty database, removed afterwards; for tests that open stores themselves.
    public func withLocation<T: Sendable>(_ body: (DatabaseLocation) async throws -> T) async throws -> T {
        let location = try await makeLocation()
        defer { if case .sqlite(let path) = location { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) } }
        do {
            let result = try await body(location)
            try await dropIfNeeded(location)
            return result
        } catch {
            try? await dropIfNeeded(location)
            throw error
        }
    }

    /// A fresh database: a SQLite file in a new folder, or a new PostgreSQL database.
    func makeLocation() async throws -> DatabaseLocation {
        let name = "minqing_test_\(UInt64.random(in: 0..<UInt64.max))"
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
            return .sqlite(path: folder + "/minqing.sqlite")
        case .postgres:
            let admin = try Self.adminURL()
            try await Store.with(.postgres(url: admin), logger: Self.logger) { store in
                try await store.backend.read { try await $0.raw("CREATE DATABASE \(ident: name)").run() }
            }
            return .postgres(url: admin.replacingOccurrences(of: "/postgres?", with: "/\(name)?"))
        }
    }

    private func dropIfNeeded(_ location: DatabaseLocation) async throws {
        guard case .postgres(let url) = location, let name = url.split(separator: "/").last?.split(separator: "?").first else { return }
        try await Store.with(.postgres(url: try Self.adminURL()), logger: Self.logger) { store in
            try await store.backend.read { try await $0.raw("DROP DATABASE IF EXISTS \(ident: String(name)) WITH (FORCE)").run() }
        }
    }

    /// The server URL from the environment; only a server on this machine is accepted, since tests
    /// create and drop databases.
    static func adminURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["MINQING_TEST_POSTGRES_URL"] else {
            throw TestDatabaseError("MINQING_REQUIRE_POSTGRES=1 but MINQING_TEST_POSTGRES_URL is not set; run the tests through `make test`")
        }
        guard let host = URLComponents(string: url)?.host, ["127.0.0.1", "localhost", "::1"].contains(host), url.contains("/postgres?") else {
            throw TestDatabaseError("MINQING_TEST_POSTGRES_URL must name the postgres database on this machine, with query options")
        }
        return url
    }
}

public struct TestDatabaseError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
