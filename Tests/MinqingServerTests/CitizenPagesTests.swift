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

/// 群众随手拍 over real HTTP: a resident without an account reports, follows the case with its number
/// and follow code, and rates it after closure; forms from elsewhere and bad input change nothing.
struct CitizenPagesTests {
    typealias Loop = CasesAPITests

    /// A browser's visit: the form cookie the page set, and the token its forms carry.
    struct Visit {
        var cookie: String
        var token: String
    }

    static func visit(_ server: ServerHarness.Context, _ path: String = "/citizen") async throws -> Visit {
        let page = try await server.client.execute(uri: path, method: .get)
        #expect(page.status == .ok)
        let setCookie = try #require(page.headers[.setCookie])
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("Secure") && setCookie.contains("SameSite=Strict"))
        let cookie = try #require(setCookie.split(separator: ";").first.map(String.init))
        let token = try #require(Self.value(of: "token", in: page.text))
        #expect(cookie == "__Host-minqing_form=\(token)" && setCookie.contains("Path=/;"))
        return Visit(cookie: cookie, token: token)
    }

    /// The `value` of a hidden input.
    static func value(of name: String, in html: String) -> String? {
        guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The text of the element with an id.
    static func element(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\"") else { return nil }
        let rest = html[start.upperBound...].drop { $0 != ">" }.dropFirst()
        return String(rest.prefix { $0 != "<" })
    }

    static func post(
        _ server: ServerHarness.Context,
        _ path: String,
        _ visit: Visit?,
        _ fields: [String: String],
        token: String? = nil,
        more: String = ""
    ) async throws -> TestResponse {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        var sent = fields
        if let visit { sent["token"] = token ?? visit.token }
        let body = sent.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&") + more
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let visit { headers[.cookie] = visit.cookie }
        return try await server.client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    static func reportFields(_ description: String = "井盖松动，晚上有人绊倒", classCode: String = "C0101") -> [String: String] {
        [
            "class": classCode, "description": description, "lat": String(Loop.point.latitude), "lng": String(Loop.point.longitude),
            "idempotency_key": "form-\(UInt64.random(in: 0..<UInt64.max))",
        ]
    }

    /// Reports through the page; returns the case number and its follow code.
    static func report(_ server: ServerHarness.Context, _ visit: Visit, _ fields: [String: String]) async throws -> (Int64, String) {
        let sent = try await post(server, "/citizen/report", visit, fields)
        #expect(sent.status == .ok, "\(sent.text)")
        #expect(sent.headers[.cacheControl] == "no-store")
        let number = try #require(element("case-number", in: sent.text).flatMap { Int64($0) }, "\(sent.text)")
        let code = try #require(element("follow-code", in: sent.text))
        return (number, code)
    }

    @Test(arguments: TestDatabase.enabled)
    func aResidentReportsWithoutAnAccountFollowsTheCaseAndRatesItAfterClosure(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let people = try await Loop.people(server)
            let visit = try await Self.visit(server)
            let form = try await server.client.execute(uri: "/citizen", method: .get)
            // Every reportable class is offered, disputes too: only the reporter follows those.
            #expect(form.text.contains("value=\"C0101\"") && form.text.contains("value=\"D01\""))

            var fields = Self.reportFields("井盖缺失<script>alert(1)</script>")
            fields["name"] = "张三"
            fields["phone"] = "13812345678"
            let (number, code) = try await Self.report(server, visit, fields)
            #expect(FollowCode.normalized(code) != nil)
            // The chosen class's questions are answered; another class's fields are not its answers.
            let stalls = try await Self.post(
                server,
                "/citizen/report",
                visit,
                Self.reportFields("占道经营", classCode: "E0501").merging(["attr.E0501.stalls": "2", "attr.C0101.cover_use": "gas"]) { $1 },
                more: "&attr.E0501.blocks=road&attr.E0501.blocks=blind_path"
            )
            #expect(stalls.status == .ok, "\(stalls.text)")
            let stallsNumber = try #require(Self.element("case-number", in: stalls.text))
            let answered = try await server.request("/api/v1/cases/\(stallsNumber)", key: people.center).json()["attributes"] as? [String: Any]
            #expect(answered?["stalls"] as? Int == 2 && answered?["blocks"] as? [String] == ["road", "blind_path"] && answered?["cover_use"] == nil)

            // In the loop as a citizen's report by no account; the code is kept only as a digest.
            let record = try await server.request("/api/v1/cases/\(number)", key: people.center).json()
            #expect(record["source"] as? String == "citizen" && record["reporter"] as? String == "public")
            #expect(record["contact"] as? [String: String] == ["name": "张*", "phone": "138****5678"])
            let stored = try await server.store.backend.read { db in
                try await db.raw("SELECT follow_digest, reporter_account_id FROM cases WHERE id = \(bind: number)").first()!
            }
            let digest = try #require(try stored.decode(column: "follow_digest", as: String?.self))
            #expect(digest == hexSHA256(Array(FollowCode.normalized(code)!.utf8)))
            #expect(try stored.decode(column: "reporter_account_id", as: Int64?.self) == nil)

            // The same form sent again (a double tap) is the same case, with the same code.
            let count = try await server.caseCount()
            #expect(try await Self.report(server, visit, fields) == (number, code))
            #expect(try await server.caseCount() == count)

            // Followed with the code as typed loosely: the description escaped, the contact masked.
            let followed = try await Self.post(
                server,
                "/citizen/follow",
                visit,
                ["number": String(number), "code": code.lowercased().replacingOccurrences(of: "-", with: " ")]
            )
            #expect(followed.status == .ok, "\(followed.text)")
            #expect(followed.headers[.cacheControl] == "no-store")
            #expect(Self.element("state", in: followed.text) == GeoReport.statusNote(of: .reported))
            #expect(followed.text.contains("井盖缺失&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!followed.text.contains("<script>alert"))
            #expect(Self.element("contact-shown", in: followed.text) == "张* 138****5678")
            #expect(!followed.text.contains("13812345678"))

            // A wrong code and an unknown number are answered alike.
            var wrong = Array(FollowCode.normalized(code)!)
            wrong[0] = wrong[0] == "0" ? "1" : "0"
            let wrongCode = try await Self.post(server, "/citizen/follow", visit, ["number": String(number), "code": String(wrong)])
            let unknown = try await Self.post(server, "/citizen/follow", visit, ["number": "99999999", "code": code])
            #expect(wrongCode.status == .notFound && unknown.status == .notFound)
            #expect(wrongCode.text.contains("id=\"failure\""))
            #expect(wrongCode.text.contains("没有找到这个案件") && unknown.text.contains("没有找到这个案件"))
            #expect(!wrongCode.text.contains("井盖缺失"))

            // Rating before closure is refused, and changes nothing.
            let early = try await Self.post(
                server,
                "/citizen/rate",
                visit,
                ["number": String(number), "code": code, "solved": "yes", "satisfied": "yes"]
            )
            #expect(early.status == .conflict, "\(early.text)")
            #expect(early.text.contains("案件当前的状态不能进行这项操作"))
            #expect(!early.text.contains("id=\"rate-form\""))

            // The staff run the loop to closure.
            try await Loop.runToClosure(server, number, people)
            let closed = try await Self.post(server, "/citizen/follow", visit, ["number": String(number), "code": code])
            #expect(Self.element("state", in: closed.text) == GeoReport.statusNote(of: .closed))
            #expect(closed.text.contains("id=\"rate-form\""))
            #expect(Self.element("department", in: closed.text) == StandardCatalog.departments.first { $0.code == "cgj" }?.name)
            let closedInEnglish = try await Self.post(server, "/citizen/follow", visit, ["number": String(number), "code": code, "lang": "en"])
            #expect(Self.element("department", in: closedInEnglish.text) == "Urban Management and Law Enforcement Bureau")
            #expect(Self.element("state", in: closedInEnglish.text) == "Closed")
            #expect(closedInEnglish.text.contains("Manhole cover broken or missing"))

            // "Solved" and "satisfied" are both asked: one missing names itself, and changes nothing.
            let half = try await Self.post(server, "/citizen/rate", visit, ["number": String(number), "code": code, "solved": "yes"])
            #expect(half.status == .badRequest)
            #expect(half.text.contains("请检查：您对办理满意吗"))
            #expect(try await server.request("/api/v1/cases/\(number)", key: people.center).json()["state"] as? String == "closed")

            // Solved but not satisfied: kept apart, and the loop ends.
            let rated = try await Self.post(
                server,
                "/citizen/rate",
                visit,
                ["number": String(number), "code": code, "solved": "yes", "satisfied": "no"]
            )
            #expect(rated.status == .ok, "\(rated.text)")
            #expect(rated.text.contains("id=\"thanks\"") && !rated.text.contains("id=\"rate-form\""))
            #expect(try await server.request("/api/v1/cases/\(number)", key: people.center).json()["state"] as? String == "rated")
            let log = try await Loop.history(server, number, key: people.center)
            let rating = try #require(log.last)
            #expect(rating["action"] as? String == "rate" && rating["actor"] as? String == "public")
            #expect((rating["fields"] as? [String: Any])?["solved"] as? Bool == true)
            #expect((rating["fields"] as? [String: Any])?["satisfied"] as? Bool == false)
            // Once only.
            let again = try await Self.post(
                server,
                "/citizen/rate",
                visit,
                ["number": String(number), "code": code, "solved": "yes", "satisfied": "yes"]
            )
            #expect(again.status == .conflict)
            #expect(try await Loop.history(server, number, key: people.center).count == log.count)

            // Anyone may see a problem of public space by its number, as Open311 shows it: what was
            // reported, never who reported it, their contact or their rating.
            let open = try await server.client.execute(uri: "/citizen/cases/\(number)", method: .get)
            #expect(open.status == .ok)
            #expect(Self.element("state", in: open.text) == GeoReport.statusNote(of: .rated))
            #expect(open.text.contains("井盖缺失&lt;script&gt;"))
            #expect(!open.text.contains("138****5678") && !open.text.contains("张*") && !open.text.contains("rate-form"))
            #expect(!open.text.contains("评价：") && rated.text.contains("评价：已解决，不满意"))
            // A dispute is the reporter's alone: not shown by number, nor to another resident's code.
            let (dispute, disputeCode) = try await Self.report(server, visit, Self.reportFields("邻居装修噪音", classCode: "D01"))
            #expect(try await server.client.execute(uri: "/citizen/cases/\(dispute)", method: .get).status == .notFound)
            let crossed = try await Self.post(server, "/citizen/follow", visit, ["number": String(dispute), "code": code])
            #expect(crossed.status == .notFound)
            let own = try await Self.post(server, "/citizen/follow", visit, ["number": String(dispute), "code": disputeCode])
            #expect(own.status == .ok && own.text.contains("邻居装修噪音"))
            // Nor rated with another case's code.
            let ratedElsewhere = try await Self.post(
                server,
                "/citizen/rate",
                visit,
                ["number": String(dispute), "code": code, "solved": "no", "satisfied": "no"]
            )
            #expect(ratedElsewhere.status == .notFound && !ratedElsewhere.text.contains("邻居装修噪音"))
            // A textarea's line breaks (CRLF, as browsers send them) are kept as line breaks.
            let (multiline, multilineCode) = try await Self.report(server, visit, Self.reportFields("井盖松动\r\n旁边还有一个", classCode: "C0101"))
            let shown = try await Self.post(server, "/citizen/follow", visit, ["number": String(multiline), "code": multilineCode])
            #expect(shown.text.contains("井盖松动\n旁边还有一个"))
            // A signed-in citizen's account does not own a case reported without one.
            let account = try await server.request(
                "/api/v1/accounts",
                .post,
                json: #"{"username": "wangwu", "display_name": "王五", "roles": ["citizen"]}"#
            )
            #expect(account.status == .created)
            let citizen = try await server.key(for: "wangwu")
            #expect(try await server.request("/api/v1/cases/\(dispute)", key: citizen).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func formsFromElsewhereAndBadReportsChangeNothing(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let visit = try await Self.visit(server)
            let before = try await server.caseCount()
            // Another site's form has neither the cookie nor its token; a stolen token needs the cookie too.
            let noCookie = try await Self.post(server, "/citizen/report", nil, Self.reportFields().merging(["token": visit.token]) { $1 })
            #expect(noCookie.status == .forbidden && noCookie.text.contains("表单已过期"))
            let mismatch = try await Self.post(server, "/citizen/report", visit, Self.reportFields(), token: String(visit.token.reversed()))
            #expect(mismatch.status == .forbidden)
            let followForged = try await Self.post(server, "/citizen/follow", visit, ["number": "1", "code": "0000-0000-0000"], token: "x")
            #expect(followForged.status == .forbidden)

            // Each bad field is named in words, what was typed is kept (escaped), nothing is written.
            var outside = Self.reportFields()
            (outside["lat"], outside["lng"]) = ("39.9", "116.4")
            let cases: [([String: String], HTTPResponse.Status, String)] = [
                (Self.reportFields().filter { $0.key != "class" }, .badRequest, "请检查：问题类型"),
                (Self.reportFields().filter { $0.key != "lat" }, .badRequest, "请检查：位置"),
                (Self.reportFields().merging(["lat": "north"]) { $1 }, .badRequest, "请检查：位置"),
                (outside, .unprocessableContent, "请检查：位置"),
                (Self.reportFields().merging(["class": "X9999"]) { $1 }, .unprocessableContent, "请检查：问题类型"),
                (Self.reportFields("  "), .badRequest, "请检查：问题描述"),
                (Self.reportFields().merging(["phone": "12ab"]) { $1 }, .badRequest, "请检查：电话"),
                (
                    Self.reportFields().merging(["description": "<img src=x onerror=alert(1)>"]) { $1 }.filter { $0.key != "lng" }, .badRequest,
                    "请检查：位置"
                ),
            ]
            for (fields, status, message) in cases {
                let sent = try await Self.post(server, "/citizen/report", visit, fields)
                #expect(sent.status == status, "\(fields): \(sent.text)")
                #expect(sent.text.contains("id=\"failure\""))
                #expect(sent.text.contains(message), "\(fields): \(sent.text)")
                #expect(sent.text.contains("id=\"report-form\""))
                #expect(!sent.text.contains("<img src=x"))
            }
            let kept = try await Self.post(server, "/citizen/report", visit, Self.reportFields("井盖松动<b>").filter { $0.key != "class" })
            #expect(kept.text.contains(">井盖松动&lt;b&gt;</textarea>"))
            // A bad answer to the class's questions is named, and the answers given are kept.
            let badAnswer = try await Self.post(
                server,
                "/citizen/report",
                visit,
                Self.reportFields("占道", classCode: "E0501").merging(["attr.E0501.stalls": "很多"]) { $1 },
                more: "&attr.E0501.blocks=road"
            )
            #expect(badAnswer.status == .badRequest && badAnswer.text.contains("请检查：补充信息"), "\(badAnswer.text)")
            #expect(badAnswer.text.contains(#"name="attr.E0501.stalls" id="attr.E0501.stalls" inputmode="decimal" placeholder="" value="很多""#))
            #expect(badAnswer.text.contains(#"name="attr.E0501.blocks" value="road" checked"#))
            // A bad photo, named.
            let boundary = "mq-citizen"
            var body: [UInt8] = []
            for (name, value) in Self.reportFields().merging(["token": visit.token], uniquingKeysWith: { $1 }) {
                body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
            }
            body += Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.gif\"\r\nContent-Type: image/gif\r\n\r\nGIF89a\r\n"
                    .utf8
            )
            body += Array("--\(boundary)--\r\n".utf8)
            let gif = try await server.client.execute(
                uri: "/citizen/report",
                method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)", .cookie: visit.cookie],
                body: ByteBuffer(bytes: body)
            )
            #expect(gif.status == .badRequest && gif.text.contains("请检查：现场照片"), "\(gif.text)")
            let json = try await server.client.execute(
                uri: "/citizen/report",
                method: .post,
                headers: [.contentType: "application/json", .cookie: visit.cookie],
                body: ByteBuffer(string: "{}")
            )
            #expect(json.status == .unsupportedMediaType)
            #expect(try await server.caseCount() == before)

            // English on request, through the forms too.
            let english = try await server.client.execute(uri: "/citizen?lang=en", method: .get)
            #expect(english.text.contains("<html lang=\"en\">") && english.text.contains("Report a problem"))
            // The classes, their groups, questions and choices in English too.
            for words in [
                ">Manhole cover broken or missing</option>", "label=\"Component · Public utilities\"", "What the cover is marked for",
                "> Pavement</label>", ">Rainwater</option>",
            ] {
                #expect(english.text.contains(words), "\(words)")
            }
            #expect(!english.text.contains("井盖破损或缺失"))
            let englishError = try await Self.post(
                server,
                "/citizen/report",
                visit,
                Self.reportFields().merging(["lang": "en", "phone": "12ab"]) { $1 }
            )
            #expect(englishError.text.contains("Please check: Phone") && englishError.text.contains("value=\"en\""))
        }
    }

    /// The map: the library served from its installed folder, only its own files; the towns' and
    /// villages' outlines without their responsible parties; a page without the library draws none.
    @Test(arguments: TestDatabase.enabled)
    func theReportFormDrawsTheCityOnAMapWhenTheLibraryIsInstalled(_ database: TestDatabase) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("leaflet-\(UInt64.random(in: 0..<UInt64.max))").path
        try FileManager.default.createDirectory(atPath: folder + "/images", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (name, text) in [
            ("leaflet.js", "window.L = {};"), ("leaflet.css", ".leaflet-container {}"), ("images/layers.png", "png"), ("secret.txt", "no"),
        ] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        let installed: @Sendable (inout ServerConfiguration) -> Void = { $0.mapLibraryDirectory = folder }
        try await ServerHarness.withServer(database, configure: installed) { server in
            let page = try await server.client.execute(uri: "/citizen", method: .get)
            for part in [
                #"<link rel="stylesheet" href="/static/leaflet/leaflet.css">"#, #"<script src="/static/leaflet/leaflet.js" defer></script>"#,
                #"id="map""#, "在地图上点选问题所在的位置",
            ] {
                #expect(page.text.contains(part), "\(part)")
            }
            let script = try await server.client.execute(uri: "/static/leaflet/leaflet.js", method: .get)
            #expect(script.status == .ok && script.text == "window.L = {};")
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(
                try await server.client.execute(uri: "/static/leaflet/leaflet.css", method: .get).headers[.contentType] == "text/css; charset=utf-8"
            )
            #expect(try await server.client.execute(uri: "/static/leaflet/images/layers.png", method: .get).status == .ok)
            // Nothing else of the folder, nor outside it.
            for path in ["secret.txt", "images%2F..%2Fsecret.txt", "..%2Fleaflet%2Fsecret.txt", "leaflet.esm.js", "images/secret.txt"] {
                let refused = try await server.client.execute(uri: "/static/leaflet/\(path)", method: .get)
                #expect(refused.status == .notFound, "\(path)")
                #expect(refused.text != "no")
            }
            // The pages after a report, and the follow form, need no map.
            #expect(!(try await server.client.execute(uri: "/citizen/follow", method: .get)).text.contains("leaflet"))

            let outlines = try await server.client.execute(uri: "/map/outlines.geojson", method: .get)
            #expect(outlines.status == .ok && outlines.headers[.contentType] == "application/geo+json")
            let features = try #require((try outlines.json()["features"] as? [[String: Any]]))
            let areas = DemoCityBuilder(plan: ServerHarness.plan).build()
            let properties = features.compactMap { $0["properties"] as? [String: Any] }
            #expect(properties.count == areas.filter { [.town, .village].contains($0.level) }.count)
            #expect(Set(properties.compactMap { $0["level"] as? String }) == ["town", "village"])
            #expect(properties.allSatisfy { $0["responsible"] == nil && $0["name"] is String })
            #expect(areas.contains { $0.level == .village && $0.responsibleParty != nil })
            // Coordinates to a tenth of a metre (six decimals): a city's outlines stay a phone's download.
            let coordinates = try #require(((features.first?["geometry"] as? [String: Any])?["coordinates"] as? [[[Double]]])?.first)
            #expect(coordinates.allSatisfy { $0.allSatisfy { abs($0 * 1e6 - ($0 * 1e6).rounded()) < 1e-3 } })
            // A village renamed by an import shows at once.
            let town = try #require(areas.first { $0.level == .town })
            var villages = areas.filter { $0.parentCode == town.code }
            villages[0].name = "新改名村"
            let imported = try await GridImportAPITests.post(
                server,
                "?level=village&parent=\(town.code)",
                key: server.adminKey,
                body: Array(GeoJSON.write(villages).utf8)
            )
            #expect(imported.status == .ok, "\(imported.text)")
            let renamed = try await server.client.execute(uri: "/map/outlines.geojson", method: .get)
            #expect(renamed.text.contains(#""code":"\#(villages[0].code)","name":"新改名村""#) && !outlines.text.contains("新改名村"))
        }
        // A server that holds no city yet: no outlines to draw, and no error either.
        try await ServerHarness.withServer(database, seeded: false, configure: installed) { server in
            let empty = try await server.client.execute(uri: "/map/outlines.geojson", method: .get)
            let features = try empty.json()["features"] as? [Any]
            #expect(empty.status == .ok && features?.isEmpty == true, "\(empty.text)")
        }
        // Without the library: no map, and the page works as before.
        let missing: @Sendable (inout ServerConfiguration) -> Void = { $0.mapLibraryDirectory = folder + "/none" }
        try await ServerHarness.withServer(database, configure: missing) { server in
            let page = try await server.client.execute(uri: "/citizen", method: .get)
            #expect(page.status == .ok && !page.text.contains("leaflet") && !page.text.contains(#"id="map""#))
            #expect(try await server.client.execute(uri: "/static/leaflet/leaflet.js", method: .get).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func reportsWithoutAnAccountAndFollowAttemptsAreLimitedPerAddress(_ database: TestDatabase) async throws {
        // Refills slow enough that none comes back while the test runs, however loaded the machine.
        let few: @Sendable (inout ServerConfiguration) -> Void = {
            $0.publicIntakeBurst = 2
            $0.publicIntakeRefillSeconds = 3600
            $0.followAttemptBurst = 3
            $0.followAttemptRefillSeconds = 3600
        }
        try await ServerHarness.withServer(database, configure: few) { server in
            let visit = try await Self.visit(server)
            // A refused report is not counted against the address.
            _ = try await Self.post(server, "/citizen/report", visit, Self.reportFields().filter { $0.key != "class" })
            let first = Self.reportFields()
            let (number, code) = try await Self.report(server, visit, first)
            // A retry of a report already taken is answered with the first case, and not counted:
            // with two allowed, the next report still goes through.
            let retried = try await Self.post(server, "/citizen/report", visit, first)
            #expect(retried.status == .ok && Self.element("case-number", in: retried.text) == String(number))
            _ = try await Self.report(server, visit, Self.reportFields())
            let before = try await server.caseCount()
            let limited = try await Self.post(server, "/citizen/report", visit, Self.reportFields())
            #expect(limited.status == .tooManyRequests)
            let wait = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect(wait > 0 && wait <= 3600)
            #expect(limited.text.contains("提交太频繁"))
            #expect(try await server.caseCount() == before)
            // Staff report on.
            let people = try await Loop.people(server)
            #expect(try await server.request("/api/v1/cases", .post, key: people.worker, json: Loop.reportBody()).status == .created)

            // Codes cannot be found by trying: the right code costs nothing, each wrong one counts,
            // and once they are spent even the right code waits.
            for _ in 0..<3 {
                #expect(try await Self.post(server, "/citizen/follow", visit, ["number": String(number), "code": code]).status == .ok)
            }
            for _ in 0..<2 {
                let wrong = try await Self.post(server, "/citizen/follow", visit, ["number": String(number), "code": "0000-0000-0000"])
                #expect(wrong.status == .notFound)
            }
            // A rating without its answers tells a right code from a wrong one: it counts too.
            let probe = try await Self.post(server, "/citizen/rate", visit, ["number": String(number), "code": "0000-0000-0001"])
            #expect(probe.status == .notFound && !probe.text.contains("井盖松动"))
            let held = try await Self.post(server, "/citizen/follow", visit, ["number": String(number), "code": code])
            #expect(held.status == .tooManyRequests && held.headers[.retryAfter] != nil)
            #expect(!held.text.contains("井盖松动"))
            #expect(try await Self.post(server, "/citizen/rate", visit, ["number": String(number), "code": code]).status == .tooManyRequests)

            // Posts that may carry photos are counted before their body is read, refused or not.
            func large() async throws -> TestResponse {
                let boundary = "mq-large"
                var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n\(visit.token)\r\n".utf8)
                body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"a.png\"\r\n\r\n".utf8)
                body += Array(repeating: 0x41, count: 70_000) + Array("\r\n--\(boundary)--\r\n".utf8)
                return try await server.client.execute(
                    uri: "/citizen/report",
                    method: .post,
                    headers: [.contentType: "multipart/form-data; boundary=\(boundary)", .cookie: visit.cookie],
                    body: ByteBuffer(bytes: body)
                )
            }
            #expect(try await large().status == .badRequest)
            #expect(try await large().status == .badRequest)
            let spent = try await large()
            #expect(spent.status == .tooManyRequests && spent.text.contains("提交太频繁"))
        }
    }
}
