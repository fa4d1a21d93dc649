import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import MinqingCore
import MinqingServer
import MinqingStore
import MinqingTestSupport
import NIOCore
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Open311 GeoReport v2 over real HTTP: every read endpoint in JSON and XML with the standard's
/// fields, a report posted as a form through the whole loop, and the standard's errors.
struct Open311Tests {
    typealias Loop = CasesAPITests

    /// The fields the standard lists for each answer.
    static let serviceFields: Set = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
    static let requestFields: Set = [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible", "service_notice",
        "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url",
    ]

    /// What a browser or an app set to English sends.
    static let english: HTTPFields = [.acceptLanguage: "en-US,en;q=0.9,zh-CN;q=0.5"]

    static func array(_ response: TestResponse) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]], "\(response.text)")
    }

    /// The element names under the root's children, per child, read by a real XML parser (so the
    /// document is well-formed), e.g. the fields of each `<request>`.
    static func xmlRecords(_ response: TestResponse) throws -> (root: String, records: [[String: String]]) {
        final class Reader: NSObject, XMLParserDelegate {
            var depth = 0
            var root = ""
            var records: [[String: String]] = []
            var field: String?
            var text = ""
            func parser(
                _ parser: XMLParser,
                didStartElement name: String,
                namespaceURI: String?,
                qualifiedName: String?,
                attributes: [String: String]
            ) {
                depth += 1
                if depth == 1 { root = name }
                if depth == 2 { records.append([:]) }
                if depth == 3 { (field, text) = (name, "") }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if depth == 3, let field { records[records.count - 1][field] = text }
                depth -= 1
            }
        }
        let reader = Reader()
        let parser = XMLParser(data: Data(response.body.readableBytesView))
        parser.delegate = reader
        guard parser.parse() else { throw HarnessError("not well-formed XML: \(response.text)") }
        return (reader.root, reader.records)
    }

    static func post(_ server: ServerHarness.Context, _ form: String, format: String = "json") async throws -> TestResponse {
        try await server.client.execute(
            uri: "/open311/v2/requests.\(format)",
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: form)
        )
    }

    static func form(key: String, _ fields: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return (["api_key": key].merging(fields) { $1 }).map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(
            separator: "&"
        )
    }

    @Test(arguments: TestDatabase.enabled)
    func everyReadAnswersInJSONAndXMLWithTheStandardsFields(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let discovery = try await server.client.execute(uri: "/open311/v2/discovery.json", method: .get)
            #expect(discovery.headers[.contentType]?.hasPrefix("application/json") == true)
            let endpoint = try #require((try discovery.json()["endpoints"] as? [[String: Any]])?.first)
            #expect(endpoint["specification"] as? String == "http://wiki.open311.org/GeoReport_v2")
            #expect(endpoint["formats"] as? [String] == ["application/json", "text/xml"])
            let discoveryXML = try await server.client.execute(uri: "/open311/v2/discovery.xml", method: .get)
            #expect(discoveryXML.headers[.contentType]?.hasPrefix("text/xml") == true)
            #expect(try Self.xmlRecords(discoveryXML).root == "discovery")

            // Services: the city's subclasses of public space, each with exactly the standard's fields, in both formats.
            let services = try Self.array(try await server.client.execute(uri: "/open311/v2/services.json", method: .get))
            #expect(services.count == StandardCatalog.caseClasses.filter { $0.limit != nil && GeoReport.isPublic($0.category) }.count)
            #expect(!services.contains { ($0["service_code"] as? String)?.hasPrefix("D") == true })
            for service in services { #expect(Set(service.keys) == Self.serviceFields) }
            let manhole = try #require(services.first { $0["service_code"] as? String == "C0101" })
            #expect(manhole["group"] as? String == "公用设施" && manhole["type"] as? String == "realtime")
            // metadata says whether a service asks questions (a definition with attributes).
            #expect(manhole["metadata"] as? Bool == true)
            #expect(services.first { $0["service_code"] as? String == "C0102" }?["metadata"] as? Bool == false)
            let servicesXML = try Self.xmlRecords(try await server.client.execute(uri: "/open311/v2/services.xml", method: .get))
            #expect(servicesXML.root == "services" && servicesXML.records.count == services.count)
            for service in servicesXML.records { #expect(Set(service.keys) == Self.serviceFields) }
            // In English for a reader who prefers it (Accept-Language; the standard has no parameter
            // for it), said in Content-Language; the same services and fields.
            let chinese = try await server.client.execute(uri: "/open311/v2/services.json", method: .get)
            #expect(chinese.headers[.contentLanguage] == "zh-CN" && chinese.headers[.vary] == "Accept-Language")
            let inEnglish = try await server.client.execute(uri: "/open311/v2/services.json", method: .get, headers: Self.english)
            #expect(inEnglish.headers[.contentLanguage] == "en")
            let englishServices = try Self.array(inEnglish)
            #expect(englishServices.map { $0["service_code"] as? String } == services.map { $0["service_code"] as? String })
            let englishManhole = try #require(englishServices.first { $0["service_code"] as? String == "C0101" })
            #expect(englishManhole["service_name"] as? String == "Manhole cover broken or missing")
            #expect(englishManhole["group"] as? String == "Public utilities")
            #expect(englishManhole["description"] as? String == "Manhole cover broken or missing")
            let englishXML = try Self.xmlRecords(
                try await server.client.execute(uri: "/open311/v2/services.xml", method: .get, headers: Self.english)
            )
            #expect(englishXML.records.first { $0["service_code"] == "E0101" }?["service_name"] == "Exposed garbage")
            let englishDefinition = try await server.client.execute(uri: "/open311/v2/services/C0101.json", method: .get, headers: Self.english)
            let englishQuestion = try #require((try englishDefinition.json()["attributes"] as? [[String: Any]])?.first)
            #expect(englishQuestion["description"] as? String == "What the cover is marked for")
            #expect((englishQuestion["values"] as? [[String: String]])?.first == ["key": "rain", "name": "Rainwater"])
            let definition = try await server.client.execute(uri: "/open311/v2/services/C0101.json", method: .get)
            #expect(try definition.json()["service_code"] as? String == "C0101")
            let questions = try #require(try definition.json()["attributes"] as? [[String: Any]])
            #expect(questions.map { $0["code"] as? String } == ["cover_use", "cover_missing"])
            for question in questions {
                #expect(Set(question.keys) == ["variable", "code", "datatype", "required", "datatype_description", "order", "description", "values"])
            }
            #expect(questions[0]["datatype"] as? String == "singlevaluelist" && questions[0]["order"] as? Int == 1)
            #expect((questions[0]["values"] as? [[String: String]])?.first == ["key": "rain", "name": "雨水"])
            let bare = try await server.client.execute(uri: "/open311/v2/services/C0102.json", method: .get)
            #expect((try bare.json()["attributes"] as? [Any])?.isEmpty == true)
            #expect(
                try Self.xmlRecords(try await server.client.execute(uri: "/open311/v2/services/C0101.xml", method: .get)).root == "service_definition"
            )

            // A request made through the API shows through Open311, with the standard's fields and no reporter.
            let people = try await Loop.people(server)
            let id = try await Loop.report(server, people)
            let one = try Self.array(try await server.client.execute(uri: "/open311/v2/requests/\(id).json", method: .get))
            #expect(one.count == 1)
            #expect(Set(one[0].keys) == Self.requestFields)
            #expect(one[0]["service_request_id"] as? String == String(id))
            #expect(one[0]["status"] as? String == "open")
            #expect(one[0]["description"] as? String == "井盖缺失，行人易跌落")
            #expect(!(try await server.client.execute(uri: "/open311/v2/requests/\(id).json", method: .get)).text.contains("wgy-"))
            // A dispute names families and neighbours: never served, by id or in a search, nor taken in.
            let dispute = try await server.request("/api/v1/cases", .post, key: people.worker, json: Loop.reportBody("邻里噪音纠纷", classCode: "D01"))
            #expect(dispute.status == .created, "\(dispute.text)")
            let disputeID = try #require((try dispute.json()["id"] as? NSNumber)?.int64Value)
            #expect(try await server.client.execute(uri: "/open311/v2/requests/\(disputeID).json", method: .get).status == .notFound)
            #expect(try await server.client.execute(uri: "/open311/v2/services/D01.json", method: .get).status == .notFound)
            let all = try Self.array(try await server.client.execute(uri: "/open311/v2/requests.json?service_code=D01,C0101", method: .get))
            #expect(all.compactMap { $0["service_request_id"] as? String } == [String(id)])
            #expect(try await server.client.execute(uri: "/open311/v2/tokens/\(disputeID).json", method: .get).status == .notFound)
            let oneXML = try Self.xmlRecords(try await server.client.execute(uri: "/open311/v2/requests/\(id).xml", method: .get))
            #expect(oneXML.root == "service_requests" && oneXML.records.count == 1)
            #expect(Set(oneXML.records[0].keys) == Self.requestFields)
            #expect(oneXML.records[0]["service_request_id"] == String(id))
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aFormPostedReportRunsTheLoopAndIsFollowedToItsClosure(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let key = try #require(server.credentials.apiKeys["open311_api_key"])
            let posted = try await Self.post(
                server,
                Self.form(
                    key: key,
                    [
                        "service_code": "C0101", "lat": String(Loop.point.latitude), "long": String(Loop.point.longitude),
                        "description": "小区门口井盖缺失 & 有人摔倒", "first_name": "三", "last_name": "张", "phone": "13812345678",
                        "email": "", "attribute[cover_use]": "sewage",
                    ]
                )
            )
            #expect(posted.status == .ok, "\(posted.text)")
            let created = try Self.array(posted)
            let idText = try #require(created.first?["service_request_id"] as? String)
            let id = try #require(Int64(idText))

            // In the loop as a citizen's report, its contact sealed and masked like any other.
            let people = try await Loop.people(server)
            let record = try await server.request("/api/v1/cases/\(id)", key: people.center).json()
            #expect(record["source"] as? String == "citizen")
            #expect(record["description"] as? String == "小区门口井盖缺失 & 有人摔倒")
            #expect(record["contact"] as? [String: String] == ["name": "张*", "phone": "138****5678"])
            #expect(record["attributes"] as? [String: String] == ["cover_use": "sewage"])

            // Followed through Open311 as it moves: the department and deadline, then closed.
            try await Loop.act(server, id, people.center, #"{"action": "accept"}"#)
            try await Loop.act(server, id, people.center, #"{"action": "dispatch"}"#)
            let dispatched = try Self.array(try await server.client.execute(uri: "/open311/v2/requests/\(id).json", method: .get))[0]
            #expect(dispatched["agency_responsible"] as? String == StandardCatalog.departments.first { $0.code == "cgj" }?.name)
            let dispatchedInEnglish = try Self.array(
                try await server.client.execute(uri: "/open311/v2/requests/\(id).json", method: .get, headers: Self.english)
            )[0]
            #expect(dispatchedInEnglish["agency_responsible"] as? String == "Urban Management and Law Enforcement Bureau")
            #expect(dispatchedInEnglish["service_name"] as? String == "Manhole cover broken or missing")
            #expect(dispatchedInEnglish["status_notes"] as? String == "Sent to the responsible department, waiting for it to sign")
            #expect((dispatched["expected_datetime"] as? String).flatMap(GeoReport.milliseconds(w3c:)) != nil)
            try await Loop.act(server, id, people.department, #"{"action": "sign"}"#)
            try await Loop.act(server, id, people.department, #"{"action": "handle", "result": "已补齐井盖", "evidence": ["sha256:cd34"]}"#)
            try await Loop.act(server, id, people.worker, #"{"action": "verify", "evidence": ["sha256:ef56"]}"#)
            try await Loop.act(server, id, people.center, #"{"action": "close"}"#)
            let closed = try Self.array(try await server.client.execute(uri: "/open311/v2/requests.json?status=closed", method: .get))
            #expect(closed.map { $0["service_request_id"] as? String } == [idText])
            #expect(closed[0]["status_notes"] as? String == "已结案")
            let open = try Self.array(try await server.client.execute(uri: "/open311/v2/requests.json?status=open", method: .get))
            #expect(!open.contains { $0["service_request_id"] as? String == idText })
            // The detailed state and the history with extensions=true.
            let extended = try Self.array(try await server.client.execute(uri: "/open311/v2/requests/\(id).json?extensions=true", method: .get))[0]
            let attributes = try #require(extended["extended_attributes"] as? [String: Any])
            #expect(attributes["detailed_status"] as? String == "closed")
            #expect(
                (attributes["history"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == [
                    "report", "accept", "dispatch", "sign", "handle", "verify", "close",
                ]
            )
            let englishHistory =
                try Self.array(
                    try await server.client.execute(uri: "/open311/v2/requests/\(id).json?extensions=true", method: .get, headers: Self.english)
                )[0]["extended_attributes"] as? [String: Any]
            #expect((englishHistory?["history"] as? [[String: Any]])?.last?["status_notes"] as? String == "Closed")
            // The token is the request's id: written at once.
            let token = try Self.array(try await server.client.execute(uri: "/open311/v2/tokens/\(idText).json", method: .get))
            #expect(token.first?["service_request_id"] as? String == idText)

            // Filters: by id list, by service, and a window that leaves it out.
            let other = try await Loop.report(server, people)
            let both = try Self.array(
                try await server.client.execute(uri: "/open311/v2/requests.json?service_request_id=\(id),\(other)", method: .get)
            )
            #expect(Set(both.compactMap { $0["service_request_id"] as? String }) == [idText, String(other)])
            #expect(try Self.array(try await server.client.execute(uri: "/open311/v2/requests.json?service_code=C0102", method: .get)).isEmpty)
            let old = "start_date=2025-01-01T00:00:00Z&end_date=2025-03-01T00:00:00Z"
            #expect(try Self.array(try await server.client.execute(uri: "/open311/v2/requests.json?\(old)", method: .get)).isEmpty)
            #expect(try Self.array(try await server.client.execute(uri: "/open311/v2/requests.json?service_code=&status=", method: .get)).count == 2)
            // A list of nothing counts as absent, on both databases (PostgreSQL refuses `IN ()`).
            #expect(
                try Self.array(try await server.client.execute(uri: "/open311/v2/requests.json?status=,&service_code=,", method: .get)).count == 2
            )
            // With the histories a page holds at most 100; a larger page_size is not refused.
            let extendedPage = try await server.client.execute(uri: "/open311/v2/requests.json?extensions=true&page_size=1000", method: .get)
            #expect(extendedPage.status == .ok)
            // The standard makes the description optional: the service's name stands in.
            let bare = try await Self.post(
                server,
                Self.form(key: key, ["service_code": "C0101", "lat": String(Loop.point.latitude), "long": String(Loop.point.longitude)])
            )
            let bareID = try #require(try Self.array(bare).first?["service_request_id"] as? String)
            let bareRequest = try Self.array(try await server.client.execute(uri: "/open311/v2/requests/\(bareID).json", method: .get))[0]
            #expect(bareRequest["description"] as? String == StandardCatalog.caseClasses.first { $0.code == "C0101" }?.name)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func badRequestsGetTheStandardsErrorsAndWriteNothing(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let key = try #require(server.credentials.apiKeys["open311_api_key"])
            let place = ["lat": String(Loop.point.latitude), "long": String(Loop.point.longitude), "description": "井盖缺失"]
            let before = try await server.caseCount()
            let refusals: [(String, HTTPResponse.Status, String)] = [
                (Self.form(key: key, place.merging(["service_code": "X9999"]) { $1 }), .notFound, "service_code:"),
                (Self.form(key: key, place.merging(["service_code": "D01"]) { $1 }), .notFound, "service_code:"),
                (Self.form(key: key, ["service_code": "C0101", "description": "井盖缺失"]), .badRequest, "lat and long:"),
                (Self.form(key: key, ["service_code": "C0101", "address_string": "城区中山路1号", "description": "井盖缺失"]), .badRequest, "lat and long:"),
                (Self.form(key: key, place.merging(["service_code": "C0101", "lat": "91"]) { $1 }), .badRequest, "lat and long:"),
                (Self.form(key: key, place.merging(["service_code": "C0101", "lat": "40.0", "long": "116.4"]) { $1 }), .badRequest, "lat and long:"),
                (Self.form(key: key, place.merging(["service_code": "C0101", "phone": "12ab"]) { $1 }), .badRequest, "contact.phone:"),
                (
                    Self.form(key: key, place.merging(["service_code": "C0101", "attribute[cover_use]": "lava"]) { $1 }), .badRequest,
                    "attribute[cover_use]:"
                ),
                (Self.form(key: key, place.merging(["service_code": "C0101", "attribute[size]": "large"]) { $1 }), .badRequest, "attribute[size]:"),
                (
                    Self.form(key: key, place.merging(["service_code": "C0101"]) { $1 })
                        + "&attribute%5Bcover_use%5D%5B%5D=rain&attribute[cover_use][]=gas", .badRequest, "attribute[cover_use]: give one answer"
                ),
                (Self.form(key: key, place), .badRequest, "service_code: required"),
                (Self.form(key: "mq_not-a-key", place.merging(["service_code": "C0101"]) { $1 }), .forbidden, "api_key:"),
                (Self.form(key: "", place.merging(["service_code": "C0101"]) { $1 }), .forbidden, "api_key:"),
                (Self.form(key: key, place.merging(["service_code": "C0101", "jurisdiction_id": "110000"]) { $1 }), .notFound, "jurisdiction_id:"),
            ]
            for (form, status, prefix) in refusals {
                for format in ["json", "xml"] {
                    let refused = try await Self.post(server, form, format: format)
                    #expect(refused.status == status, "\(form): \(refused.text)")
                    let description: String?
                    if format == "json" {
                        let errors = try Self.array(refused)
                        #expect(errors.first?["code"] as? Int == Int(status.code))
                        description = errors.first?["description"] as? String
                    } else {
                        let errors = try Self.xmlRecords(refused)
                        #expect(errors.root == "errors")
                        #expect(errors.records.first?["code"] == String(status.code))
                        description = errors.records.first?["description"]
                    }
                    #expect(description?.hasPrefix(prefix) == true, "\(form): \(refused.text)")
                }
            }
            #expect(try await server.caseCount() == before)
            // Not a form; bad dates, statuses and ids in the search; unknown things.
            let json = try await server.client.execute(
                uri: "/open311/v2/requests.json",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}")
            )
            #expect(json.status == .badRequest)
            #expect(try await server.caseCount() == before)
            // A multivaluelist: attribute[CODE][] repeated; a number.
            let answered = try await Self.post(
                server,
                Self.form(key: key, place.merging(["service_code": "E0501", "attribute[stalls]": "3"]) { $1 })
                    + "&attribute%5Bblocks%5D%5B%5D=sidewalk&attribute[blocks][]=blind_path"
            )
            #expect(answered.status == .ok, "\(answered.text)")
            let answeredID = try #require(try Self.array(answered).first?["service_request_id"] as? String)
            let answers =
                try await server.request("/api/v1/cases/\(answeredID)", key: try await Loop.people(server).center).json()["attributes"]
                as? [String: Any]
            #expect(answers?["stalls"] as? Int == 3)
            #expect(answers?["blocks"] as? [String] == ["sidewalk", "blind_path"])
            // A date's offset written with a bare `+` in the query is read as itself, not as a space.
            let plus = try await server.client.execute(
                uri: "/open311/v2/requests.json?start_date=2026-01-01T00:00:00+08:00&end_date=2026-02-01T00:00:00+08:00",
                method: .get
            )
            #expect(plus.status == .ok, "\(plus.text)")
            // In the query string too, brackets percent-encoded as most clients send them.
            let inQuery = try await server.client.execute(
                uri: "/open311/v2/requests.json?attribute%5Bstalls%5D=5&attribute%5Bblocks%5D%5B%5D=road",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: Self.form(key: key, place.merging(["service_code": "E0501"]) { $1 }))
            )
            #expect(inQuery.status == .ok, "\(inQuery.text)")
            let inQueryID = try #require(try Self.array(inQuery).first?["service_request_id"] as? String)
            let queryAnswers = try await server.request("/api/v1/cases/\(inQueryID)", key: try await Loop.people(server).center).json()["attributes"]
            #expect((queryAnswers as? [String: Any])?["stalls"] as? Int == 5 && (queryAnswers as? [String: Any])?["blocks"] as? [String] == ["road"])
            for (uri, status) in [
                ("/open311/v2/requests.json?start_date=yesterday", HTTPResponse.Status.badRequest),
                ("/open311/v2/requests.xml?end_date=2026-02-30T00:00:00Z", .badRequest),
                ("/open311/v2/requests.json?status=pending", .badRequest),
                ("/open311/v2/requests.json?start_date=2025-01-01T00:00:00Z&end_date=2025-12-01T00:00:00Z", .badRequest),
                ("/open311/v2/requests.json?service_request_id=1%27%20OR%201=1", .badRequest),
                ("/open311/v2/requests/123456789.json", .notFound),
                ("/open311/v2/requests/abc.xml", .notFound),
                ("/open311/v2/services/X9999.json", .notFound),
                ("/open311/v2/tokens/987654.json", .notFound),
                ("/open311/v2/services.yaml", .notFound),
            ] {
                let refused = try await server.client.execute(uri: uri, method: .get)
                #expect(refused.status == status, "\(uri): \(refused.text)")
                #expect(
                    refused.text.contains("\"code\":\(status.code)") || refused.text.contains("<code>\(status.code)</code>"),
                    "\(uri): \(refused.text)"
                )
            }
        }
    }

    /// A public search may read a thousand cases on the connection every read shares: an address
    /// gets a few at once, then one a second; a request by id, and an integration with its key, are
    /// never held back.
    @Test(arguments: TestDatabase.enabled)
    func publicSearchesAreLimitedPerAddress(_ database: TestDatabase) async throws {
        // Two at once, then one an hour: a loaded machine cannot refill the allowance mid-test.
        let two: @Sendable (inout ServerConfiguration) -> Void = {
            $0.open311SearchBurst = 2
            $0.open311SearchRefillSeconds = 3600
        }
        try await ServerHarness.withServer(database, configure: two) { server in
            let key = try #require(server.credentials.apiKeys["open311_api_key"])
            for _ in 0..<2 { #expect(try await server.client.execute(uri: "/open311/v2/requests.json", method: .get).status == .ok) }
            for format in ["json", "xml"] {
                let held = try await server.client.execute(uri: "/open311/v2/requests.\(format)?status=open", method: .get)
                #expect(held.status == .tooManyRequests, "\(held.text)")
                #expect(held.headers[.retryAfter].flatMap { Int($0) }.map { (1...3600).contains($0) } == true)
                if format == "json" { #expect(try Self.array(held).first?["code"] as? Int == 429) }
            }
            #expect(try await server.client.execute(uri: "/open311/v2/requests.json?api_key=\(key)", method: .get).status == .ok)
            #expect(try await server.client.execute(uri: "/open311/v2/requests.json?api_key=mq_wrong", method: .get).status == .tooManyRequests)
            #expect(try await server.client.execute(uri: "/open311/v2/requests/1.json", method: .get).status != .tooManyRequests)
            #expect(try await server.client.execute(uri: "/open311/v2/services.json", method: .get).status == .ok)
        }
    }

    @Test(arguments: TestDatabase.enabled)
    func aMultipartReportKeepsItsPhotosOnceItsKeyIsKnown(_ database: TestDatabase) async throws {
        try await ServerHarness.withServer(database) { server in
            let key = try #require(server.credentials.apiKeys["open311_api_key"])
            let exif = Array("Exif\0\0GPS 22.78N 115.37E".utf8)
            let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0, UInt8(exif.count + 2)] + exif + [0xFF, 0xDA, 0, 4, 1, 0, 0x12, 0x34, 0xFF, 0xD9]
            let fields = ["service_code": "C0101", "lat": String(Loop.point.latitude), "long": String(Loop.point.longitude), "description": "井盖缺失"]
            func send(query: String, _ files: [(name: String, bytes: [UInt8])]) async throws -> TestResponse {
                let boundary = "mq-open311"
                var body: [UInt8] = []
                for (name, value) in fields {
                    body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
                }
                for file in files {
                    body += Array(
                        "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.name)\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
                            .utf8
                    )
                    body += file.bytes + Array("\r\n".utf8)
                }
                body += Array("--\(boundary)--\r\n".utf8)
                return try await server.client.execute(
                    uri: "/open311/v2/requests.json\(query)",
                    method: .post,
                    headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                    body: ByteBuffer(bytes: body)
                )
            }
            let posted = try await send(query: "?api_key=\(key)", [("media", jpeg)])
            #expect(posted.status == .ok, "\(posted.text)")
            let id = try #require((try Self.array(posted).first?["service_request_id"] as? String).flatMap { Int64($0) })
            let people = try await Loop.people(server)
            let record = try await server.request("/api/v1/cases/\(id)", key: people.center).json()
            let photos = try #require(record["photos"] as? [String])
            #expect(photos.count == 1)
            let photo = try await server.request("/api/v1/cases/\(id)/photos/\(photos[0])", key: people.center)
            #expect(!photo.text.contains("GPS"))

            // The key must come in the query string, and be known, before photos are read; bad parts are named.
            let before = try await server.caseCount()
            for (query, files, status, prefix) in [
                ("", [("media", jpeg)], HTTPResponse.Status.forbidden, "api_key: with a multipart body"),
                ("?api_key=mq_wrong", [("media", jpeg)], .forbidden, "api_key: the key is unknown"),
                ("?api_key=\(key)", [("media", Array("GIF89a".utf8))], .badRequest, "media[0]: only JPEG and PNG"),
                ("?api_key=\(key)", [("video", jpeg)], .badRequest, "video: only media may be a file"),
                ("?api_key=\(key)", Array(repeating: ("media", jpeg), count: 7), .badRequest, "media: at most 6"),
            ] {
                let refused = try await send(query: query, files)
                #expect(refused.status == status, "\(query): \(refused.text)")
                #expect((try Self.array(refused).first?["description"] as? String)?.hasPrefix(prefix) == true, "\(refused.text)")
            }
            #expect(try await server.caseCount() == before)
        }
    }

    /// Every log line the server writes, kept for a test to read.
    final class LogLines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    struct CapturingLogHandler: LogHandler {
        let lines: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            lines.append("\(event.message) \(merged.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
        }
    }

    @Test func theRequestLogNeverHoldsAQueryString() async throws {
        let lines = LogLines()
        let logger = Logger(label: "capture") { _ in CapturingLogHandler(lines: lines) }
        try await ServerHarness.withServer(.sqlite, logger: logger) { server in
            let key = try #require(server.credentials.apiKeys["open311_api_key"])
            _ = try await server.client.execute(uri: "/open311/v2/requests.json?api_key=\(key)&status=open", method: .get)
            _ = try await server.client.execute(uri: "/api/v1/persons/1?purpose=%E6%A0%B8%E5%AF%B9%E8%BA%AB%E4%BB%BD", method: .get)
        }
        let requests = lines.all.filter { $0.hasPrefix("Request ") }
        #expect(requests.contains { $0.contains("hb.request.path=/open311/v2/requests.json") })
        #expect(requests.contains { $0.contains("hb.request.path=/api/v1/persons/1") })
        #expect(!lines.all.contains { $0.contains("api_key") || $0.contains("purpose=") || $0.contains("%E6") })
    }
}
