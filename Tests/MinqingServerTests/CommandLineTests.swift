import Foundation
import MinqingCore
import MinqingStore
import MinqingTestSupport
import SQLKit
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The `minqing` executable as an operator runs it: exit codes, messages that name the flag or the
/// feature, and nothing written when a file is refused.
struct CommandLineTests {
    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("minqing")

    /// A loopback port nobody listens on or connects from now, as the kernel picks one (a random
    /// port may be one of the machine's outgoing connections: `bind` then fails).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs the command and waits for it on a thread of its own: a test blocking one of the two
    /// threads of Swift's cooperative pool would stall every other test of the process meanwhile.
    static func minqing(_ arguments: [String], environment: [String: String] = [:]) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try runBlocking(arguments, environment: environment) }) }.start()
        }
    }

    /// Waits for a process to end on a thread of its own (see ``minqing(_:environment:)``).
    static func exit(of process: Process) async {
        await withCheckedContinuation { continuation in
            Thread {
                process.waitUntilExit()
                continuation.resume()
            }.start()
        }
    }

    private static func runBlocking(_ arguments: [String], environment: [String: String]) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let (output, errors) = (Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self), errors: String(decoding: err, as: UTF8.self))
    }

    static func temporaryFolder() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("minqing-cli-\(UInt64.random(in: 0..<UInt64.max))").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test(arguments: TestDatabase.enabled)
    func importsExportsAndRefusesABadFileWithAReport(_ database: TestDatabase) async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await database.withLocation { location in
            let areas = DemoCityBuilder(plan: .scaled(down: 40)).build()
            var broken = areas
            let moved = broken.lastIndex { $0.level == .grid }!
            broken[moved].shape = MultiPolygon([Polygon(exterior: [.init(100, 10), .init(100.01, 10), .init(100.01, 10.01), .init(100, 10)])])
            try GeoJSON.write(broken).write(toFile: folder + "/broken.geojson", atomically: true, encoding: .utf8)
            try GeoJSON.write(areas).write(toFile: folder + "/city.geojson", atomically: true, encoding: .utf8)
            let common = ["--database", location.argument, "--log-level", "error"]

            let refused = try await Self.minqing(["import", "grids", folder + "/broken.geojson"] + common)
            #expect(refused.status != 0)
            #expect(refused.errors.contains("error feature \(moved) (\(broken[moved].code)): outside_parent at 100"))
            #expect(refused.errors.contains("nothing was imported"))
            let empty = try await Self.minqing(["export", "grids"] + common)
            #expect(empty.status != 0)
            #expect(empty.errors.contains("the database has no areas"))

            let imported = try await Self.minqing(["import", "grids", folder + "/city.geojson"] + common)
            #expect(imported.status == 0, "\(imported.errors)")
            #expect(imported.output.contains("Imported \(areas.count) areas"))
            // The import, and the standard catalog the new city was given, are in the audit log; an
            // edited entry is found and the command fails.
            let verified = try await Self.minqing(["audit", "verify"] + common)
            #expect(verified.status == 0)
            #expect(verified.output.contains("city 449900, audit log: 2 entries, the chain holds."))
            try await Store.with(location, logger: TestDatabase.logger) { store in
                try await store.backend.transaction { try await $0.raw("UPDATE audit_log SET actor = 'someone-else'").run() }
            }
            let tampered = try await Self.minqing(["audit", "verify"] + common)
            #expect(tampered.status != 0)
            #expect(tampered.errors.contains("audit log: the chain holds for 0 entries, then 1: does not match its own content: it was edited"))

            let exported = try await Self.minqing(["export", "grids", "--level", "grid"] + common)
            #expect(exported.status == 0)
            let (read, report) = GeoJSON.readAreas(Array(exported.output.utf8), options: .init())
            #expect(report.issues.isEmpty)
            #expect(read.map(\.area) == areas.filter { $0.level == .grid }.sorted { $0.code < $1.code })
        }
    }

    @Test func namesTheFlagOrVariableThatIsWrong() async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cases: [([String], [String: String], String)] = [
            (["import", "grids", "x.geojson", "--crs", "utm", "--data", folder], [:], "--crs"),
            (["import", "grids", "x.geojson", "--tolerance=-1", "--data", folder], [:], "--tolerance must be from 0 to 1000 metres, not -1.0"),
            (["import", "grids", folder + "/missing.geojson", "--data", folder], [:], "cannot read the file \(folder)/missing.geojson"),
            (["migrate", "--log-level", "loud", "--data", folder], [:], "--log-level must be one of"),
            (["serve", "--data", folder], ["MINQING_PORT": "eighty"], "MINQING_PORT must be a whole number, not eighty"),
            (["serve", "--data", folder], ["MINQING_AUDIT_LINK_INTERVAL_MS": "0"], "MINQING_AUDIT_LINK_INTERVAL_MS must be from 10 to 60000, not 0"),
            (["demo", "--scale", "0", "--data", folder], [:], "--scale must be from 1 to 100, not 0"),
            (["demo", "--history-cases", "20000000", "--data", folder], [:], "--history-cases must be from 0 to 10,000,000, not 20000000"),
        ]
        for (arguments, environment, message) in cases {
            let run = try await Self.minqing(arguments, environment: environment)
            #expect(run.status != 0, "\(arguments)")
            #expect(run.errors.contains(message), "\(arguments): \(run.errors)")
        }
    }

    @Test func servesUntilSIGTERMThenStopsCleanly() async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let port = try Self.freePort()
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["serve", "--data", folder, "--port", "\(port)", "--log-format", "json", "--log-level", "info"]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        var ready = false
        for _ in 0..<100 where !ready {
            try await Task.sleep(for: .milliseconds(100))
            if let (data, _) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/healthz")!),
                String(decoding: data, as: UTF8.self).contains("ok")
            {
                ready = true
            }
        }
        #expect(ready)
        process.terminate()  // SIGTERM
        let started = ContinuousClock.now
        await Self.exit(of: process)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        // Structured logs: one JSON object per line.
        let lines = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] != nil && object?["message"] != nil, "\(line)")
        }
    }
}

