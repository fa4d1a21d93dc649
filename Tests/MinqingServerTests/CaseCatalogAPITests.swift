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

/// The case catalog through the API: classes with limits per stage and routes by area, changed by
/// administrators only, every bad change refused by field with nothing written; and the limits at
/// work in the loop (sign clock, verification limit, follow-up days).
struct CaseCatalogAPITests {
    typealias Loop = CasesAPITests

    static let newClass = #"""
        {"code": "E0599", "name": "共享单车堆放", "category": "event", "parent": "E05", "urgency": "routine", "department": "cgj",
         "opening_condition": "单车堆放阻碍通行", "closing_condition": "单车清运", "limit": {"value": 2, "unit": "working_days"},
         "sign_limit": {"value": 1, "unit": "working_hours"}, "verify_limit": {"value": 4, "unit": "working_hours"}, "follow_up_days": [3]}
        """#

    static func auditCount(_ server: ServerHarness.Context, _ action: String) async throws -> Int {
        try await server.store.backend.read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM audit_log WHERE action = \(bind: action)").first()!.decode(column: "n", as: Int.self)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func administratorsChangeClassesAndRoutesAndEveryBadChangeIsRefusedByField(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            let listed = try await server.request("/api/v1/case-classes", key: people.center)
            #expect(listed.status == .ok)
            let classes = try #require(try JSONSerialization.jsonObject(with: Data(listed.body.readableBytesView)) as? [[String: Any]])
            let manhole = try #require(classes.first { $0["code"] as? String == "C0101" })
            #expect((manhole["limit"] as? [String: Any])?["unit"] as? String == "working_hours")
            #expect((manhole["limit"] as? [String: Any])?["value"] as? Int == 4)
            #expect(manhole["name_en"] as? String == "Manhole cover broken or missing")
            let cover = try #require((manhole["attributes"] as? [[String: Any]])?.first)
            #expect(cover["question_en"] as? String == "What the cover is marked for")
            #expect((cover["choices"] as? [[String: Any]])?.first?["name_en"] as? String == "Rainwater")

            #expect(try await server.request("/api/v1/case-classes", .post, key: people.center, json: Self.newClass).status == .forbidden)
            for (body, detail) in [
                (
                    Self.newClass.replacingOccurrences(of: "\"E0599\"", with: "\"e0599\""),
                    "code: 1–16 capital letters and digits, starting with a letter (C0101), not e0599"
                ),
                (Self.newClass.replacingOccurrences(of: "\"parent\": \"E05\"", with: "\"parent\": \"E77\""), "parent: no class has the code E77"),
                (
                    Self.newClass.replacingOccurrences(of: "\"parent\": \"E05\"", with: "\"parent\": \"E0501\""),
                    "parent: E0501 is itself a subclass: classes have two levels"
                ),
                (
                    Self.newClass.replacingOccurrences(of: "\"category\": \"event\"", with: "\"category\": \"dispute\""),
                    "category: a subclass is of its major class's category, event"
                ),
                (
                    Self.newClass.replacingOccurrences(
                        of: "\"value\": 2, \"unit\": \"working_days\"",
                        with: "\"value\": 0, \"unit\": \"working_days\""
                    ), "limit: from 1 to 250 working_days, not 0"
                ),
                (
                    Self.newClass.replacingOccurrences(of: "\"department\": \"cgj\"", with: "\"department\": \"nope\""),
                    "department: no department has the code nope"
                ),
                (Self.newClass.replacingOccurrences(of: "[3]", with: "[30, 7]"), "follow_up_days: in increasing order, each once"),
                (
                    Self.newClass.replacingOccurrences(of: "\"name\": \"共享单车堆放\"", with: "\"name\": \"  \""),
                    "name: 1–40 characters without control characters"
                ),
                (
                    #"{"code": "X", "name": "大类", "category": "event", "urgency": "routine", "limit": {"value": 2, "unit": "working_days"}}"#,
                    "limit: a major class carries no limits: its subclasses do"
                ),
                (
                    Self.newClass.replacingOccurrences(of: "\"category\":", with: "\"name_en\": \" \", \"category\":"),
                    "name_en: 1–80 characters on one line, or absent for none"
                ),
                (
                    Self.newClass.replacingOccurrences(
                        of: "\"follow_up_days\"",
                        with:
                            #""attributes": [{"code": "kind", "kind": "singlevaluelist", "question": "类型", "question_en": "Kind", "choices": [{"key": "a", "name": "甲", "name_en": "\t"}]}], "follow_up_days""#
                    ),
                    "attributes[0].choices[0].name_en: 1–200 characters on one line, or absent for none"
                ),
            ] {
                let refused = try await server.request("/api/v1/case-classes", .post, json: body)
                #expect(refused.status == .badRequest, "\(detail): \(refused.text)")
                #expect(try refused.problem().detail == detail)
            }
            #expect(try await Self.auditCount(server, "case_classes.add") == 0)

            // English beside the Chinese: trimmed, kept, listed, and what Open311 shows an English reader.
            let english = Self.newClass.replacingOccurrences(of: "\"category\":", with: "\"name_en\": \" Piled-up shared bikes \", \"category\":")
            let created = try await server.request("/api/v1/case-classes", .post, json: english)
            #expect(created.status == .created, "\(created.text)")
            #expect((try created.json()["verify_limit"] as? [String: Any])?["value"] as? Int == 4)
            #expect(try created.json()["name_en"] as? String == "Piled-up shared bikes")
            let services = try await server.request("/open311/v2/services.json", headers: [.acceptLanguage: "en-GB,en;q=0.9,zh;q=0.5"])
            #expect(services.text.contains(#""service_code":"E0599","service_name":"Piled-up shared bikes""#), "\(services.text)")
            #expect(try await server.request("/api/v1/case-classes", .post, json: Self.newClass).status == .conflict)
            let renamed = Self.newClass.replacingOccurrences(of: "共享单车堆放", with: "共享单车乱停放")
            let replaced = try await server.request("/api/v1/case-classes/E0599", .put, json: renamed)
            #expect(try replaced.json()["name"] as? String == "共享单车乱停放")
            // A replacement is whole: sent without English, the class has none.
            #expect(try replaced.json()["name_en"] == nil)
            #expect(try await server.request("/api/v1/case-classes/E0598", .put, json: renamed).status == .badRequest)
            #expect(
                try await server.request("/api/v1/case-classes/E0598", .put, json: renamed.replacingOccurrences(of: "E0599", with: "E0598")).status
                    == .notFound
            )
            // A major class with subclasses cannot become a subclass: classes keep two levels.
            let demoted = try await server.request(
                "/api/v1/case-classes/E05",
                .put,
                json:
                    #"{"code": "E05", "name": "街面秩序", "category": "event", "parent": "E01", "urgency": "routine", "limit": {"value": 2, "unit": "working_days"}}"#
            )
            #expect(try demoted.problem().detail == "parent: E05 has subclasses (E0501): a major class cannot become a subclass")
            #expect(try await Self.auditCount(server, "case_classes.add") == 1)
            #expect(try await Self.auditCount(server, "case_classes.replace") == 1)

            // A route for the town: the same class goes to another department there.
            let route = #"{"class": "C0101", "area": "\#(Loop.town)", "department": "gaj"}"#
            #expect(try await server.request("/api/v1/case-routes", .put, key: people.center, json: route).status == .forbidden)
            for (body, detail) in [
                (#"{"class": "C01", "area": "\#(Loop.town)", "department": "gaj"}"#, "class: C01 is a major class; route its subclasses"),
                (#"{"class": "Q1", "area": "\#(Loop.town)", "department": "gaj"}"#, "class: no class has the code Q1"),
                (#"{"class": "C0101", "area": "000", "department": "gaj"}"#, "area: no area has the code 000"),
                (#"{"class": "C0101", "area": "\#(Loop.town)", "department": "nope"}"#, "department: no department has the code nope"),
            ] {
                let refused = try await server.request("/api/v1/case-routes", .put, json: body)
                #expect(refused.status == .badRequest, "\(detail): \(refused.text)")
                #expect(try refused.problem().detail == detail)
            }
            #expect(try await server.request("/api/v1/case-routes", .put, json: route).status == .ok)
            let routes = try await server.request("/api/v1/case-routes", key: people.center)
            #expect(routes.text.contains(#""department":"gaj""#))
            let id = try await Loop.report(server, people)
            try await Loop.act(server, id, people.center, #"{"action": "accept"}"#)
            let dispatched = try await Loop.act(server, id, people.center, #"{"action": "dispatch"}"#)
            #expect(dispatched["lead_department"] as? String == "gaj")

            let removal = "/api/v1/case-routes?class=C0101&area=\(Loop.town)"
            #expect(try await server.request(removal, .delete).status == .noContent)
            #expect(try await server.request(removal, .delete).status == .notFound)
            #expect(try await Self.auditCount(server, "case_routes.set") == 1)
            #expect(try await Self.auditCount(server, "case_routes.remove") == 1)
        }
    }

    /// 责任单位 through the API: listed to anyone signed in; added, renamed and moved by system
    /// administrators only, each change audited; every bad one refused by field with nothing
    /// written; a new department at once a class's default and a case's lead.
    @Test(arguments: TestDatabase.enabled)
    func administratorsAddAndRenameDepartmentsAndEveryBadOneIsRefusedByField(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            let listed = try await server.request("/api/v1/departments", key: people.center)
            #expect(listed.status == .ok)
            let departments = try #require(try JSONSerialization.jsonObject(with: Data(listed.body.readableBytesView)) as? [[String: Any]])
            #expect(departments.count == StandardCatalog.departments.count)
            let section = try #require(departments.first { $0["code"] as? String == "cgj-srhj" })
            #expect(section["parent"] as? String == "cgj" && section["name_en"] as? String == "City Appearance and Sanitation Section")

            let health = #"{"code": "wjw", "name": " 卫生健康委员会 ", "name_en": "Health Commission"}"#
            #expect(try await server.request("/api/v1/departments", .post, key: people.center, json: health).status == .forbidden)
            for (body, detail) in [
                (#"{"code": "WJW", "name": "卫健委"}"#, "code: 1–32 lowercase letters, digits or '-', starting with a letter (cgj, cgj-srhj), not WJW"),
                (#"{"code": "wjw", "name": ""}"#, "name: 1–40 characters without control characters"),
                (#"{"code": "wjw", "name": "卫健委", "name_en": "  "}"#, "name_en: 1–80 characters on one line, or absent for none"),
                (#"{"code": "wjw-a", "name": "科", "parent": "cgj-srhj"}"#, "parent: cgj-srhj is itself a section: sections have one level"),
                (#"{"code": "wjw-a", "name": "科", "parent": "nope"}"#, "parent: no department has the code nope"),
            ] {
                let refused = try await server.request("/api/v1/departments", .post, json: body)
                #expect(refused.status == .badRequest, "\(detail): \(refused.text)")
                #expect(try refused.problem().detail == detail)
            }
            #expect(try await server.request("/api/v1/departments", .post, json: #"{"code": "cgj", "name": "城管局"}"#).status == .conflict)
            #expect(try await Self.auditCount(server, "departments.add") == 0)

            let created = try await server.request("/api/v1/departments", .post, json: health)
            #expect(created.status == .created, "\(created.text)")
            #expect(try created.json()["name"] as? String == "卫生健康委员会")
            // A class may name it at once, and a case of that class is dispatched to it.
            let ownClass = Self.newClass.replacingOccurrences(of: #""department": "cgj""#, with: #""department": "wjw""#)
            #expect(try await server.request("/api/v1/case-classes", .post, json: ownClass).status == .created)
            let reported = try await server.request("/api/v1/cases", .post, key: people.worker, json: Loop.reportBody(classCode: "E0599"))
            let id = try #require((try reported.json()["id"] as? NSNumber)?.int64Value)
            try await Loop.act(server, id, people.center, #"{"action": "accept"}"#)
            #expect(try await Loop.act(server, id, people.center, #"{"action": "dispatch"}"#)["lead_department"] as? String == "wjw")

            // What names a department keeps it one: a class's default, a route, an open case's lead.
            let classDefault = try await server.request("/api/v1/departments/jyj", .put, json: #"{"code": "jyj", "name": "教育局", "parent": "gaj"}"#)
            #expect(try classDefault.problem().detail == "parent: class H09 names jyj as its department: a section cannot be")
            #expect(try await server.request("/api/v1/case-classes/E0599", .put, json: Self.newClass).status == .ok)
            let leading = try await server.request("/api/v1/departments/wjw", .put, json: #"{"code": "wjw", "name": "卫健委", "parent": "gaj"}"#)
            #expect(try leading.problem().detail == "parent: open case \(id) is led by wjw: a section cannot lead")
            // And a class or a route names a department, never a section.
            let sectionDefault = try await server.request(
                "/api/v1/case-classes/E0599",
                .put,
                json: Self.newClass.replacingOccurrences(of: #""department": "cgj""#, with: #""department": "cgj-srhj""#)
            )
            #expect(try sectionDefault.problem().detail == "department: cgj-srhj is a section of cgj: a class names a department")
            let sectionRoute = try await server.request(
                "/api/v1/case-routes",
                .put,
                json: #"{"class": "C0101", "area": "\#(Loop.town)", "department": "cgj-srhj"}"#
            )
            #expect(try sectionRoute.problem().detail == "department: cgj-srhj is a section of cgj: a route goes to a department")

            // Renamed; a department with sections cannot become a section; an unknown code is not found.
            let renamed = try await server.request("/api/v1/departments/wjw", .put, json: #"{"code": "wjw", "name": "卫健委"}"#)
            let renamedBody = try renamed.json()
            #expect(renamed.status == .ok && renamedBody["name_en"] == nil)
            let demoted = try await server.request("/api/v1/departments/cgj", .put, json: #"{"code": "cgj", "name": "城管局", "parent": "wjw"}"#)
            #expect(try demoted.problem().detail == "parent: cgj has sections (cgj-srhj): a department with sections cannot become one")
            #expect(try await server.request("/api/v1/departments/zzz", .put, json: #"{"code": "zzz", "name": "无"}"#).status == .notFound)
            #expect(try await server.request("/api/v1/departments/wjw", .put, json: #"{"code": "cgj", "name": "无"}"#).status == .badRequest)
            #expect(try await Self.auditCount(server, "departments.add") == 1)
            #expect(try await Self.auditCount(server, "departments.replace") == 1)
            let after = try await server.request("/api/v1/departments", key: people.center)
            let listedAfter = try #require(try JSONSerialization.jsonObject(with: Data(after.body.readableBytesView)) as? [[String: Any]])
            let wjw = try #require(listedAfter.first { $0["code"] as? String == "wjw" })
            #expect(wjw["name"] as? String == "卫健委" && wjw["name_en"] == nil && wjw["parent"] == nil)
        }
    }

    /// 停用: a retired class takes no new report through any channel, and disappears from what is
    /// offered, while its cases run on and stay readable; brought back, it takes reports again. A
    /// retry of a report made before (an offline device's, with its `Idempotency-Key`) gets its case.
    @Test(arguments: TestDatabase.enabled)
    func aRetiredClassTakesNoNewReportsWhileItsCasesRunOn(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            #expect(try await server.request("/api/v1/case-classes", .post, json: Self.newClass).status == .created)
            #expect(try await server.client.execute(uri: "/open311/v2/services.json", method: .get).text.contains("E0599"))
            #expect(try await server.client.execute(uri: "/citizen", method: .get).text.contains("E0599"))
            let report = Loop.reportBody(classCode: "E0599")
            let retry: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "offline-7"]
            let before = try await server.request("/api/v1/cases", .post, key: people.worker, json: report, headers: retry)
            let id = try #require((try before.json()["id"] as? NSNumber)?.int64Value)

            let retiredBody = Self.newClass.replacingOccurrences(of: #""category": "event""#, with: #""category": "event", "retired": true"#)
            let retired = try await server.request("/api/v1/case-classes/E0599", .put, json: retiredBody)
            let retiredClass = try retired.json()
            #expect(retired.status == .ok && retiredClass["retired"] as? Bool == true, "\(retired.text)")
            let count = try await server.caseCount()
            let refused = try await server.request("/api/v1/cases", .post, key: people.worker, json: report)
            #expect(refused.status == .unprocessableContent)
            #expect(try refused.problem().detail == "class: E0599 is retired: it takes no new reports (GET the classes for the list)")
            let newKey: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "offline-8"]
            let refusedWithKey = try await server.request("/api/v1/cases", .post, key: people.worker, json: report, headers: newKey)
            #expect(refusedWithKey.status == .unprocessableContent)
            #expect(try refusedWithKey.problem().detail == "class: E0599 is retired: it takes no new reports (GET the classes for the list)")
            let replayed = try await server.request("/api/v1/cases", .post, key: people.worker, json: report, headers: retry)
            #expect(replayed.status == .created && replayed.headers[HTTPField.Name("Idempotency-Replayed")!] == "true", "\(replayed.text)")
            #expect((try replayed.json()["id"] as? NSNumber)?.int64Value == id)
            let otherReport = Loop.reportBody("另一处", classCode: "E0599")
            #expect(try await server.request("/api/v1/cases", .post, key: people.worker, json: otherReport, headers: retry).status == .conflict)
            let key = try #require(server.credentials.apiKeys["open311_api_key"])
            let open311 = try await Open311Tests.post(
                server,
                Open311Tests.form(
                    key: key,
                    ["service_code": "E0599", "lat": String(Loop.point.latitude), "long": String(Loop.point.longitude), "description": "单车堆放"]
                )
            )
            #expect(open311.status == .notFound, "\(open311.text)")
            #expect(try await server.caseCount() == count)
            // Gone from what is offered: Open311's services and the citizens' form.
            #expect(!(try await server.client.execute(uri: "/open311/v2/services.json", method: .get)).text.contains("E0599"))
            #expect(try await server.client.execute(uri: "/open311/v2/services/E0599.json", method: .get).status == .notFound)
            #expect(!(try await server.client.execute(uri: "/citizen", method: .get)).text.contains("E0599"))
            // Its case runs on, and Open311 still shows it.
            try await Loop.act(server, id, people.center, #"{"action": "accept"}"#)
            #expect(try await Loop.act(server, id, people.center, #"{"action": "dispatch"}"#)["state"] as? String == "dispatched")
            #expect(try await server.client.execute(uri: "/open311/v2/requests/\(id).json", method: .get).status == .ok)
            // A major class is never reported, so never retired.
            let major = #"{"code": "E05", "name": "街面秩序", "category": "event", "urgency": "routine", "retired": true}"#
            #expect(
                try await server.request("/api/v1/case-classes/E05", .put, json: major).problem().detail
                    == "retired: a major class is never reported: retire its subclasses"
            )
            // Brought back.
            #expect(try await server.request("/api/v1/case-classes/E0599", .put, json: Self.newClass).status == .ok)
            #expect(try await server.request("/api/v1/cases", .post, key: people.worker, json: report).status == .created)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aClassesStageLimitsRunTheLoop(_ database: TestDatabase) async throws {
        let clock = TestClock()
        let quickSweeps: @Sendable (inout ServerConfiguration) -> Void = { $0.schedulerIntervalMilliseconds = 20 }
        try await ServerHarness.withServer(database, configure: quickSweeps, now: clock.now) { server in
            let people = try await Loop.people(server)
            #expect(try await server.request("/api/v1/case-classes", .post, json: Self.newClass).status == .created)
            func dispatched(_ classCode: String) async throws -> Int64 {
                let created = try await server.request("/api/v1/cases", .post, key: people.worker, json: Loop.reportBody(classCode: classCode))
                let id = try #require((try created.json()["id"] as? NSNumber)?.int64Value)
                try await Loop.act(server, id, people.center, #"{"action": "accept"}"#)
                try await Loop.act(server, id, people.center, #"{"action": "dispatch", "lead_department": "cgj"}"#)
                return id
            }
            let ours = try await dispatched("E0599")
            let standard = try await dispatched("E0501")
            let timers = try await server.store.caseTimers(caseID: ours).map(\.timer.timer.kind)
            #expect(timers.contains(.signOverdue))
            #expect(try await server.store.caseTimers(caseID: standard).map(\.timer.timer.kind).contains(.signOverdue) == false)

            // Not signed two days later: the department and the command center are told.
            clock.advance(by: 2 * 86_400)
            var toDepartment: [[String: Any]] = []
            for _ in 0..<500 {
                toDepartment = try await MeasuresAndNoticesAPITests.notices(server, key: people.department)
                if toDepartment.contains(where: { $0["kind"] as? String == "sign_overdue" }) { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(toDepartment.filter { $0["kind"] as? String == "sign_overdue" }.map { ($0["case"] as? NSNumber)?.int64Value } == [ours])

            // Handled at the same moment: 4 working hours to verify ours, a working day the standard one.
            var due: [Int64: Date] = [:]
            for id in [ours, standard] {
                try await Loop.act(server, id, people.department, #"{"action": "sign"}"#)
                let handled = try await Loop.act(server, id, people.department, #"{"action": "handle", "result": "已清运", "evidence": ["sha256:1"]}"#)
                due[id] = try #require((handled["due_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            }
            #expect(due[ours]! < due[standard]!)
            // Closed: followed up after 3 days, as the class says, where an event's default is none.
            for id in [ours, standard] {
                try await Loop.act(server, id, people.center, #"{"action": "verify", "evidence": ["sha256:2"]}"#)
                try await Loop.act(server, id, people.center, #"{"action": "close"}"#)
            }
            let followUps = try await server.store.caseTimers(caseID: ours).filter { $0.timer.timer.kind == .followUp }
            #expect(followUps.map(\.timer.timer.reference) == [3])
            #expect(try await server.store.caseTimers(caseID: standard).contains { $0.timer.timer.kind == .followUp } == false)
        }
    }
}

/// 附加信息: a class's questions, set by administrators, answered in `POST /api/v1/cases`, kept with the
/// case and in its first event; every bad question or answer refused by name, nothing written.
struct CaseAttributesAPITests {
    typealias Loop = CasesAPITests

    static func report(_ classCode: String, _ attributes: String) -> String {
        Loop.reportBody("摊贩占道", classCode: classCode).replacingOccurrences(of: #""source":"#, with: #""attributes": \#(attributes), "source":"#)
    }

    @Test(arguments: TestDatabase.enabled)
    func answersAreCheckedAgainstTheClassesQuestionsAndKeptInTheLog(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            // The standard catalog asks of 占道经营: how many stalls (a number), what they block (any of a list).
            let created = try await server.request(
                "/api/v1/cases",
                .post,
                key: people.worker,
                json: Self.report("E0501", #"{"stalls": 4, "blocks": ["sidewalk", "fire_lane"]}"#)
            )
            #expect(created.status == .created, "\(created.text)")
            let answers = try #require(try created.json()["attributes"] as? [String: Any])
            #expect(answers["stalls"] as? Int == 4 && answers["blocks"] as? [String] == ["sidewalk", "fire_lane"])
            let id = try #require((try created.json()["id"] as? NSNumber)?.int64Value)
            let log = try await Loop.history(server, id, key: people.worker)
            #expect(((log[0]["fields"] as? [String: Any])?["attributes"] as? [String: Any])?["stalls"] as? Int == 4)
            // A number sent as text is the same number.
            let asText = try await server.request("/api/v1/cases", .post, key: people.worker, json: Self.report("E0501", #"{"stalls": "2"}"#))
            #expect((try asText.json()["attributes"] as? [String: Any])?["stalls"] as? Int == 2)

            let before = try await server.caseCount()
            let refusals: [(String, String, String)] = [
                ("E0501", #"{"stalls": "many"}"#, "attributes.stalls: many is not a number"),
                ("E0501", #"{"blocks": ["sidewalk", "roof"]}"#, "attributes.blocks: roof is not one of"),
                ("E0501", #"{"blocks": ["road", "road"]}"#, "attributes.blocks: a choice is given twice"),
                ("E0501", #"{"colour": "red"}"#, "attributes.colour: this class asks no such question"),
                ("C0101", #"{"cover_use": ["rain", "gas"]}"#, "attributes.cover_use: give one answer"),
                ("C0102", #"{"cover_use": "rain"}"#, "attributes.cover_use: this class asks no such question"),
            ]
            for (classCode, attributes, message) in refusals {
                let refused = try await server.request("/api/v1/cases", .post, key: people.worker, json: Self.report(classCode, attributes))
                #expect(refused.status == .badRequest, "\(attributes): \(refused.text)")
                #expect(try refused.problem().detail.hasPrefix(message), "\(attributes): \(refused.text)")
            }
            #expect(try await server.caseCount() == before)

            // An administrator adds a class with a required question: a report without its answer is refused.
            let newClass = CaseCatalogAPITests.newClass.replacingOccurrences(
                of: #""follow_up_days": [3]}"#,
                with: #""follow_up_days": [3], "attributes": [{"code": "bikes", "kind": "number", "required": true, "question": "单车数量"}]}"#
            )
            let added = try await server.request("/api/v1/case-classes", .post, json: newClass)
            #expect(added.status == .created, "\(added.text)")
            #expect((try added.json()["attributes"] as? [[String: Any]])?.first?["required"] as? Bool == true)
            let missing = try await server.request("/api/v1/cases", .post, key: people.worker, json: Self.report("E0599", "{}"))
            #expect(missing.status == .badRequest)
            #expect(try missing.problem().detail == "attributes.bikes: required: 单车数量")
            let blank = try await server.request("/api/v1/cases", .post, key: people.worker, json: Self.report("E0599", #"{"bikes": "  "}"#))
            #expect(blank.status == .badRequest)
            #expect(
                try await server.request("/api/v1/cases", .post, key: people.worker, json: Self.report("E0599", #"{"bikes": 30}"#)).status == .created
            )
            // Open311 publishes it as required.
            let definition = try await server.client.execute(uri: "/open311/v2/services/E0599.json", method: .get)
            #expect((try definition.json()["attributes"] as? [[String: Any]])?.first?["required"] as? Bool == true)

            // Bad questions are refused by name, and nothing changes.
            let badQuestions: [(String, String)] = [
                (#"[{"code": "Bikes", "kind": "number", "question": "数量"}]"#, "attributes[0].code:"),
                (#"[{"code": "kind", "kind": "singlevaluelist", "question": "类型"}]"#, "attributes[0].choices: a list needs its choices"),
                (
                    #"[{"code": "n", "kind": "number", "question": "数量", "choices": [{"key": "a", "name": "A"}]}]"#,
                    "attributes[0].choices: only lists"
                ),
                (#"[{"code": "n", "kind": "number", "question": "数量"}, {"code": "n", "kind": "text", "question": "说明"}]"#, "attributes[1].code:"),
                (
                    #"[{"code": "k", "kind": "singlevaluelist", "question": "类型", "choices": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]}]"#,
                    "attributes[0].choices:"
                ),
            ]
            for (questions, message) in badQuestions {
                let body = CaseCatalogAPITests.newClass.replacingOccurrences(of: "E0599", with: "E0598").replacingOccurrences(
                    of: #""follow_up_days": [3]}"#,
                    with: #""follow_up_days": [3], "attributes": \#(questions)}"#
                )
                let refused = try await server.request("/api/v1/case-classes", .post, json: body)
                #expect(refused.status == .badRequest, "\(questions): \(refused.text)")
                #expect(try refused.problem().detail.hasPrefix(message), "\(questions): \(refused.text)")
            }
            let classes = try await server.request("/api/v1/case-classes").text
            #expect(!classes.contains("E0598"))
        }
    }
}
