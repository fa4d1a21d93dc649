import Foundation
import HTTPTypes
import MinqingCore
import MinqingStore
import OpenAPIRuntime

/// The case loop through the generated API: intake, a case as it stands, its log, and its actions.
/// The rules live in Core (``CaseLifecycle``, ``Policy``); these handlers look up, ask, and write.
extension APIHandler {
    func createCase(_ input: Operations.CreateCase.Input) async throws -> Operations.CreateCase.Output {
        let (body, uploaded) = try await Self.newCase(input.body)
        let caller = Caller.current
        let (outcome, tree, catalog) = try await intake(
            SentReport(
                classCode: body._class,
                description: body.description,
                source: CaseSource(rawValue: body.source.rawValue)!,
                location: GeoPoint(longitude: body.location.lng, latitude: body.location.lat),
                coordinateSystem: CoordinateSystem(input.query.crs),
                contactName: body.contact?.name,
                contactPhone: body.contact?.phone,
                photos: uploaded,
                idempotencyKey: input.headers.idempotencyKey,
                attributes: (body.attributes?.additionalProperties ?? [:]).mapValues { answer in
                    switch answer {
                    case .case1(let text): [text]
                    // Written back as the number it was: 3, not 3.0.
                    case .case2(let number): [JSONValue.number(number).serialized]
                    case .case3(let keys): keys
                    }
                }
            ),
            caller: caller
        )
        let replayed: Operations.CreateCase.Output.Created.Headers.IdempotencyReplayedPayload
        if case .repeated = outcome { replayed = ._true } else { replayed = ._false }
        return .created(
            .init(
                headers: .init(idempotencyReplayed: replayed),
                body: .json(caseBody(outcome.record, caller: caller, tree: tree, catalog: catalog))
            )
        )
    }

    /// A report as a channel received it (the API, Open311, the citizens' page), before any check.
    struct SentReport {
        var classCode: String
        var description: String
        var source: CaseSource
        var location: GeoPoint
        var coordinateSystem: CoordinateSystem
        var contactName: String?
        var contactPhone: String?
        var photos: [Photo]
        var idempotencyKey: String?
        /// The answers to the class's questions as sent, by code (``CaseClassAttribute``).
        var attributes: [String: [String]] = [:]
    }

