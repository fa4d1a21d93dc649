import Foundation
import MinqingCore
import MinqingStore
import OpenAPIRuntime

/// Residents' records through the generated API. Identifiers are masked in every answer unless the
/// role may read them in full and a purpose is stated; every read is in the audit log, with the
/// residents it disclosed, so each resident can be shown who read their data.
extension APIHandler {
    func createPerson(_ input: Operations.CreatePerson.Input) async throws -> Operations.CreatePerson.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("send application/json") }
        let caller = Caller.current
        let actor = try caller.actor()
        let tree = try currentTree()
        let city = grids.city ?? actor.cityCode
        try caller.authorize(.writePerson, Resource(city: city, area: body.area), areas: tree)
        if let problem = PersonRules.problem(name: body.name, identityNumber: body.identityNumber, phone: body.phone) {
            throw Problem.badRequest(problem.description)
        }
        let person = try await store.addPerson(
            city: city,
            area: body.area,
            name: body.name,
            identityNumber: body.identityNumber,
            phone: body.phone,
            cipher: try keys.cipher(),
            actor: actor.username,
            address: caller.address
        )
        return .created(.init(body: .json(.init(person.masked, masked: true))))
    }

    func listPersons(_ input: Operations.ListPersons.Input) async throws -> Operations.ListPersons.Output {
        let (actor, city, tree) = try authorizeAreaRead(.readPerson, area: input.query.area)
        // Ranges of page and per_page are checked against openapi.yaml by QueryValidationMiddleware.
        let page = input.query.page ?? 1
        let perPage = input.query.perPage ?? 100
        let (total, persons) = try await store.persons(
            city: city,
            areas: tree.subtreeCodes(code: input.query.area),
            page: page,
            perPage: perPage,
            cipher: try keys.cipher()
        )
        try await recordRead(
            actor,
            city: city,
            action: .readPerson,
            target: "persons?area=\(input.query.area)",
            area: input.query.area,
            persons: persons
        )
        return .ok(.init(body: .json(.init(total: total, page: page, perPage: perPage, items: persons.map { .init($0.masked, masked: true) }))))
    }

    /// A resident of this city by id, with the caller and the tree to check scope against. A caller
    /// whom no scope could help is refused first; then "no such resident" is a 404 worded as a
    /// refusal for scope is, so that neither reveals more than the other.
    private func resident(
        _ id: Int64,
        for action: Action
    ) async throws -> (
        caller: Caller, actor: Actor, city: String, tree: AreaTree, person: Person, notFound: String
    ) {
        let caller = Caller.current
        let actor = try caller.actor()
        let tree = try currentTree()
        let city = grids.city ?? actor.cityCode
        try caller.requireRole(for: action, in: city)
        let notFound = "no resident has the id \(id)"
        guard let person = try await store.person(city: city, id: id, cipher: try keys.cipher()) else { throw Problem.notFound(notFound) }
        return (caller, actor, city, tree, person, notFound)
    }

    func getPerson(_ input: Operations.GetPerson.Input) async throws -> Operations.GetPerson.Output {
        let (caller, actor, city, tree, person, notFound) = try await resident(input.path.id, for: .readPerson)
        let resource = Resource(city: city, area: person.areaCode)
        try caller.authorize(.readPerson, resource, areas: tree, notFound: notFound)
        guard let purpose = try Self.statedPurpose(input.query.purpose) else {
            try await recordRead(
                actor,
                city: city,
                action: .readPerson,
                target: Person.auditTarget(person.id),
                area: person.areaCode,
                persons: [person]
            )
            return .ok(.init(body: .json(.init(person.masked, masked: true))))
        }
        try caller.authorize(.readPersonInFull, resource, purpose: purpose, areas: tree, notFound: notFound)
        try await recordRead(
            actor,
            city: city,
            action: .readPersonInFull,
            target: Person.auditTarget(person.id),
            area: person.areaCode,
            purpose: purpose,
            persons: [person]
        )
        return .ok(.init(body: .json(.init(person, masked: false))))
    }

    func getPersonReads(_ input: Operations.GetPersonReads.Input) async throws -> Operations.GetPersonReads.Output {
        let (caller, _, city, tree, person, notFound) = try await resident(input.path.id, for: .readPersonalDataReads)
        let owner = try await store.accountID(linkedTo: person.id)
        try caller.authorize(.readPersonalDataReads, Resource(city: city, area: person.areaCode, owner: owner), areas: tree, notFound: notFound)
        let reads = try await store.personalDataReads(city: city, person: person.id)
        // Officials' addresses are for auditors; the resident sees who, when and why.
        let auditor = caller.authorizes(.readAuditLog, Resource(city: city), areas: tree)
        return .ok(
            .init(
                body: .json(
                    reads.map { .init(at: $0.at, actor: $0.actor, action: $0.action, purpose: $0.purpose, address: auditor ? $0.address : nil) }
                )
            )
        )
    }

    func exportPersons(_ input: Operations.ExportPersons.Input) async throws -> Operations.ExportPersons.Output {
        let (actor, city, tree) = try authorizeAreaRead(.exportData, area: input.query.area)
        try Caller.current.authorize(
            .readPerson,
            Resource(city: city, area: input.query.area),
            areas: tree,
            notFound: "no area has the code \(input.query.area)"
        )
        let codes = tree.subtreeCodes(code: input.query.area)
        // One query for the whole file: paging by offset would read the subtree again for every page.
        let (_, persons) = try await store.persons(city: city, areas: codes, page: 1, perPage: Int.max, cipher: try keys.cipher())
        let stamp = try await recordRead(
            actor,
            city: city,
            action: .exportData,
            target: "persons?area=\(input.query.area)",
            area: input.query.area,
            persons: persons
        )
        let exported = ISO8601DateFormatter().string(from: stamp)
        var csv = CSV.row(["id", "area", "name", "identity_number", "phone", "exported_by", "exported_at"])
        for person in persons.map(\.masked) {
            csv += CSV.row([
                String(person.id), person.areaCode, person.name, person.identityNumber ?? "", person.phone ?? "", actor.username, exported,
            ])
        }
        return .ok(.init(body: .csv(HTTPBody(csv))))
    }

    /// The caller, allowed to take a read-like action on an area subtree of this city, the city and the tree.
    func authorizeAreaRead(_ action: Action, area: String) throws -> (Actor, String, AreaTree) {
        let caller = Caller.current
        let actor = try caller.actor()
        let tree = try currentTree()
        let city = grids.city ?? actor.cityCode
        let notFound = "no area has the code \(area)"
        guard tree.area(code: area) != nil else { throw Problem.notFound(notFound) }
        try caller.authorize(action, Resource(city: city, area: area), areas: tree, notFound: notFound)
        return (actor, city, tree)
    }

    /// One audit entry for a read of residents' data, and which residents it disclosed; returns its time.
    @discardableResult
    private func recordRead(
        _ actor: Actor,
        city: String,
        action: Action,
        target: String,
        area: String,
        purpose: String? = nil,
        persons: [Person]
    ) async throws -> Date {
        let stamp = store.now()
        try await store.recordPersonalDataRead(
            AuditRecord(
                at: Int64((stamp.timeIntervalSince1970 * 1000).rounded()),
                cityCode: city,
                actor: actor.username,
                action: action.rawValue,
                target: target,
                areaCode: area,
                purpose: purpose,
                address: Caller.current.address,
                detail: "\(persons.count) resident(s)"
            ),
            persons: persons.map(\.id)
        )
        return stamp
    }
}

extension Components.Schemas.Person {
    init(_ person: Person, masked: Bool) {
        self.init(id: person.id, area: person.areaCode, name: person.name, identityNumber: person.identityNumber, phone: person.phone, masked: masked)
    }
}
