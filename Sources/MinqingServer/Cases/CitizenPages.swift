import Foundation
import HTTPTypes
import Hummingbird
import MinqingCore
import MinqingStore
import Mustache
import NIOCore

/// 群众随手拍: the citizens' page. A resident reports a problem without an account (rate limited per
/// address; contact details optional; photos), receives the case number and a follow code (查询码),
/// follows the case with them, and rates it after closure with "solved" and "satisfied" apart.
///
/// Plain HTML forms, rendered on the server (a phone's browser needs no script; a small script
/// fills the location from a tap on the map, drawn with Leaflet when the server has it, or from the
/// phone when asked). Every form carries a token that must equal the
/// `minqing_form` cookie (double submit; the cookie is SameSite=Strict), so another site cannot post
/// them. The follow code never appears in a URL: it is sent in forms only, and pages holding it are
/// not cached. Reports go through the one intake (``APIHandler/intake(_:caller:)``), ratings through
/// the one case step (``APIHandler/act(_:fields:on:caller:)``), as the resident that holds the code.
struct CitizenPages {
    let api: APIHandler
    let library: MustacheLibrary
    /// Failed follow and rating attempts per address (``ServerConfiguration/followAttemptBurst``):
    /// codes are not guessed by trying.
    let followAttempts: RateLimit
    /// Reports that may carry photos, per address, counted before their body is read
    /// (``ServerConfiguration/publicIntakeBurst``): a large body is never read for free.
    let uploads: RateLimit
    /// Whether the report form draws a map to tap the place on (``MapAssets``).
    let map: Bool
    let script: ByteBuffer

    static let root = "/citizen"
    /// `__Host-`: Secure, for the whole site and this host alone, so that a sibling subdomain
    /// cannot plant one.
    static let formCookie = "__Host-minqing_form"