    /// 上报, for every channel: checks the report, finds its grid and its level, keeps its photos and
    /// writes it through the group-commit writer. Refusals are problems naming the field.
    func intake(_ report: SentReport, caller: Caller) async throws -> (outcome: IntakeOutcome, tree: AreaTree, catalog: CaseCatalog.Contents) {
        var sent = report
        sent.description = CaseIntakeRules.normalizedLines(sent.description)
        let actor = try caller.actor()
        let tree = try currentTree()
        let city = grids.city ?? actor.cityCode
        try caller.requireRole(for: .reportCase, in: city)
        if let problem = CaseIntakeRules.problem(description: sent.description, idempotencyKey: sent.idempotencyKey) {
            throw Problem.badRequest(problem.description)
        }
        let contact: ReporterContact?
        switch ReporterContact.checked(name: sent.contactName, phone: sent.contactPhone) {
        case .success(let checked): contact = checked
        case .failure(let problem): throw Problem.badRequest(problem.description)
        }
        let catalog = try await cases.current(city: city) { $0.classes[sent.classCode] != nil }
        guard let caseClass = catalog.classes[sent.classCode], caseClass.limit != nil else {
            throw Problem.unprocessable("class: \(sent.classCode) is not a case subclass of this city (GET the classes for the list)")
        }
        func retired() -> Problem {
            Problem.unprocessable("class: \(sent.classCode) is retired: it takes no new reports (GET the classes for the list)")
        }
        // A retry of a report made before the class was retired is answered below, as any retry is.
        guard caseClass.isReportable || sent.idempotencyKey != nil else { throw retired() }
        let answers: [String: JSONValue]
        switch CaseClassAttribute.answers(sent.attributes, to: caseClass.attributes) {
        case .success(let checked): answers = checked
        case .failure(let problem): throw Problem.badRequest(problem.description)
        }
        let point = sent.coordinateSystem.toWGS84(sent.location)
        guard let area = tree.locateCode(point) else {
            throw Problem.unprocessable(
                "location: the point \(sent.location.longitude), \(sent.location.latitude) lies outside every area of this city"
            )
        }
        // A new case is its reporter's own: a citizen reports anywhere in the city, for themselves.
        try caller.authorize(
            .reportCase,
            Resource(city: city, area: area, owner: actor.accountID, followCodeDigest: actor.followCodeDigest),
            areas: tree
        )
        // Without a department for the class here, the town answers (属地兜底).
        let routed = catalog.routes.department(for: caseClass, at: area, in: tree)
        var report = CaseReport(
            cityCode: city,
            classCode: caseClass.code,
            source: sent.source,
            areaCode: area,
            areasAbove: tree.areasAbove(code: area),
            level: routed == nil ? .town : CaseIntakeRules.level(of: caseClass),
            longitude: point.longitude,
            latitude: point.latitude,
            description: sent.description.trimmingCharacters(in: .whitespacesAndNewlines),
            reporter: actor.username,
            reporterAccountID: actor.accountID,
            contact: contact,
            followCodeDigest: actor.followCodeDigest,
            idempotencyKey: sent.idempotencyKey,
            address: caller.address,
            photos: sent.photos.map(PhotoFiles.id(of:)),
            attributes: answers
        )
        let cipher = contact == nil ? nil : try keys.cipher()
        report.contactDigest = contact.flatMap { contact in cipher?.digest(contact.json.serialized) }
        guard caseClass.isReportable else {
            // Nothing kept, nothing counted: the answer is the case the key opened, or the refusal.
            guard let earlier = try await store.caseReported(before: report), earlier.cityCode == city else { throw retired() }
            return (.repeated(earlier), tree, catalog)
        }
        // Residents are rate limited once their report passed every check: signed in, per account;
        // without an account, per address. Staff reporting at work never are, nor are integrations,
        // whose API keys an administrator issued. A retry answered with the first case gives its
        // token back (below).
        let refund: (() -> Void)?
        switch caller.credential {
        case .session where actor.grants.allSatisfy({ $0.role == .citizen }):
            let key = "citizen:\(actor.username)"
            if let wait = citizenIntake.take(key: key) {
                throw Problem.rateLimited(
                    "Too many reports",
                    "a resident's account sends a few reports at once, then one every few minutes",
                    wait: wait
                )
            }
            refund = { citizenIntake.refund(key: key) }
        case .resident:
            if let wait = publicIntake.take(caller.address) {
                throw Problem.rateLimited("Too many reports", "one address sends a few reports at once, then one every minute or so", wait: wait)
            }
            refund = { publicIntake.refund(caller.address) }
        default:
            refund = nil
        }
        // Kept (synced) before the report commits, so that a committed case never names a missing photo.
        for photo in sent.photos { _ = try photos.keep(photo) }
        let outcome = try await store.report(report, cipher: cipher)
        if case .repeated = outcome { refund?() }
        return (outcome, tree, catalog)
    }

    /// The report and its photos, checked: JSON alone, or multipart with a `case` part (JSON) and up
    /// to six `photos` parts. Nothing is kept yet.
    private static func newCase(_ body: Operations.CreateCase.Input.Body) async throws -> (Components.Schemas.NewCase, [Photo]) {
        switch body {
        case .json(let report):
            return (report, [])
        case .multipartForm(let parts):
            let read: (report: Components.Schemas.NewCase?, photos: [Photo])
            do {
                read = try await Self.parts(parts)
            } catch let problem as Problem {
                throw problem
            } catch {
                // The runtime's own checks: a missing or repeated case part, a case part that is not a report.
                throw Problem.badRequest("case: a multipart report needs one case part, a report in JSON (\(error))")
            }
            guard let report = read.report else { throw Problem.badRequest("case: a multipart report needs one case part, a report in JSON") }
            return (report, read.photos)
        }
    }

