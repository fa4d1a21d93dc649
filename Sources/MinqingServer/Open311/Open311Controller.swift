import Foundation
import HTTPTypes
import Hummingbird
import MinqingCore
import MinqingStore

/// `/open311/v2`: Open311 GeoReport v2, reads and writes, so that any Open311 client (a citizens'
/// app, a mini-program, a hotline system) files into the closed loop and follows its case. Written
/// by hand, outside openapi.yaml: the standard answers every endpoint in JSON and XML by its
/// extension, and its errors are a list of `{code, description}`, not problem details.
///
/// It serves the problems of public space only (components and events, ``GeoReport/isPublic(_:)``).
/// Reads are public, as the standard's clients expect: a case shows its class, description, place,
/// state and responsible department, never its reporter or the reporter's contact. Writes need an
/// API key issued for intake (`api_key`), and go through the same intake as `POST /api/v1/cases`.
struct Open311Controller {
    let api: APIHandler
    /// Public searches (`GET requests` without a key), per address
    /// (``ServerConfiguration/open311SearchBurst``): each may read a thousand cases on the connection
    /// every read shares (SQLite's reader), so one address cannot keep it busy.
    let publicSearches: RateLimit

    static let root = "/open311/v2"

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("\(Self.root)/:resource", use: resource)
        router.post("\(Self.root)/:resource", use: post)
        router.get("\(Self.root)/services/:code", use: serviceDefinition)
        router.get("\(Self.root)/requests/:id", use: request)
        router.get("\(Self.root)/tokens/:token", use: token)
    }

    // MARK: Routes

    @Sendable func resource(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context, parameter: "resource") { name, parameters, _, _, language in
            if name == "requests" { try await checkSearchAllowance(parameters, context) }
            return switch name {
            case "discovery": discovery(request)
            case "services": try await services(parameters, language)
            case "requests": try await requests(parameters, language)
            default: throw GeoReport.Failure(404, "no such endpoint: \(name)")
            }
        }
    }

    @Sendable func post(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context, parameter: "resource") { name, parameters, attributes, media, language in
            guard name == "requests" else { throw GeoReport.Failure(404, "no such endpoint: \(name)") }
            return try await submit(parameters, attributes: attributes, media: media, language, request: request, context: context)
        }
    }

    @Sendable func serviceDefinition(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context, parameter: "code") { code, parameters, _, _, language in
            let city = try jurisdiction(parameters)
            let catalog = try await api.cases.current(city: city) { $0.classes[code] != nil }
            guard let caseClass = catalog.classes[code], Self.isOffered(caseClass) else {
                throw GeoReport.Failure(404, "service_code: no service has the code \(code)")
            }
            return .element(
                "service_definition",
                [
                    ("service_code", .text(caseClass.code)),
                    (
                        "attributes",
                        .list(
                            "attributes",
                            caseClass.attributes.enumerated().map { order, attribute in
                                .element(
                                    "attribute",
                                    [
                                        ("variable", .boolean(true)),
                                        ("code", .text(attribute.code)),
                                        ("datatype", .text(attribute.kind.rawValue)),
                                        ("required", .boolean(attribute.required)),
                                        ("datatype_description", .text(nil)),
                                        ("order", .number(Double(order + 1))),
                                        ("description", .text(attribute.question(in: language))),
                                        (
                                            "values",
                                            .list(
                                                "values",
                                                attribute.choices.map { choice in
                                                    .element("value", [("key", .text(choice.key)), ("name", .text(choice.name(in: language)))])
                                                }
                                            )
                                        ),
                                    ]
                                )
                            }
                        )
                    ),
                ]
            )
        }
    }

    @Sendable func request(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context, parameter: "id") { id, parameters, _, _, language in
            guard let number = Int64(id), number > 0 else { throw GeoReport.Failure(404, "service_request_id: no request has the id \(id)") }
            var query = parameters
            query["service_request_id"] = String(number)
            let found = try await requests(query, language)
            guard case .list(_, let items) = found, !items.isEmpty else {
                throw GeoReport.Failure(404, "service_request_id: no request has the id \(id)")
            }
            return found
        }
    }

    /// Requests are written at once, so a token is the request's id.
    @Sendable func token(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await answer(request, context, parameter: "token") { token, parameters, _, _, _ in
            let city = try jurisdiction(parameters)
            guard let id = Int64(token), id > 0, let record = try await api.store.caseRecord(city: city, id: id),
                api.cases.current.classes[record.classCode].map(Self.isService) == true
            else {
                throw GeoReport.Failure(404, "token: no request has the token \(token)")
            }
            return .list("service_requests", [.element("request", [("service_request_id", .text(String(id))), ("token", .text(token))])])
        }
    }

    // MARK: Answers

    private func discovery(_ request: Request) -> GeoReportBody {
        let base = "http://\(request.head.authority ?? "localhost")\(Self.root)"
        let changeset = "2026-11-27T00:00:00+08:00"
        return .element(
            "discovery",
            [
                ("changeset", .text(changeset)),
                ("contact", .text("The city's command center (联勤指挥中心)")),
                ("key_service", .text("API keys for intake are issued by the city's administrators (POST /api/v1/api-keys, scope intake)")),
                (
                    "endpoints",
                    .list(
                        "endpoints",
                        [
                            .element(
                                "endpoint",
                                [
                                    ("specification", .text("http://wiki.open311.org/GeoReport_v2")),
                                    ("url", .text(base)),
                                    ("changeset", .text(changeset)),
                                    ("type", .text("production")),
                                    ("formats", .strings("formats", item: "format", ["application/json", "text/xml"])),
                                ]
                            )
                        ]
                    )
                ),
            ]
        )
    }

    private func services(_ parameters: [String: String], _ language: Language) async throws -> GeoReportBody {
        let city = try jurisdiction(parameters)
        let catalog = try await api.cases.current(city: city) { !$0.classes.isEmpty }
        let reportable = catalog.classes.values.filter(Self.isOffered).sorted { $0.code < $1.code }
        return .list(
            "services",
            reportable.map { caseClass in
                let name = caseClass.name(in: language)
                let group = caseClass.parentCode.flatMap { catalog.classes[$0]?.name(in: language) } ?? name
                // The opening condition (立案条件) is written in Chinese only: an English answer
                // describes a service by its name.
                let description = language == .zh ? caseClass.openingCondition ?? name : name
                return .element(
                    "service",
                    [
                        ("service_code", .text(caseClass.code)),
                        ("service_name", .text(name)),
                        ("description", .text(description)),
                        ("metadata", .boolean(!caseClass.attributes.isEmpty)),
                        ("type", .text("realtime")),
                        ("keywords", .text([caseClass.category.rawValue, group].joined(separator: ","))),
                        ("group", .text(group)),
                    ]
                )
            }
        )
    }

    private func requests(_ parameters: [String: String], _ language: Language) async throws -> GeoReportBody {
        let city = try jurisdiction(parameters)
        var query = try GeoReport.RequestQuery.parse(parameters, now: api.store.nowMilliseconds).get()
        let catalog = api.cases.current
        let services = Set(catalog.classes.values.filter(Self.isService).map(\.code))
        query.serviceCodes = (query.serviceCodes ?? Array(services)).filter(services.contains).sorted()
        // Each request's history is read with it: a smaller page, so that one public read stays short
        // on the connection every read shares.
        let extended = ["true", "1"].contains(parameters["extensions"]?.lowercased() ?? "")
        if extended { query.pageSize = min(query.pageSize, GeoReport.RequestQuery.maximumExtendedResults) }
        let records = try await api.store.serviceRequests(city: city, query: query).filter { services.contains($0.classCode) }
        let logs = extended ? try await api.store.caseEvents(caseIDs: records.map(\.id)) : [:]
        return .list(
            "service_requests",
            records.map { record in
                var fields: [(StaticString, GeoReportBody)] = [
                    ("service_request_id", .text(String(record.id))),
                    ("status", .text(GeoReport.status(of: record.state).rawValue)),
                    ("status_notes", .text(GeoReport.statusNote(of: record.state, in: language))),
                    ("service_name", .text(catalog.className(record.classCode, in: language))),
                    ("service_code", .text(record.classCode)),
                    ("description", .text(record.description)),
                    ("agency_responsible", .text(record.leadDepartment.map { catalog.departmentName($0, in: language) })),
                    ("service_notice", .text(nil)),
                    ("requested_datetime", .date(record.reportedAt)),
                    ("updated_datetime", .date(record.updatedAt)),
                    ("expected_datetime", .date(record.dueAt)),
                    ("address", .text(nil)),
                    ("address_id", .text(record.areaCode)),
                    ("zipcode", .text(nil)),
                    ("lat", .number(record.latitude)),
                    ("long", .number(record.longitude)),
                    ("media_url", .text(nil)),
                ]
                if extended {
                    let history: [GeoReportBody] = (logs[record.id] ?? []).map { event in
                        .element(
                            "event",
                            [
                                ("datetime", .date(event.at)),
                                ("action", .text(event.action)),
                                ("status", .text(event.to.rawValue)),
                                ("status_notes", .text(GeoReport.statusNote(of: event.to, in: language))),
                            ]
                        )
                    }
                    fields.append(
                        (
                            "extended_attributes",
                            .element(
                                "extended_attributes",
                                [
                                    ("detailed_status", .text(record.state.rawValue)), ("level", .text(record.level.rawValue)),
                                    ("history", .list("history", history)),
                                ]
                            )
                        )
                    )
                }
                return .element("request", fields)
            }
        )
    }

    /// `POST requests`: a report through the one intake, as the key's account, from a citizen.
    private func submit(
        _ parameters: [String: String],
        attributes: [String: [String]],
        media: [Photo],
        _ language: Language,
        request: Request,
        context: AppRequestContext
    ) async throws -> GeoReportBody {
        let city = try jurisdiction(parameters)
        guard let key = parameters["api_key"] else { throw GeoReport.Failure(403, "api_key: an API key issued for intake is required") }
        guard let actor = try await api.store.apiKeyActor(key) else {
            throw GeoReport.Failure(403, "api_key: the key is unknown, revoked or expired")
        }
        guard let code = parameters["service_code"] else { throw GeoReport.Failure(400, "service_code: required") }
        let catalog = try await api.cases.current(city: city) { $0.classes[code] != nil }
        if let caseClass = catalog.classes[code], !Self.isOffered(caseClass) {
            throw GeoReport.Failure(404, "service_code: no service has the code \(code)")
        }
        guard let latitude = parameters["lat"], let longitude = parameters["long"] else {
            if parameters["address_string"] != nil || parameters["address_id"] != nil {
                throw GeoReport.Failure(400, "lat and long: this city locates reports by their coordinates, not by address")
            }
            throw GeoReport.Failure(400, "lat and long: the location is required")
        }
        guard let lat = Double(latitude), (-90...90).contains(lat), let long = Double(longitude), (-180...180).contains(long) else {
            throw GeoReport.Failure(400, "lat and long: \(latitude), \(longitude) is not a WGS84 location")
        }
        let name = [parameters["last_name"], parameters["first_name"]].compactMap { $0 }.joined()
        let caller = Caller(credential: .apiKey(actor), address: context.remoteAddress)
        let (outcome, _, _) = try await api.intake(
            APIHandler.SentReport(
                classCode: code,
                // The standard makes the description optional; a case always has one: the service's name.
                description: parameters["description"] ?? catalog.classes[code]?.name ?? code,
                source: .citizen,
                location: GeoPoint(longitude: long, latitude: lat),
                coordinateSystem: .wgs84,
                contactName: name.isEmpty ? nil : name,
                contactPhone: parameters["phone"],
                photos: media,
                idempotencyKey: request.headers[HTTPField.Name("Idempotency-Key")!],
                attributes: attributes
            ),
            caller: caller
        )
        return .list(
            "service_requests",
            [
                .element(
                    "request",
                    [
                        ("service_request_id", .text(String(outcome.record.id))),
                        ("service_notice", .text(GeoReport.statusNote(of: outcome.record.state, in: language))),
                        ("account_id", .text(nil)),
                    ]
                )
            ]
        )
    }

    // MARK: Parameters and errors

    /// A class whose requests Open311 shows: a subclass of public space (``GeoReport/isPublic(_:)``),
    /// retired or not, as its cases stay readable.
    private static func isService(_ caseClass: CaseClass) -> Bool {
        caseClass.limit != nil && GeoReport.isPublic(caseClass.category)
    }

    /// A service Open311 lists and takes requests for: one not retired.
    private static func isOffered(_ caseClass: CaseClass) -> Bool {
        isService(caseClass) && !caseClass.retired
    }

    /// A search without a known `api_key` counts against its address; an integration holding a
    /// key is never held back.
    private func checkSearchAllowance(_ parameters: [String: String], _ context: AppRequestContext) async throws {
        // The key is looked up only once the allowance is spent: a made-up key costs nothing before.
        guard let wait = publicSearches.take(context.remoteAddress) else { return }
        if let key = parameters["api_key"], try await api.store.apiKeyActor(key) != nil { return }
        throw Problem.rateLimited(
            "Too many searches",
            "one address may search a few times at once, then once a second (or send an api_key)",
            wait: wait
        )
    }

    /// The city these endpoints serve: `jurisdiction_id` may be left out, or must name it.
    private func jurisdiction(_ parameters: [String: String]) throws -> String {
        guard let city = api.grids.city else { throw GeoReport.Failure(404, "this server holds no city yet") }
        if let asked = parameters["jurisdiction_id"], asked != city {
            throw GeoReport.Failure(404, "jurisdiction_id: this server serves \(city), not \(asked)")
        }
        return city
    }

    /// Splits `name.json` or `name.xml`, gathers the parameters (query, then a form body; an empty
    /// value counts as absent), the answers to the service's questions (`attribute[CODE]`, or
    /// `attribute[CODE][]` repeated for a multivaluelist) and the photos of a multipart body
    /// (`media`), and writes the answer or the standard's error list in that format. Names and
    /// notes are in the language `Accept-Language` prefers (the standard has no parameter for it),
    /// said in `Content-Language`; errors are in English.
    private func answer(
        _ request: Request,
        _ context: AppRequestContext,
        parameter: String,
        _ body: (String, [String: String], [String: [String]], [Photo], Language) async throws -> GeoReportBody
    ) async throws -> Response {
        let file = context.parameters.get(parameter) ?? ""
        let format: GeoReportBody.Format
        let name: String
        if file.hasSuffix(".json") {
            (format, name) = (.json, String(file.dropLast(5)))
        } else if file.hasSuffix(".xml") {
            (format, name) = (.xml, String(file.dropLast(4)))
        } else {
            return GeoReportBody.errors(GeoReport.Failure(404, "\(file): ask for .json or .xml")).response(.json, status: .notFound)
        }
        do {
            var parameters: [String: String] = [:]
            var attributes: [String: [String]] = [:]
            func take(_ key: String, _ value: String) {
                guard !value.isEmpty else { return }
                if let code = Self.attributeCode(key) { attributes[code, default: []].append(value) } else { parameters[key] = value }
            }
            // One reader for the query and a form body: names percent-decoded too (attribute%5BCODE%5D).
            // In the query a `+` stays a `+`, as Open311 clients send dates (…T09:30:00+08:00).
            for (key, value) in URLEncodedForm.pairs(request.uri.query ?? "", plusIsSpace: false) { take(key, value) }
            var media: [Photo] = []
            if request.method == .post {
                let contentType = request.headers[.contentType] ?? ""
                if contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") {
                    let bytes = try await Self.collect(request, upTo: BodyLimitMiddleware.smallBody)
                    for (key, value) in URLEncodedForm.pairs(String(buffer: bytes)) { take(key, value) }
                } else if let boundary = MultipartForm.boundary(of: contentType) {
                    // Photos make a large body: it is read only for a caller whose key, sent in the
                    // query string, is known.
                    guard let key = parameters["api_key"] else {
                        throw GeoReport.Failure(403, "api_key: with a multipart body, send the key in the query string")
                    }
                    guard try await api.store.apiKeyActor(key) != nil else {
                        throw GeoReport.Failure(403, "api_key: the key is unknown, revoked or expired")
                    }
                    let bytes = try await Self.collect(request, upTo: BodyLimitMiddleware.withPhotos)
                    let form: MultipartForm
                    do {
                        form = try MultipartForm(parsing: Array(buffer: bytes), boundary: boundary)
                    } catch {
                        throw GeoReport.Failure(400, error.description)
                    }
                    for part in form.parts {
                        if part.name == "media" {
                            do {
                                try Photo.add(part.body, to: &media, part: "media")
                            } catch {
                                throw GeoReport.Failure(400, error.description)
                            }
                        } else if part.filename != nil {
                            throw GeoReport.Failure(400, "\(part.name): only media may be a file")
                        } else {
                            take(part.name, String(decoding: part.body, as: UTF8.self))
                        }
                    }
                } else {
                    throw GeoReport.Failure(400, "send the request as application/x-www-form-urlencoded, or multipart/form-data with media")
                }
            }
            let language = Language(acceptLanguage: request.headers[values: .acceptLanguage].joined(separator: ","))
            var response = try await body(name, parameters, attributes, media, language).response(format)
            response.headers[.contentLanguage] = language.tag
            response.headers[.vary] = "Accept-Language"
            return response
        } catch let failure as GeoReport.Failure {
            return GeoReportBody.errors(failure).response(format, status: HTTPResponse.Status(code: failure.status))
        } catch let problem as Problem {
            let failure = Self.failure(problem)
            var response = GeoReportBody.errors(failure).response(format, status: HTTPResponse.Status(code: failure.status))
            if let wait = problem.retryAfter { response.headers[.retryAfter] = String(wait) }
            return response
        }
    }

    /// `CODE` of a parameter named `attribute[CODE]` or `attribute[CODE][]`.
    static func attributeCode(_ name: String) -> String? {
        guard name.hasPrefix("attribute["), name.hasSuffix("]") else { return nil }
        var inner = name.dropFirst("attribute[".count).dropLast()
        if inner.hasSuffix("][") { inner = inner.dropLast(2) }
        return inner.isEmpty || inner.contains("[") || inner.contains("]") ? nil : String(inner)
    }

    private static func collect(_ request: Request, upTo limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch {
            throw GeoReport.Failure(413, "the request may be at most \(limit / 1024) KiB")
        }
    }

    /// The intake's problems as the standard's errors: 400, 403 or 404 (and 429, 503 as they are).
    private static func failure(_ problem: Problem) -> GeoReport.Failure {
        var detail = problem.detail.replacingOccurrences(of: "class:", with: "service_code:").replacingOccurrences(
            of: "location:",
            with: "lat and long:"
        )
        // The standard's name for an answer: attribute[CODE].
        if detail.hasPrefix("attributes."), let colon = detail.firstIndex(of: ":") {
            detail = "attribute[\(detail[detail.index(detail.startIndex, offsetBy: "attributes.".count)..<colon])]" + detail[colon...]
        }
        switch problem.status.code {
        case 401, 403: return GeoReport.Failure(403, detail)
        case 404: return GeoReport.Failure(404, detail)
        case 422 where detail.hasPrefix("service_code:"): return GeoReport.Failure(404, detail)
        case 429, 503: return GeoReport.Failure(problem.status.code, detail)
        default: return GeoReport.Failure(400, detail)
        }
    }
}