/// `minqing user …`: accounts from the command line, each change audited.
struct UserCommandTests {
    @Test(arguments: TestDatabase.enabled)
    func addsListsDisablesAndResetsAccounts(_ database: TestDatabase) async throws {
        let folder = CommandLineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await database.withLocation { location in
            let areas = DemoCityBuilder(plan: .scaled(down: 40)).build()
            try GeoJSON.write(areas).write(toFile: folder + "/city.geojson", atomically: true, encoding: .utf8)
            let common = ["--database", location.argument, "--log-level", "error"]
            let environment = ["MINQING_BCRYPT_COST": "4"]
            func run(_ arguments: [String]) async throws -> CommandLineTests.Run {
                try await CommandLineTests.minqing(arguments + common, environment: environment)
            }
            #expect(try await run(["import", "grids", folder + "/city.geojson"]).status == 0)
            let grid = areas.first { $0.level == .grid }!

            let added = try await run(["user", "add", "wgy-new", "--name", "李四", "--role", "grid_worker", "--area", grid.code])
            #expect(added.status == 0, "\(added.errors)")
            #expect(added.output.contains("Added wgy-new to city 449900. Password (shown once): "))
            let again = try await run(["user", "add", "wgy-new", "--name", "李四", "--role", "grid_worker", "--area", grid.code])
            #expect(again.status != 0)
            #expect(again.errors.contains("the username wgy-new is taken"))
            let nowhere = try await run(["user", "add", "wgy-x", "--name", "王五", "--role", "grid_worker", "--area", "999"])
            #expect(nowhere.errors.contains("no area in force has the code 999"))

            let listed = try await run(["user", "list", "--role", "grid_worker"])
            #expect(listed.output.contains("wgy-new\t李四\tgrid_worker\t\(grid.code)\t-\tactive"))
            #expect(try await run(["user", "disable", "wgy-new"]).output.contains("Disabled wgy-new."))
            #expect(try await run(["user", "list"]).output.contains("wgy-new\t李四\tgrid_worker\t\(grid.code)\t-\tdisabled"))
            let reset = try await run(["user", "reset-password", "wgy-new"])
            #expect(reset.output.contains("New password for wgy-new (shown once): "))
            let unknown = try await run(["user", "reset-password", "nobody"])
            #expect(unknown.status != 0)
            #expect(unknown.errors.contains("no account of city 449900 is named nobody"))

            // The import, the catalog it brought, the addition, the disabling and the reset: five entries, chained.
            #expect(try await run(["audit", "verify"]).output.contains("city 449900, audit log: 5 entries, the chain holds."))
        }
    }