    private static func parts(
        _ parts: MultipartBody<Operations.CreateCase.Input.Body.MultipartFormPayload>
    ) async throws -> (report: Components.Schemas.NewCase?, photos: [Photo]) {
        var report: Components.Schemas.NewCase?
        var photos: [Photo] = []
        for try await part in parts {
            switch part {
            case ._case(let part):
                guard report == nil else { throw Problem.badRequest("case: send one case part") }
                report = part.payload.body
            case .photos(let part):
                let bytes: [UInt8]
                do {
                    bytes = try await [UInt8](collecting: part.payload.body, upTo: Photo.maximumBytes)
                } catch {
                    throw Problem.badRequest("photos[\(photos.count)]: a photo may be at most \(Photo.maximumBytes / 1024 / 1024) MiB")
                }
                do {
                    try Photo.add(bytes, to: &photos, part: "photos")
                } catch {
                    throw Problem.badRequest(error.description)
                }
            case .undocumented(let part):
                throw Problem.badRequest("\(part.name ?? "a part without a name"): the parts are case (JSON) and photos")
            }
        }
        return (report, photos)
    }

    /// 现场照片 of a case, for those who may read the case: a photo of another case is not found here,
    /// even to someone who knows its hash.
    func getCasePhoto(_ input: Operations.GetCasePhoto.Input) async throws -> Operations.GetCasePhoto.Output {
        let (_, _, _, record) = try await visibleCase(input.path.id)
        guard record.photos.contains(input.path.photo), let (kind, bytes) = photos.read(input.path.photo) else {
            throw Problem.notFound("case \(record.id) has no photo \(input.path.photo)")
        }
        let body = HTTPBody(bytes)
        return .ok(.init(body: kind == .jpeg ? .jpeg(body) : .png(body)))
    }

    /// 报告人联系方式 in full, for the return call: a role that may read personal data in full (never
    /// a department), a stated purpose, and an audit entry saying who read it and why.
    func getCaseContact(_ input: Operations.GetCaseContact.Input) async throws -> Operations.GetCaseContact.Output {
        let (caller, actor, tree, record) = try await visibleCase(input.path.id)
        guard let purpose = try Self.statedPurpose(input.query.purpose) else {
            throw Problem.badRequest("purpose: say why the contact is needed in full (for example 回访, the return call)")
        }
        try caller.authorize(
            .readPersonInFull,
            Resource(city: record.cityCode, area: record.areaCode),
            purpose: purpose,
            areas: tree,
            notFound: "no case has the id \(record.id)"
        )
        guard let contact = try await store.reporterContact(city: record.cityCode, caseID: record.id, cipher: try keys.cipher()) else {
            throw Problem.notFound("case \(record.id) was reported without a contact")
        }
        try await store.recordPersonalDataRead(
            AuditRecord(
                at: store.nowMilliseconds,
                cityCode: record.cityCode,
                actor: actor.username,
                action: "cases.read_contact",
                target: CaseRecord.auditTarget(record.id),
                areaCode: record.areaCode,
                purpose: purpose,
                address: caller.address,
                detail: "reporter contact"
            ),
            persons: []
        )
        return .ok(.init(body: .json(.init(name: contact.name, phone: contact.phone))))
    }

    func getCase(_ input: Operations.GetCase.Input) async throws -> Operations.GetCase.Output {
        let (caller, _, tree, record) = try await visibleCase(input.path.id)
        return .ok(.init(body: .json(caseBody(record, caller: caller, tree: tree, catalog: cases.current))))
    }

