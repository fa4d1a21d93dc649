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

/// Residents' personal data over real HTTP: sealed at rest, masked by default, in full only with a
/// role and a purpose, every read audited and shown to the resident.
struct PersonsAPITests {
    static let areas = DemoCityBuilder(plan: ServerHarness.plan).build()
    static let tree = AreaTree(areas: areas)
    static let grid = areas.first { $0.level == .grid }!
    /// A grid in another town than ``grid``.
    static let farGrid = areas.first { $0.level == .grid && tree.path(code: $0.code)[2].code != tree.path(code: grid.code)[2].code }!
    static let identity = "441524199003071237"
    static let phone = "13812345678"

    struct People {
        var worker: String
        var center: String
        var auditor: String
        var resident: Int64
    }

    /// A grid worker of ``grid`` adds a resident; keys for the worker, the town's command center and the auditor.
    static func setUp(_ server: ServerHarness.Context) async throws -> People {
        let worker = try await server.key(for: "wgy-\(grid.code)-1")
        let town = tree.path(code: grid.code)[2].code
        let center = try await server.key(for: "zhzx-\(town)")
        let auditor = try await server.key(for: "sj-\(server.credentials.city)")
        let body = #"{"area": "\#(grid.code)", "name": "张三", "identity_number": "\#(identity)", "phone": "\#(phone)"}"#
        let created = try await server.request("/api/v1/persons", .post, key: worker, json: body)
        #expect(created.status == .created, "\(created.text)")
        let id = try #require((try created.json()["id"] as? NSNumber)?.int64Value)
        return People(worker: worker, center: center, auditor: auditor, resident: id)
    }