    @Test func namesWhatIsWrongWithAnAccount() async throws {
        let folder = CommandLineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cases: [([String], String)] = [
            (["user", "add", "A b", "--name", "x", "--role", "grid_worker"], "username \"A b\" must be 3–64 lowercase letters"),
            (["user", "add", "abc", "--name", "x", "--role", "mayor"], "--role"),
            (
                ["user", "add", "abc", "--name", "x", "--role", "department_head"],
                "--department: a department is required for the roles department_handler and department_head"
            ),
            (["user", "add", "abc", "--name", "x", "--role", "grid_worker"], "--area: an area is required for the roles grid_worker and official"),
            (["user", "add", "abc", "--name", "", "--role", "leader"], "--name: name must be 1–64 characters"),
        ]
        for (arguments, message) in cases {
            let run = try await CommandLineTests.minqing(arguments + ["--data", folder])
            #expect(run.status != 0, "\(arguments)")
            #expect(run.errors.contains(message), "\(arguments): \(run.errors)")
        }
    }

    @Test func makesRotatesAndGuardsTheKeyRing() async throws {
        let folder = CommandLineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let keyFile = folder + "/personal-data.keys"
        let first = try await CommandLineTests.minqing(["keys", "rotate", "--data", folder])
        #expect(first.status == 0, "\(first.errors)")
        #expect(first.output.contains("Re-sealed 0 value(s)"))
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let ring = try String(contentsOfFile: keyFile, encoding: .utf8)
        #expect(ring.split(separator: ",").count == 1)
        let rotated = try await CommandLineTests.minqing(["keys", "rotate", "--new-key", "--data", folder])
        #expect(rotated.status == 0, "\(rotated.errors)")
        // Only the ring changes: running servers still hold the old one until they restart.
        #expect(rotated.output.contains("Restart the servers") && !rotated.output.contains("Re-sealed"))
        let newRing = try String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(newRing.split(separator: ",").count == 2)
        #expect(newRing.hasSuffix(ring.trimmingCharacters(in: .whitespacesAndNewlines)))
        let generated = try await CommandLineTests.minqing(["keys", "generate"])
        #expect(generated.output.split(separator: ":").count == 2)
        // A ring from the environment is the operator's to edit; a broken one is named, not used.
        let fromEnvironment = try await CommandLineTests.minqing(
            ["keys", "rotate", "--new-key", "--data", folder],
            environment: ["MINQING_PERSONAL_DATA_KEYS": generated.output.trimmingCharacters(in: .whitespacesAndNewlines)]
        )
        #expect(fromEnvironment.status != 0)
        #expect(fromEnvironment.errors.contains("--new-key: the ring comes from MINQING_PERSONAL_DATA_KEYS"))
        let broken = try await CommandLineTests.minqing(
            ["keys", "rotate", "--data", folder],
            environment: ["MINQING_PERSONAL_DATA_KEYS": "k1:short"]
        )
        #expect(broken.status != 0)
        #expect(broken.errors.contains("the key ring is invalid: the key k1 is not 32 bytes of base64"))
        #expect(try String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == newRing)
    }
}