    func getCaseHistory(_ input: Operations.GetCaseHistory.Input) async throws -> Operations.GetCaseHistory.Output {
        _ = try await visibleCase(input.path.id)
        let log = try await store.caseLog(caseID: input.path.id)
        return .ok(
            .init(
                body: .json(
                    try log.map { entry in
                        .init(
                            seq: entry.event.sequence,
                            at: Date(milliseconds: entry.event.at),
                            actor: entry.event.actor,
                            action: entry.event.action,
                            from: entry.event.from.map { .init(rawValue: $0.rawValue)! },
                            to: .init(rawValue: entry.event.to.rawValue)!,
                            fields: .init(additionalProperties: try .init(unvalidatedValue: entry.event.fields.json.openAPIObject)),
                            previousHash: entry.previousHash,
                            hash: entry.hash
                        )
                    }
                )
            )
        )
    }

    /// The scheduler's notices for the caller: to their department, or to the command centers of
    /// their area subtree.
    func listNotices(_ input: Operations.ListNotices.Input) async throws -> Operations.ListNotices.Output {
        let caller = Caller.current
        let actor = try caller.actor()
        let tree = try currentTree()
        let city = grids.city ?? actor.cityCode
        try caller.requireRole(for: .readCase, in: city)
        let limit = input.query.limit ?? 100
        var found: [StoredCaseNotice] = []
        var receives = false
        /// The area subtree a grant covers: `nil` for the whole city; an area no longer in the tree covers nothing.
        func scope(_ grant: Grant) -> [String]?? {
            guard let code = grant.areaCode else { return .some(nil) }
            let path = tree.path(code: code)
            if path.isEmpty { return nil }
            return .some(path.count == 1 ? nil : tree.subtreeCodes(code: code))
        }
        for grant in actor.grants {
            switch grant.role {
            case .departmentHandler, .departmentHead:
                guard let department = grant.departmentCode, let areas = scope(grant) else { continue }
                receives = true
                found += try await store.caseNotices(
                    city: city,
                    to: .department(department, areas: areas),
                    before: input.query.before,
                    limit: limit
                )
            case .commandCenter:
                receives = true
                guard let areas = scope(grant) else { continue }
                found += try await store.caseNotices(city: city, to: .commandCenters(areas: areas), before: input.query.before, limit: limit)
            default:
                continue
            }
        }
        guard receives else { throw Problem.forbidden("notices go to departments and command centers; \(actor.username) is neither") }
        let notices = Set(found).sorted { $0.id > $1.id }.prefix(limit)
        return .ok(
            .init(
                body: .json(
                    notices.map { stored in
                        .init(
                            id: stored.id,
                            _case: stored.caseID,
                            kind: .init(rawValue: stored.notice.kind.rawValue)!,
                            department: stored.notice.departmentCode,
                            area: stored.notice.areaCode,
                            message: stored.notice.message,
                            createdAt: Date(milliseconds: stored.createdAt)
                        )
                    }
                )
            )
        )
    }

    func getCaseDuplicates(_ input: Operations.GetCaseDuplicates.Input) async throws -> Operations.GetCaseDuplicates.Output {
        let (caller, _, tree, record) = try await visibleCase(input.path.id)
        let point = GeoPoint(longitude: record.longitude, latitude: record.latitude)
        let nearby = try await store.nearbyCases(
            city: record.cityCode,
            classCode: record.classCode,
            around: point,
            since: record.reportedAt - Int64(CaseProximity.duplicateDays) * 86_400_000
        )
        let ids = CaseProximity.duplicates(of: point, at: record.reportedAt, among: nearby.filter { $0.id != record.id })
        let catalog = cases.current
        var found: [Components.Schemas.Case] = []
        for id in ids {
            guard let candidate = try await store.caseRecord(city: record.cityCode, id: id),
                Self.resources(of: candidate, for: nil).contains(where: { caller.authorizes(.readCase, $0, areas: tree) })
            else { continue }
            found.append(caseBody(candidate, caller: caller, tree: tree, catalog: catalog))
        }
        return .ok(.init(body: .json(found)))
    }