    @Test(arguments: TestDatabase.enabled)
    func identifiersAreSealedAtRestAndMaskedInEveryAnswer(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.setUp(server)
            // Nothing of the identifiers is stored in the clear.
            let stored = try await server.store.backend.read { try await $0.raw("SELECT identity_number, phone FROM persons").all() }
            for row in stored {
                let sealed = (try row.decode(column: "identity_number", as: String.self)) + (try row.decode(column: "phone", as: String.self))
                #expect(!sealed.contains(Self.identity) && !sealed.contains(Self.phone) && sealed.hasPrefix("v1."))
            }
            let one = try await server.request("/api/v1/persons/\(people.resident)", key: people.worker).json()
            #expect(one["identity_number"] as? String == "4415**********1237")
            #expect(one["phone"] as? String == "138****5678")
            #expect(one["masked"] as? Bool == true)
            let list = try await server.request("/api/v1/persons?area=\(Self.tree.path(code: Self.grid.code)[1].code)", key: people.center)
            #expect(list.status == .ok)
            #expect(list.text.contains("4415**********1237") && !list.text.contains(Self.identity) && !list.text.contains(Self.phone))
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aFullViewNeedsTheRoleAndAPurposeAndIsLoggedWithIt(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.setUp(server)
            let uri = "/api/v1/persons/\(people.resident)"
            // A grid worker reads masked data only, purpose or not.
            let worker = try await server.request(uri + "?purpose=%E5%85%A5%E6%88%B7%E8%B5%B0%E8%AE%BF", key: people.worker)
            #expect(worker.status == .forbidden)
            #expect(try worker.problem().detail == "wgy-\(Self.grid.code)-1 holds no role that may persons.read_full")
            #expect(try await server.request(uri + "?purpose=x%07y", key: people.center).status == .badRequest)
            // The town's command center, with a purpose (办理低保复核), sees it in full.
            let full = try await server.request(uri + "?purpose=%E5%8A%9E%E7%90%86%E4%BD%8E%E4%BF%9D%E5%A4%8D%E6%A0%B8", key: people.center).json()
            #expect(full["identity_number"] as? String == Self.identity)
            #expect(full["phone"] as? String == Self.phone)
            #expect(full["masked"] as? Bool == false)
            // Out of scope: another town's command center does not learn that the record exists.
            let farTown = Self.tree.path(code: Self.farGrid.code)[2].code
            let stranger = try await server.key(for: "zhzx-\(farTown)")
            let hidden = try await server.request(uri + "?purpose=x", key: stranger)
            #expect(hidden.status == .notFound)
            #expect(try hidden.problem().detail == "no resident has the id \(people.resident)")
            #expect(try await server.request("/api/v1/persons/999999", key: stranger).status == .notFound)
            // The resident's "who read my data", for the auditor: every read, the full one with its purpose.
            let reads = try await server.request(uri + "/reads", key: people.auditor)
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(reads.body.readableBytesView)) as? [[String: Any]])
            #expect(entries.first?["action"] as? String == "persons.read_full")
            #expect(entries.first?["purpose"] as? String == "办理低保复核")
            #expect(entries.first?["actor"] as? String == "zhzx-\(Self.tree.path(code: Self.grid.code)[2].code)")
            #expect(entries.count == 1, "refused reads disclose nothing")
            #expect(try await server.request(uri + "/reads", key: people.worker).status == .forbidden)
            // Without a role for it, an id that exists and one that does not get the same answer.
            let existing = try await server.request(uri + "/reads", key: people.worker)
            let nobody = try await server.request("/api/v1/persons/999999/reads", key: people.worker)
            let (unknownDetail, knownDetail) = (try nobody.problem().detail, try existing.problem().detail)
            #expect(nobody.status == .forbidden && unknownDetail == knownDetail)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aResidentSeesWhoReadTheirOwnRecordAndNoOneElses(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.setUp(server)
            let other = try await server.request(
                "/api/v1/persons",
                .post,
                key: people.worker,
                json: #"{"area": "\#(Self.grid.code)", "name": "李四"}"#
            )
            let otherID = try #require((try other.json()["id"] as? NSNumber)?.int64Value)
            let citizen = try await server.request(
                "/api/v1/accounts",
                .post,
                json: #"{"username": "zhangsan", "display_name": "张三", "roles": ["citizen"], "person": \#(people.resident)}"#
            )
            #expect(citizen.status == .created, "\(citizen.text)")
            let linkedToOther = try await server.request(
                "/api/v1/accounts",
                .post,
                json: #"{"username": "someone", "display_name": "x", "roles": ["leader"], "person": \#(otherID)}"#
            )
            #expect(try linkedToOther.problem().detail == "person: only a citizen's account is linked to a resident's record")
            _ = try await server.request("/api/v1/persons/\(people.resident)", key: people.center)
            let key = try await server.key(for: "zhangsan")
            let mine = try await server.request("/api/v1/persons/\(people.resident)/reads", key: key)
            #expect(mine.status == .ok)
            #expect(mine.text.contains("zhzx-"))
            // Officials' addresses are for auditors, not for the resident.
            #expect(!mine.text.contains("address"))
            #expect(
                try await server.request("/api/v1/persons/\(people.resident)/reads", key: people.auditor).text.contains("\"address\":\"127.0.0.1\"")
            )
            #expect(try await server.request("/api/v1/persons/\(otherID)/reads", key: key).status == .notFound)
            // The resident reads who read them, not the record itself.
            #expect(try await server.request("/api/v1/persons/\(people.resident)", key: key).status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func anExportIsMaskedStampedOnEveryRowAndAudited(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.setUp(server)
            let town = Self.tree.path(code: Self.grid.code)[2].code
            let export = try await server.request("/api/v1/persons/export?area=\(town)", key: people.center)
            #expect(export.status == .ok)
            #expect(export.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = export.text.split(separator: "\r\n")
            #expect(lines.first == "id,area,name,identity_number,phone,exported_by,exported_at")
            #expect(lines.count == 2)
            let cells = lines[1].split(separator: ",").map(String.init)
            #expect(cells[3] == "4415**********1237" && cells[5] == "zhzx-\(town)")
            #expect(ISO8601DateFormatter().date(from: cells[6]) != nil)
            #expect(try await server.request("/api/v1/persons/export?area=\(town)", key: people.worker).status == .forbidden)
            let reads = try await server.request("/api/v1/persons/\(people.resident)/reads", key: people.auditor)
            #expect(reads.text.contains("data.export"))
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func refusesBadResidentsWithTheFieldAndChangesNothing(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let worker = try await server.key(for: "wgy-\(Self.grid.code)-1")
            let grid = Self.grid.code
            let cases: [(String, HTTPResponse.Status, String)] = [
                (
                    #"{"area": "\#(grid)", "name": "张三", "identity_number": "441524199003071234"}"#, .badRequest,
                    "identity_number: the check character"
                ),
                (#"{"area": "\#(grid)", "name": "张三", "identity_number": "4415"}"#, .badRequest, "identity_number: an identity number has 17 digits"),
                (#"{"area": "\#(grid)", "name": "张三", "phone": "12345"}"#, .badRequest, "phone: a phone number is"),
                (#"{"area": "\#(grid)", "name": "张三", "phone": "1381234567a"}"#, .badRequest, "phone: a phone number has digits"),
                (#"{"area": "\#(grid)", "name": ""}"#, .badRequest, "name: name must be 1–64 characters"),
                (#"{"area": "\#(grid)", "name": "<script>alert(1)</script>\u0000"}"#, .badRequest, "name: name must be"),
                (#"{"area": "\#(Self.farGrid.code)", "name": "张三"}"#, .forbidden, "may not persons.write here (outside_area)"),
                (#"{"area": "nowhere", "name": "张三"}"#, .forbidden, "outside_area"),
                (#"{"name": "张三"}"#, .badRequest, "the field area is required"),
            ]
            for (json, status, detail) in cases {
                let response = try await server.request("/api/v1/persons", .post, key: worker, json: json)
                #expect(response.status == status, "\(json): \(response.text)")
                #expect(try response.problem().detail.contains(detail), "\(json): \(response.text)")
            }
            let count = try await server.store.backend.read {
                try await $0.raw("SELECT COUNT(*) AS n FROM persons").first()!.decode(column: "n", as: Int.self)
            }
            #expect(count == 0)
            #expect(try await server.request("/api/v1/persons/abc", key: worker).status == .badRequest)
            #expect(try await server.request("/api/v1/persons?area=nowhere", key: worker).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func auditorsSearchAndExportTheLogAndAreAuditedDoingIt(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Self.setUp(server)
            let worker = "wgy-\(Self.grid.code)-1"
            let found = try await server.request("/api/v1/audit?actor=\(worker)&action=persons.write", key: people.auditor).json()
            #expect(found["total"] as? Int == 1)
            let item = try #require((found["items"] as? [[String: Any]])?.first)
            #expect(item["target"] as? String == "persons/\(people.resident)")
            let later = try await server.request("/api/v1/audit?actor=\(worker)&from=2999-01-01T00:00:00Z", key: people.auditor).json()
            #expect(later["total"] as? Int == 0)
            let bad = try await server.request("/api/v1/audit?from=yesterday", key: people.auditor)
            #expect(bad.status == .badRequest)
            #expect(try await server.request("/api/v1/audit", key: people.center).status == .forbidden)
            let export = try await server.request("/api/v1/audit/export?actor=\(worker)", key: people.auditor)
            #expect(export.status == .ok)
            #expect(export.text.split(separator: "\r\n").dropFirst().allSatisfy { $0.contains(",sj-\(server.credentials.city),") })
            // The auditors' own searches are in the log.
            let own = try await server.request("/api/v1/audit?actor=sj-\(server.credentials.city)", key: people.auditor).json()
            let actions = (own["items"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
            #expect(actions.contains("audit.read") && actions.contains("data.export"))
            #expect(try await server.store.verifyAudit(city: server.credentials.city).firstBreak == nil)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aLostKeyFileBesideSealedDataStopsTheServerInsteadOfMakingANewKey(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            _ = try await Self.setUp(server)
            var configuration = ServerConfiguration()
            configuration.dataDirectory =
                FileManager.default.temporaryDirectory.appendingPathComponent("minqing-nokey-\(UInt32.random(in: 0...UInt32.max))").path
            defer { try? FileManager.default.removeItem(atPath: configuration.dataDirectory) }
            await #expect(throws: StoreError.self) {
                _ = try await configuration.personalDataCipher(logger: TestDatabase.logger, store: server.store)
            }
            #expect(!FileManager.default.fileExists(atPath: configuration.personalDataKeyFile))
        }
    }
}