    init(api: APIHandler, library: MustacheLibrary, map: Bool, followAttempts: RateLimit, uploads: RateLimit) throws {
        self.api = api
        self.library = library
        self.map = map
        self.followAttempts = followAttempts
        self.uploads = uploads
        guard let url = Bundle.module.url(forResource: "Static/citizen", withExtension: "js") else {
            throw Problem.unavailable("the citizens' page script is missing")
        }
        script = ByteBuffer(bytes: try Data(contentsOf: url))
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("\(Self.root)") { request, _ in try await reportForm(request) }
        router.post("\(Self.root)/report") { request, context in try await report(request, context) }
        router.get("\(Self.root)/follow") { request, _ in try await followForm(request) }
        router.post("\(Self.root)/follow") { request, context in try await follow(request, context) }
        router.post("\(Self.root)/rate") { request, context in try await rate(request, context) }
        router.get("\(Self.root)/cases/:id") { request, context in try await publicCase(request, context) }
        router.get("/static/citizen.js") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=3600"],
                body: .init(byteBuffer: script)
            )
        }
    }

    // MARK: Routes

    private func reportForm(_ request: Request) async throws -> Response {
        let language = Language(request.uri.queryParameters["lang"].map(String.init))
        let token = Self.formToken(of: request) ?? Self.newToken()
        var model = Model(language, token: token, path: Self.root)
        model.reportForm = try await reportFormModel(ReportForm.Entered(), language)
        return try render(model, setting: token)
    }

    private func report(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        var language = Language(request.uri.queryParameters["lang"].map(String.init))
        let token = Self.formToken(of: request) ?? Self.newToken()
        var entered = ReportForm.Entered()
        do {
            // A body is read only for a browser holding the page's cookie, and one that may be large
            // (photos) only within the address's allowance of uploads, counted before it is read.
            guard Self.formToken(of: request) != nil else { throw Self.expired }
            if Self.mayBeLarge(request), let wait = uploads.take(context.remoteAddress) {
                throw Problem.rateLimited("Too many uploads", "one address sends a few reports with photos at once, then one a minute", wait: wait)
            }
            let form = try await Form(request, allowPhotos: true)
            language = Language(form["lang"])
            entered = ReportForm.Entered(form)
            try Self.checkToken(request, form)
            let photos = try form.photos()
            guard let classCode = form["class"] else { throw Problem.badRequest("class: choose what kind of problem it is") }
            guard let latitude = form["lat"].flatMap(Double.init), let longitude = form["lng"].flatMap(Double.init),
                (-90...90).contains(latitude), (-180...180).contains(longitude)
            else {
                throw Problem.badRequest("location: give the latitude and longitude of the problem (WGS84), or let the phone find them")
            }
            let code = try followCode(for: form["idempotency_key"], browser: token)
            let digest = Self.digest(ofCode: code)!
            let caller = Caller(credential: .resident(.resident(city: try city(), followCodeDigest: digest)), address: context.remoteAddress)
            let (outcome, _, _) = try await api.intake(
                APIHandler.SentReport(
                    classCode: classCode,
                    description: form["description"] ?? "",
                    source: .citizen,
                    location: GeoPoint(longitude: longitude, latitude: latitude),
                    coordinateSystem: .wgs84,
                    contactName: form["name"],
                    contactPhone: form["phone"],
                    photos: photos,
                    idempotencyKey: form["idempotency_key"],
                    attributes: form.answers(for: classCode)
                ),
                caller: caller
            )
            // A form sent twice from the same page (a double tap, a reload) is the first case, with
            // the same code: derived again from the form's key and the browser's cookie.
            let sameCode = outcome.record.followCodeDigest.map { Secret.equal($0, digest) } ?? false
            var model = Model(language, token: token, path: Self.root)
            model.received = Received(number: outcome.record.id, code: sameCode ? code : nil)
            return try render(model, status: .ok)
        } catch {
            let problem = try Self.problem(error)
            var model = Model(language, token: token, path: Self.root)
            entered.idempotencyKey = Self.newToken()
            model.reportForm = try await reportFormModel(entered, language)
            model.failure = Failure(problem, language)
            return try render(model, status: problem.status, retryAfter: problem.retryAfter, setting: token)
        }
    }

    private func followForm(_ request: Request) async throws -> Response {
        let language = Language(request.uri.queryParameters["lang"].map(String.init))
        let token = Self.formToken(of: request) ?? Self.newToken()
        var model = Model(language, token: token, path: "\(Self.root)/follow")
        model.followForm = FollowForm(number: request.uri.queryParameters["case"].map(String.init) ?? "")
        return try render(model, setting: token)
    }

    private func follow(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await holding(request, context) { form, caller, number, code, language in
            var model = Model(language, token: Self.formToken(of: request)!, path: "\(Self.root)/follow")
            model.progress = try await progress(number, caller: caller, code: code, language)
            return model
        }
    }

    /// 评价: "solved" and "satisfied" asked apart (DOMAIN.md §4); "not solved" sends the case round again.
    private func rate(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try await holding(request, context) { form, caller, number, code, language in
            // The code first: a refusal for a missing answer shows the case, so it must never tell
            // a right code from a wrong one without counting the try.
            _ = try await api.visibleCase(number, caller: caller)
            let solved = try Self.answer(form["solved"], "solved")
            let satisfied = try Self.answer(form["satisfied"], "satisfied")
            _ = try await api.act(.rate, fields: CaseActionFields(solved: solved, satisfied: satisfied), on: number, caller: caller)
            var model = Model(language, token: Self.formToken(of: request)!, path: "\(Self.root)/follow")
            model.progress = try await progress(number, caller: caller, code: code, language)
            model.progress?.thanks = true
            return model
        }
    }

    /// A form sent by the holder of a case's number and follow code (to follow it, to rate it): the
    /// token checked, then the number and code. Only failures count against the address (wrong
    /// codes are not found by trying), and once its allowance is spent even the right code waits.
    /// A refusal shows the case again to its holder, with what went wrong, and the follow form to
    /// anyone else.
    private func holding(
        _ request: Request,
        _ context: AppRequestContext,
        _ body: (Form, Caller, Int64, String, Language) async throws -> Model
    ) async throws -> Response {
        var language = Language(request.uri.queryParameters["lang"].map(String.init))
        let token = Self.formToken(of: request) ?? Self.newToken()
        var form: Form?
        var holder: (caller: Caller, number: Int64, code: String)?
        do {
            let read = try await Form(request, allowPhotos: false)
            form = read
            language = Language(read["lang"])
            try Self.checkToken(request, read)
            // Every try takes a token first, so that tries sent all at once stay within the limit; a
            // try that was not a wrong number or code gives it back.
            if let wait = followAttempts.take(context.remoteAddress) {
                throw Problem.rateLimited(
                    "Too many attempts",
                    "one address may try a few case numbers and codes, then one every half minute",
                    wait: wait
                )
            }
            do {
                holder = try self.holder(read, context)
                let shown = try await body(read, holder!.caller, holder!.number, holder!.code, language)
                followAttempts.refund(context.remoteAddress)
                return try render(shown, status: .ok)
            } catch let problem as Problem where problem.status == .notFound || (problem.status == .badRequest && holder == nil) {
                throw problem
            } catch {
                followAttempts.refund(context.remoteAddress)
                throw error
            }
        } catch {
            let problem = try Self.problem(error)
            var model = Model(language, token: token, path: "\(Self.root)/follow")
            model.failure = Failure(problem, language)
            if let holder, problem.status != .notFound,
                let shown = try? await progress(holder.number, caller: holder.caller, code: holder.code, language)
            {
                model.progress = shown
            } else {
                model.followForm = FollowForm(number: form?["number"] ?? "")
            }
            return try render(model, status: problem.status, retryAfter: problem.retryAfter, setting: token)
        }
    }

    /// What anyone may see of a case by its number: only problems of public space, as Open311
    /// shows them (the class, the description, the place, the state), never who reported it, their
    /// contact or their rating; the rest need the follow code.
    private func publicCase(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let language = Language(request.uri.queryParameters["lang"].map(String.init))
        let token = Self.formToken(of: request) ?? Self.newToken()
        let id = context.parameters.get("id") ?? ""
        var model = Model(language, token: token, path: "\(Self.root)/cases/\(id)")
        if let number = Int64(id), number > 0, let record = try await api.store.caseRecord(city: try city(), id: number),
            let caseClass = api.cases.current.classes[record.classCode], GeoReport.isPublic(caseClass.category)
        {
            model.progress = try await progressModel(record, holder: nil, language)
            return try render(model, setting: token)
        }
        model.followForm = FollowForm(number: id)
        model.failure = Failure(language.text.notPublic)
        return try render(model, status: .notFound, setting: token)
    }

    // MARK: Models

    /// What the template shows. One template serves every view; exactly one of the views is set.
    struct Model {
        var t: Texts
        var lang: String
        var otherLanguage: String
        var otherLanguageHref: String
        /// Carries the language through the page's links.
        var langQuery: String
        var token: String
        var reportForm: ReportForm?
        var received: Received?
        var followForm: FollowForm?
        var progress: Progress?
        var failure: Failure?

        init(_ language: Language, token: String, path: String) {
            t = language.text
            lang = language.rawValue
            otherLanguage = language == .zh ? "English" : "中文"
            otherLanguageHref = path + (language == .zh ? "?lang=en" : "")
            langQuery = language == .zh ? "" : "?lang=en"
            self.token = token
        }
    }

    struct ReportForm {
        /// What the resident typed, kept when the form comes back with a problem.
        struct Entered {
            var classCode = ""
            var description = ""
            var latitude = ""
            var longitude = ""
            var name = ""
            var phone = ""
            var idempotencyKey = CitizenPages.newToken()
            /// The answers to the chosen class's questions.
            var answers: [String: [String]] = [:]

            init() {}

            init(_ form: Form) {
                classCode = form["class"] ?? ""
                description = form["description"] ?? ""
                latitude = form["lat"] ?? ""
                longitude = form["lng"] ?? ""
                name = form["name"] ?? ""
                phone = form["phone"] ?? ""
                idempotencyKey = form["idempotency_key"] ?? CitizenPages.newToken()
                answers = form.answers(for: classCode)
            }
        }

        /// The questions of one class, shown when it is chosen (``CaseClassAttribute``).
        struct Questions {
            var classCode: String
            /// Shown without the script only for the class chosen (the script shows the one chosen).
            var chosen: Bool
            var items: [Question]
        }

        struct Question {
            /// The form field (`attr.CLASS.CODE`); not `name`, which a choice's name would hide in the template.
            var field: String
            var question: String
            var required: Bool
            var isSingle: Bool
            var isMultiple: Bool
            var isLongText: Bool
            /// A number, a date, or a line of text: one input.
            var isLine: Bool
            var inputMode: String
            var placeholder: String
            var value: String
            var choices: [Option]
        }

        struct Group {
            var label: String
            var options: [Option]
        }

        struct Option {
            var code: String
            var name: String
            var selected: Bool
        }

        var groups: [Group]
        var questions: [Questions]
        var entered: Entered
        /// Whether to draw the map to tap the place on.
        var map: Bool
    }

    struct Received {
        var number: Int64
        /// `nil` when the form was sent again and its code cannot be shown again.
        var code: String?
    }

    struct FollowForm {
        var number: String
    }

    struct Progress {
        struct Step {
            var at: String
            var note: String
        }

        var number: Int64
        var className: String
        var stateNote: String
        var place: String
        var department: String?
        var reportedAt: String
        var dueAt: String?
        /// What was reported (public for problems of public space, as Open311 shows it).
        var description: String?
        /// For the holder of the code only: their contact as every answer masks it.
        var contact: String?
        /// How many photos came with it; `nil` for none.
        var photos: Int?
        var steps: [Step]
        /// The holder's code, carried in the rating form; `nil` on the public view.
        var code: String?
        var canRate: Bool
        var thanks = false
    }

    struct Failure {
        var message: String
        var detail: String?

        init(_ message: String, detail: String? = nil) {
            self.message = message
            self.detail = detail
        }

        /// A problem in the resident's language: its field named in words, the English detail kept.
        init(_ problem: Problem, _ language: Language) {
            let text = language.text
            let field = problem.detail.prefix { $0 != ":" && $0 != "[" }
            switch problem.status {
            case .tooManyRequests: self.init(text.tooMany, detail: problem.detail)
            case .forbidden where field == "token": self.init(text.expired)
            case .notFound: self.init(text.notFound)
            case .conflict: self.init(text.notNow, detail: problem.detail)
            case .serviceUnavailable: self.init(text.unavailable)
            default:
                // `attributes.CODE` reads as its group; `contact.phone` as itself.
                let label = text.fields[String(field)] ?? text.fields[String(field.prefix { $0 != "." })]
                self.init(label.map { text.checkField + $0 } ?? text.notSent, detail: problem.detail)
            }
        }
    }

    private func reportFormModel(_ entered: ReportForm.Entered, _ language: Language) async throws -> ReportForm {
        let city = try city()
        let catalog = try await api.cases.current(city: city) { !$0.classes.isEmpty }
        let reportable = catalog.classes.values.filter(\.isReportable)
        let groups = Dictionary(grouping: reportable) { $0.parentCode ?? $0.code }
        return ReportForm(
            groups: groups.keys.sorted().map { parent in
                let name = catalog.className(parent, in: language)
                let category = catalog.classes[parent].map { language.text.category($0.category) } ?? ""
                return ReportForm.Group(
                    label: category.isEmpty ? name : "\(category) · \(name)",
                    options: groups[parent]!.sorted { $0.code < $1.code }.map {
                        ReportForm.Option(code: $0.code, name: $0.name(in: language), selected: $0.code == entered.classCode)
                    }
                )
            },
            questions: reportable.filter { !$0.attributes.isEmpty }.sorted { $0.code < $1.code }.map { caseClass in
                ReportForm.Questions(
                    classCode: caseClass.code,
                    chosen: caseClass.code == entered.classCode,
                    items: caseClass.attributes.map { attribute in
                        let given = caseClass.code == entered.classCode ? entered.answers[attribute.code] ?? [] : []
                        return ReportForm.Question(
                            field: "attr.\(caseClass.code).\(attribute.code)",
                            question: attribute.question(in: language),
                            required: attribute.required,
                            isSingle: attribute.kind == .singleValueList,
                            isMultiple: attribute.kind == .multiValueList,
                            isLongText: attribute.kind == .text,
                            isLine: !attribute.kind.isList && attribute.kind != .text,
                            inputMode: attribute.kind == .number ? "decimal" : "text",
                            placeholder: attribute.kind == .datetime ? "2026-11-27T09:30:00+08:00" : "",
                            value: given.first ?? "",
                            choices: attribute.choices.map {
                                ReportForm.Option(code: $0.key, name: $0.name(in: language), selected: given.contains($0.key))
                            }
                        )
                    }
                )
            },
            entered: entered,
            map: map
        )
    }

    private func progress(_ number: Int64, caller: Caller, code: String, _ language: Language) async throws -> Progress {
        let (_, _, record) = try await api.visibleCase(number, caller: caller)
        return try await progressModel(record, holder: code, language)
    }

    private func progressModel(_ record: CaseRecord, holder code: String?, _ language: Language) async throws -> Progress {
        let catalog = api.cases.current
        let text = language.text
        let tree = try api.currentTree()
        // Town, then village (the path runs from the area up).
        let place = tree.path(code: record.areaCode).filter { [.town, .village].contains($0.level) }.reversed().map(\.name).joined(separator: " · ")
        let steps: [Progress.Step] = try await api.store.caseLog(caseID: record.id).compactMap { entry in
            let event = entry.event
            let note: String
            switch CaseAction(rawValue: event.action) {
            case .supervise?: note = text.supervisedNote
            case .rate?:
                // The rating is the resident's to see; anyone else reads that the call was made.
                note =
                    code == nil
                    ? language.statusNote(event.to)
                    : text.rated(solved: event.fields.solved ?? false, satisfied: event.fields.satisfied ?? false)
            case .assign?, .assist?: return nil
            default: note = language.statusNote(event.to)
            }
            return Progress.Step(at: Self.localTime(event.at), note: note)
        }
        return Progress(
            number: record.id,
            className: catalog.className(record.classCode, in: language),
            stateNote: language.statusNote(record.state),
            place: place,
            department: record.leadDepartment.map { catalog.departmentName($0, in: language) },
            reportedAt: Self.localTime(record.reportedAt),
            dueAt: record.state.isFinished ? nil : record.dueAt.map(Self.localTime),
            description: record.description,
            contact: code == nil ? nil : record.maskedContact.map { [$0.name, $0.phone].compactMap { $0 }.joined(separator: " ") },
            photos: record.photos.isEmpty ? nil : record.photos.count,
            steps: steps,
            code: code,
            canRate: code != nil && CaseLifecycle.allowedActions(in: record.state).contains(.rate)
        )
    }

    // MARK: Helpers

    private func city() throws -> String {
        guard let city = api.grids.city else { throw Problem.unavailable("this server holds no city yet") }
        return city
    }

    /// The resident holding a case's follow code, from a form's `number` and `code`.
    private func holder(_ form: Form, _ context: AppRequestContext) throws -> (Caller, Int64, String) {
        guard let number = form["number"].flatMap({ Int64($0.trimmingCharacters(in: .whitespaces)) }), number > 0 else {
            throw Problem.badRequest("number: the case number is a whole number, as the page gave it when the problem was reported")
        }
        guard let code = form["code"], let digest = Self.digest(ofCode: code) else {
            throw Problem.badRequest("code: the follow code has 12 letters and digits, as 7K2M-QX4D-9TRB")
        }
        let actor = Actor.resident(city: try city(), followCodeDigest: digest)
        return (Caller(credential: .resident(actor), address: context.remoteAddress), number, code)
    }

    private static func answer(_ value: String?, _ field: String) throws -> Bool {
        switch value {
        case "yes": return true
        case "no": return false
        default: throw Problem.badRequest("\(field): answer yes or no")
        }
    }

    /// The digest a code is kept and compared by, or `nil` when what was typed cannot be a code.
    static func digest(ofCode typed: String) -> String? {
        FollowCode.normalized(typed).map { hexSHA256(Array($0.utf8)) }
    }

    /// The code of a report: derived under the server's key (HMAC) from the form's idempotency key
    /// and the browser's form cookie, so that the same form sent twice from the same browser gets
    /// the same code, while neither the database (which keeps the idempotency key) nor anyone else
    /// replaying the key can derive it; random without a key.
    private func followCode(for idempotencyKey: String?, browser: String) throws -> String {
        guard let idempotencyKey, !idempotencyKey.isEmpty else {
            var random = SystemRandomNumberGenerator()
            return FollowCode.make(from: (0..<FollowCode.byteCount).map { _ in random.next() })
        }
        let code = try api.keys.cipher().authenticationCode("follow-code\n\(browser)\n\(idempotencyKey)")
        return FollowCode.make(from: Array(code.prefix(FollowCode.byteCount)))
    }

    /// The form token must equal the cookie the page set: a form posted from another site has none.
    private static func checkToken(_ request: Request, _ form: Form) throws {
        guard let cookie = formToken(of: request), let sent = form["token"], Secret.equal(cookie, sent) else { throw expired }
    }

    static let expired = Problem.forbidden("token: the form has expired or came from another site; send it again from this page")

    /// Whether a body may be larger than a form without photos: it says so, or does not say.
    private static func mayBeLarge(_ request: Request) -> Bool {
        request.headers[.contentLength].flatMap { Int($0) }.map { $0 > BodyLimitMiddleware.smallBody } ?? true
    }

    /// The problem a refusal shows on the page: ours, or the store's (a reused idempotency key, a
    /// step that lost a race); anything else is the server's own fault and goes on to its handler.
    private static func problem(_ error: any Error) throws -> Problem {
        switch error {
        case let problem as Problem: return problem
        case StoreError.conflict(let message): return Problem(status: .conflict, kind: "conflict", title: "Conflict", detail: message)
        case StoreError.notFound(let message): return Problem.notFound(message)
        default: throw error
        }
    }

    static func formToken(of request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == formCookie, parts[1].count == 43,
                    parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
                {
                    return String(parts[1])
                }
            }
        }
        return nil
    }

    static func newToken() -> String { Store.randomToken() }

    /// Milliseconds since 1970 as a resident reads them: `2026-11-27 09:30`, in the city's time (UTC+8).
    static func localTime(_ milliseconds: Int64) -> String {
        String(GeoReport.w3c(milliseconds: milliseconds).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    private func render(_ model: Model, status: HTTPResponse.Status = .ok, retryAfter: Int? = nil, setting token: String? = nil) throws -> Response {
        guard let html = library.render(model, withTemplate: "citizen") else { throw Problem.unavailable("the citizens' page template is missing") }
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        if let token { headers[.setCookie] = "\(Self.formCookie)=\(token); Path=/; Max-Age=86400; HttpOnly; Secure; SameSite=Strict" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

extension CitizenPages {
    /// A posted form's fields (an empty value counts as absent) and its photos.
    struct Form {
        /// Every non-empty value of each field, in order (checkboxes send one field several times).
        private var fields: [String: [String]] = [:]
        private var photoParts: [[UInt8]] = []

        /// A field's value (its last, when sent several times).
        subscript(_ name: String) -> String? { fields[name]?.last }

        /// The answers to a class's questions: the fields named `attr.CLASS.CODE`, by code.
        func answers(for classCode: String) -> [String: [String]] {
            let prefix = "attr.\(classCode)."
            var answers: [String: [String]] = [:]
            for (name, values) in fields where name.hasPrefix(prefix) { answers[String(name.dropFirst(prefix.count))] = values }
            return answers
        }

        init(_ request: Request, allowPhotos: Bool) async throws {
            let contentType = request.headers[.contentType] ?? ""
            if contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") {
                let bytes = try await Self.collect(request, upTo: BodyLimitMiddleware.smallBody)
                for (key, value) in URLEncodedForm.pairs(String(buffer: bytes)) where !value.isEmpty { fields[key, default: []].append(value) }
            } else if allowPhotos, let boundary = MultipartForm.boundary(of: contentType) {
                let bytes = try await Self.collect(request, upTo: BodyLimitMiddleware.withPhotos)
                let form: MultipartForm
                do {
                    form = try MultipartForm(parsing: Array(buffer: bytes), boundary: boundary)
                } catch {
                    throw Problem.badRequest(error.description)
                }
                for part in form.parts {
                    if part.name == "photos" {
                        // A file input left empty still sends a part, without a name or bytes.
                        if !part.body.isEmpty || !(part.filename ?? "").isEmpty { photoParts.append(part.body) }
                    } else if part.filename != nil {
                        throw Problem.badRequest("\(part.name): only photos may be files")
                    } else {
                        let value = String(decoding: part.body, as: UTF8.self)
                        if !value.isEmpty { fields[part.name, default: []].append(value) }
                    }
                }
            } else {
                throw Problem(
                    status: .unsupportedMediaType,
                    kind: "unsupported-media-type",
                    title: "Unsupported form",
                    detail: allowPhotos
                        ? "send the form as multipart/form-data or application/x-www-form-urlencoded"
                        : "send the form as application/x-www-form-urlencoded"
                )
            }
        }

        /// The photos, checked; a bad one is a problem naming it.
        func photos() throws -> [Photo] {
            var photos: [Photo] = []
            for bytes in photoParts {
                do {
                    try Photo.add(bytes, to: &photos, part: "photos")
                } catch {
                    throw Problem.badRequest(error.description)
                }
            }
            return photos
        }

        private static func collect(_ request: Request, upTo limit: Int) async throws -> ByteBuffer {
            do {
                return try await request.body.collect(upTo: limit)
            } catch {
                throw Problem(status: .contentTooLarge, kind: "too-large", title: "Too large", detail: "the form may be at most \(limit / 1024) KiB")
            }
        }
    }
}