    func actOnCase(_ input: Operations.ActOnCase.Input) async throws -> Operations.ActOnCase.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        let fields = CaseActionFields(
            reason: body.reason,
            evidence: body.evidence ?? [],
            result: body.result,
            mergedInto: body.mergedInto,
            referral: body.referral,
            leadDepartment: body.leadDepartment,
            coDepartments: body.coDepartments ?? [],
            section: body.section,
            solved: body.solved,
            satisfied: body.satisfied,
            extensionDays: body.extensionDays
        )
        let caller = Caller.current
        let (record, tree, catalog) = try await act(CaseAction(rawValue: body.action.rawValue)!, fields: fields, on: input.path.id, caller: caller)
        return .ok(.init(body: .json(caseBody(record, caller: caller, tree: tree, catalog: catalog))))
    }

    /// Takes one step of the loop on a case, for every channel (the API, the citizens' page): the
    /// lifecycle's rules, then the policy, against the case as locked for the step.
    func act(
        _ action: CaseAction,
        fields sent: CaseActionFields,
        on id: Int64,
        caller: Caller
    ) async throws -> (record: CaseRecord, tree: AreaTree, catalog: CaseCatalog.Contents) {
        let (actor, tree, record) = try await visibleCase(id, caller: caller)
        let city = record.cityCode
        var fields = sent
        let named = [fields.leadDepartment, fields.section].compactMap { $0 } + fields.coDepartments
        let catalog = try await cases.current(city: city) { contents in
            contents.classes[record.classCode] != nil && named.allSatisfy { contents.departments[$0] != nil }
        }
        if action == .dispatch, fields.leadDepartment == nil, let caseClass = catalog.classes[record.classCode] {
            fields.leadDepartment = catalog.routes.department(for: caseClass, at: record.areaCode, in: tree)
        }
        for (field, code) in [("lead_department", fields.leadDepartment)] + fields.coDepartments.map({ ("co_departments", Optional($0)) }) {
            guard let code else { continue }
            guard let department = catalog.departments[code] else {
                throw Problem.badRequest("\(field): no department has the code \(code)")
            }
            // 多级派遣: the center dispatches to departments; a department assigns its sections.
            if let parent = department.parentCode {
                throw Problem.badRequest("\(field): \(code) is a section of \(parent); dispatch to \(parent), which assigns it")
            }
        }
        if action == .assign, let section = fields.section, catalog.departments[section] == nil {
            throw Problem.badRequest("section: no department has the code \(section)")
        }
        if let target = fields.mergedInto, action == .merge, try await store.caseRecord(city: city, id: target) == nil {
            throw Problem.badRequest("merged_into: no case has the id \(target)")
        }
        let caseClass = catalog.classes[record.classCode]
        let calendar = cases.calendar
        let given = fields
        let step = try await store.act(city: city, caseID: record.id, address: caller.address) { current, now in
            let role = Self.grant(of: actor, for: action, on: current, tree: tree)?.role ?? Self.role(of: actor, for: action)
            // Against the case as locked for this step: the lead may have changed since it was read.
            if action == .assign, let section = given.section, CaseLifecycle.allowedActions(in: current.state).contains(.assign),
                catalog.departments[section]?.parentCode != current.leadDepartment
            {
                throw Problem.badRequest("section: \(section) is not a section of the lead department \(current.leadDepartment ?? "(none)")")
            }
            let taken = CaseLifecycle.take(
                action,
                on: current,
                by: role,
                actor: actor.username,
                fields: given,
                at: now,
                calendar: calendar,
                limit: caseClass?.limit,
                verifyLimit: caseClass?.verifyLimit ?? CaseLifecycle.verifyLimit
            )
            switch taken {
            case .failure(let refusal):
                throw Problem(refusal, action: action)
            case .success(let step):
                try Self.authorize(caller, CaseLifecycle.permission(action, by: role), for: action, on: current, tree: tree)
                // The role must reach the case itself: a head elsewhere who only handles here may not assign here.
                guard Self.grant(of: actor, for: action, on: current, tree: tree) != nil else {
                    throw Problem.forbidden("\(actor.username) holds no role that may \(action.rawValue) this case")
                }
                return (step, CaseTimers.plan(from: current, to: step.record, caseClass: caseClass, calendar: calendar, at: now))
            }
        }
        return (step.record, tree, catalog)
    }

    /// A case the caller may read, or 404 worded alike for "none" and "not yours to see".
    private func visibleCase(_ id: Int64) async throws -> (caller: Caller, actor: Actor, tree: AreaTree, record: CaseRecord) {
        let caller = Caller.current
        let (actor, tree, record) = try await visibleCase(id, caller: caller)
        return (caller, actor, tree, record)
    }

    /// The same for any caller (the citizens' page has no task-local caller).
    func visibleCase(_ id: Int64, caller: Caller) async throws -> (actor: Actor, tree: AreaTree, record: CaseRecord) {
        let actor = try caller.actor()
        let tree = try currentTree()
        let city = grids.city ?? actor.cityCode
        try caller.requireRole(for: .readCase, in: city)
        guard let record = try await store.caseRecord(city: city, id: id) else { throw Problem.notFound("no case has the id \(id)") }
        try Self.authorize(caller, .readCase, for: nil, on: record, tree: tree)
        return (actor, tree, record)
    }

    /// The policy over a case: its area, and any of its departments that may take the case action
    /// (``CaseLifecycle/departments(for:on:)``; `nil` to read it).
    private static func authorize(_ caller: Caller, _ permission: Action, for action: CaseAction?, on record: CaseRecord, tree: AreaTree) throws {
        let resources = Self.resources(of: record, for: action)
        if resources.contains(where: { caller.authorizes(permission, $0, areas: tree) }) { return }
        try caller.authorize(permission, resources[0], areas: tree, notFound: "no case has the id \(record.id)")
    }

    /// What the policy sees of a case: its area and owner, once per department that may take the
    /// action (none: once without a department, which only area roles reach).
    private static func resources(of record: CaseRecord, for action: CaseAction?) -> [Resource] {
        let departments = CaseLifecycle.departments(for: action, on: record)
        return (departments.isEmpty ? [nil] : departments.map(Optional.some)).map {
            Resource(
                city: record.cityCode,
                area: record.areaCode,
                department: $0,
                owner: record.reporterAccountID,
                followCodeDigest: record.followCodeDigest
            )
        }
    }

    /// The grant in which the actor may take an action on a case: one whose role the loop allows for
    /// the action and whose scope reaches the case's departments for it.
    private static func grant(of actor: Actor, for action: CaseAction, on record: CaseRecord, tree: AreaTree) -> Grant? {
        actor.grants.first { grant in
            guard CaseLifecycle.roles(for: action).contains(grant.role) else { return false }
            var single = actor
            single.grants = [grant]
            let permission = CaseLifecycle.permission(action, by: grant.role)
            return Self.resources(of: record, for: action).contains { Policy.decide(single, permission, $0, purpose: "-", areas: tree).isAllowed }
        }
    }

    /// The role the actor takes an action in: one the loop allows for it, else any (to be refused by name).
    private static func role(of actor: Actor, for action: CaseAction) -> Role {
        let allowed = CaseLifecycle.roles(for: action)
        return actor.grants.first { allowed.contains($0.role) }?.role ?? actor.grants.first?.role ?? .citizen
    }

    private func caseBody(_ record: CaseRecord, caller: Caller, tree: AreaTree, catalog: CaseCatalog.Contents) -> Components.Schemas.Case {
        let now = store.nowMilliseconds
        let actor = try? caller.actor()
        let allowed = CaseLifecycle.allowedActions(in: record.state).filter { action in
            guard let actor else { return false }
            return Self.grant(of: actor, for: action, on: record, tree: tree) != nil
        }
        let light = record.light(at: now, calendar: cases.calendar, limit: catalog.classes[record.classCode]?.stageLimit(in: record.state))
        return .init(
            id: record.id,
            _class: record.classCode,
            state: .init(rawValue: record.state.rawValue)!,
            source: .init(rawValue: record.source.rawValue)!,
            area: record.areaCode,
            level: .init(record.level),
            location: .init(lng: record.longitude, lat: record.latitude),
            description: record.description,
            reporter: record.reporter,
            contact: record.maskedContact.map { .init(name: $0.name, phone: $0.phone) },
            leadDepartment: record.leadDepartment,
            coDepartments: record.coDepartments,
            section: record.section,
            photos: record.photos,
            attributes: record.attributes.isEmpty ? nil : .init(additionalProperties: record.attributes.compactMapValues(Self.answerBody)),
            mergedInto: record.mergedInto,
            linkedTo: record.linkedTo,
            reportedAt: Date(milliseconds: record.reportedAt),
            updatedAt: Date(milliseconds: record.updatedAt),
            dispatchedAt: record.dispatchedAt.map(Date.init(milliseconds:)),
            dueAt: record.dueAt.map(Date.init(milliseconds:)),
            closedAt: record.closedAt.map(Date.init(milliseconds:)),
            light: light.map { .init(rawValue: $0.rawValue)! },
            allowedActions: allowed.map { .init(rawValue: $0.rawValue)! }
        )
    }
}

extension APIHandler {
    /// An answer as the contract writes it: text, a number, or the keys chosen.
    fileprivate static func answerBody(_ value: JSONValue) -> Components.Schemas.CaseAnswers.AdditionalPropertiesPayload? {
        switch value {
        case .string(let text): .case1(text)
        case .number(let number): .case2(number)
        case .array(let items): .case3(items.compactMap(\.string))
        default: nil
        }
    }
}

extension Problem {
    static func unprocessable(_ detail: String) -> Problem {
        Problem(status: .unprocessableContent, kind: "unprocessable", title: "The request cannot be carried out", detail: detail)
    }

    /// A refused case action: 409 naming the state and what it allows, 403 for the wrong role, 400 naming a field.
    init(_ refusal: CaseActionRefusal, action: CaseAction) {
        switch refusal {
        case .notNow(let state, let allowed):
            self.init(
                status: .conflict,
                kind: "case-state",
                title: "Not allowed in this state",
                detail: "a case that is \(state.rawValue) cannot \(action.rawValue); allowed now: "
                    + (allowed.isEmpty ? "nothing" : allowed.map(\.rawValue).joined(separator: ", ")),
                state: state.rawValue,
                allowedActions: allowed.map(\.rawValue)
            )
        case .wrongRole(let role, let roles):
            self = .forbidden("a \(role.rawValue) may not \(action.rawValue); it is for: \(roles.map(\.rawValue).joined(separator: ", "))")
        case .missingField(let field):
            self = .badRequest("\(field): \(action.rawValue) needs it")
        case .invalidField(let field, let message):
            self = .badRequest("\(field): \(message)")
        }
    }
}

extension Date {
    init(milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000) }
}

extension JSONValue {
    /// An object's members as the OpenAPI runtime's free-form containers take them.
    var openAPIObject: [String: (any Sendable)?] {
        guard case .object(let members) = self else { return [:] }
        return members.mapValues(\.openAPIValue)
    }

    private var openAPIValue: (any Sendable)? {
        switch self {
        case .null: nil
        case .bool(let flag): flag
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? Int(number) : number
        case .string(let text): text
        case .array(let items): items.map(\.openAPIValue)
        case .object: openAPIObject
        }
    }
}
