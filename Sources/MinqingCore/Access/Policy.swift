import Foundation

/// A role held over a scope (授权): an area subtree, a department, or both.
public struct Grant: Hashable, Sendable, Codable {
    public var role: Role
    /// The area whose subtree the grant covers; `nil` is the whole city.
    public var areaCode: String?
    /// The department the grant covers, for department roles.
    public var departmentCode: String?

    public init(_ role: Role, area: String? = nil, department: String? = nil) {
        self.role = role
        areaCode = area
        departmentCode = department
    }
}

/// Who is acting: an account with its grants, in one city, signed in or through an API key; or a
/// resident without an account, known only by a case's follow code.
public struct Actor: Hashable, Sendable {
    public var accountID: Int64?
    public var username: String
    public var cityCode: String
    public var grants: [Grant]
    /// The scopes of the API key acting for the account; `nil` for a person signed in, who acts
    /// with everything their grants allow.
    public var keyScopes: Set<APIKeyScope>?
    /// The digest of the follow code (``FollowCode``) a resident without an account holds: they own
    /// the case reported with it, and nothing else.
    public var followCodeDigest: String?

    public init(
        accountID: Int64?,
        username: String,
        cityCode: String,
        grants: [Grant],
        keyScopes: Set<APIKeyScope>? = nil,
        followCodeDigest: String? = nil
    ) {
        self.accountID = accountID
        self.username = username
        self.cityCode = cityCode
        self.grants = grants
        self.keyScopes = keyScopes
        self.followCodeDigest = followCodeDigest
    }

    /// 群众: a resident on the citizens' page, without an account, holding the follow code whose
    /// digest is given: their reports are theirs through it alone.
    public static func resident(city: String, followCodeDigest: String) -> Actor {
        Actor(accountID: nil, username: residentUsername, cityCode: city, grants: [Grant(.citizen)], followCodeDigest: followCodeDigest)
    }

    /// The name the case log and the audit log give a resident without an account.
    public static let residentUsername = "public"
}

/// Everything the policy decides about. Names are stable: they appear in the audit log.
public enum Action: String, CaseIterable, Sendable, Codable {
    case readAreas = "areas.read"
    case importGrids = "grids.import"
    case manageAccounts = "accounts.manage"
    case manageAPIKeys = "api_keys.manage"
    /// Case classes with their limits, departments and their sections, and the routes of classes to
    /// departments.
    case manageCaseCatalog = "case_catalog.manage"
    case reportCase = "cases.report"
    case readCase = "cases.read"
    case dispatchCase = "cases.dispatch"
    case handleCase = "cases.handle"
    case verifyCase = "cases.verify"
    case superviseCase = "cases.supervise"
    /// Personal data, masked (`4415**********1234`).
    case readPerson = "persons.read"
    /// Personal data in full: only with a stated purpose, and always logged.
    case readPersonInFull = "persons.read_full"
    case writePerson = "persons.write"
    /// Who read a resident's data and why: for auditors, and for the resident (their own record).
    case readPersonalDataReads = "persons.read_reads"
    case recordVisit = "visits.record"
    case manageConsultation = "consultation.manage"
    case manageServices = "services.manage"
    case readMeasures = "measures.read"
    case exportData = "data.export"
    case readAuditLog = "audit.read"

    /// Reads answer "not found" when denied for scope, so that a record's existence is not revealed.
    public var isRead: Bool {
        [.readAreas, .readCase, .readPerson, .readPersonInFull, .readPersonalDataReads, .readMeasures, .readAuditLog].contains(self)
    }
}

/// What an action is about: where it is anchored, which department holds it, whose it is.
public struct Resource: Hashable, Sendable {
    public var cityCode: String
    public var areaCode: String?
    public var departmentCode: String?
    public var ownerAccountID: Int64?
    /// For a case reported without an account: the digest of its follow code, whose holder owns it.
    public var followCodeDigest: String?

    public init(city: String, area: String? = nil, department: String? = nil, owner: Int64? = nil, followCodeDigest: String? = nil) {
        cityCode = city
        areaCode = area
        departmentCode = department
        ownerAccountID = owner
        self.followCodeDigest = followCodeDigest
    }
}

/// The policy's answer, with the reason for a refusal.
public enum Decision: Hashable, Sendable {
    case allow
    case deny(Refusal)

    public enum Refusal: String, Hashable, Sendable {
        /// None of the actor's roles may take this action anywhere.
        case noRole = "no_role"
        /// A role may, but not in this resource's city.
        case otherCity = "other_city"
        /// A role may, but not outside its area.
        case outsideArea = "outside_area"
        /// A role may, but not for another department.
        case otherDepartment = "other_department"
        /// A role may, but only over the actor's own records.
        case notOwner = "not_owner"
        /// Reading personal data in full needs a stated purpose.
        case purposeRequired = "purpose_required"
        /// The account may, but the API key acting for it was not issued for this.
        case keyScope = "key_scope"
    }

    public var isAllowed: Bool { self == .allow }
}

/// Whether one area lies within another's subtree; the area tree answers it.
public protocol AreaAncestry: Sendable {
    func isWithin(_ area: String, _ ancestor: String) -> Bool
}

extension AreaTree: AreaAncestry {}

/// The one policy every route, page and command asks (least privilege, DOMAIN.md §4): a pure
/// function of the actor, the action, the resource and the stated purpose.
public enum Policy {
    /// How a role's scope is read.
    enum Reach {
        /// The grant's area subtree (the whole city when the grant names none).
        case area
        /// The grant's department.
        case department
        /// The whole city.
        case city
        /// Only records the actor owns.
        case own
    }

    static func reach(of role: Role) -> Reach {
        switch role {
        case .commandCenter, .gridWorker, .official, .leader: .area
        case .departmentHandler, .departmentHead: .department
        case .systemAdmin, .consultationOffice, .servicesOfficer, .auditor: .city
        case .citizen: .own
        }
    }

    /// What each role may do, before scope.
    public static func actions(of role: Role) -> Set<Action> { actionTable[role]! }

    private static let actionTable = Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0, listedActions(of: $0)) })

    private static func listedActions(of role: Role) -> Set<Action> {
        switch role {
        case .systemAdmin: [.readAreas, .importGrids, .manageAccounts, .manageAPIKeys, .manageCaseCatalog, .readMeasures]
        case .commandCenter:
            [
                .readAreas, .reportCase, .readCase, .dispatchCase, .verifyCase, .superviseCase, .readPerson, .readPersonInFull, .readMeasures,
                .exportData,
            ]
        case .departmentHandler: [.readAreas, .readCase, .handleCase, .readPerson]
        case .departmentHead: [.readAreas, .readCase, .handleCase, .readPerson, .readMeasures, .exportData]
        case .gridWorker: [.readAreas, .reportCase, .readCase, .verifyCase, .readPerson, .writePerson, .recordVisit]
        case .official: [.readAreas, .reportCase, .readCase, .readPerson, .recordVisit]
        case .leader: [.readAreas, .readMeasures]
        case .consultationOffice: [.readAreas, .manageConsultation]
        case .servicesOfficer: [.readAreas, .manageServices]
        case .auditor: [.readAreas, .readAuditLog, .readPersonalDataReads]
        case .citizen: [.reportCase, .readCase, .readPersonalDataReads]
        }
    }

    public static func decide(_ actor: Actor, _ action: Action, _ resource: Resource, purpose: String? = nil, areas: any AreaAncestry) -> Decision {
        let holding = actor.grants.filter { actions(of: $0.role).contains(action) }
        guard !holding.isEmpty else { return .deny(.noRole) }
        // A key never does more than its account may, and only what it was issued for.
        if let scopes = actor.keyScopes, !scopes.contains(where: { $0.covers(action) }) { return .deny(.keyScope) }
        guard actor.cityCode == resource.cityCode else { return .deny(.otherCity) }
        // The grid tree holds no personal data: whoever may read it reads all of it.
        if action == .readAreas { return .allow }
        var refusal = Decision.Refusal.noRole
        for grant in holding {
            if let reason = scopeRefusal(grant, actor, resource, areas) {
                refusal = reason
                continue
            }
            if action == .readPersonInFull, (purpose ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return .deny(.purposeRequired)
            }
            return .allow
        }
        return .deny(refusal)
    }

    private static func scopeRefusal(_ grant: Grant, _ actor: Actor, _ resource: Resource, _ areas: any AreaAncestry) -> Decision.Refusal? {
        func withinArea() -> Bool {
            // Grid workers and officials always work in an area; a grant without one reaches nothing.
            guard let scope = grant.areaCode else { return ![.gridWorker, .official].contains(grant.role) }
            guard let area = resource.areaCode else { return false }
            return areas.isWithin(area, scope)
        }
        switch reach(of: grant.role) {
        case .city:
            return nil
        case .area:
            return withinArea() ? nil : .outsideArea
        case .department:
            guard let department = grant.departmentCode, department == resource.departmentCode else { return .otherDepartment }
            return withinArea() ? nil : .outsideArea
        case .own:
            if let owner = resource.ownerAccountID, owner == actor.accountID { return nil }
            // 查询码: the holder of a case's follow code owns that case, and an account never does.
            if let held = actor.followCodeDigest, let digest = resource.followCodeDigest, Secret.equal(held, digest) { return nil }
            return .notOwner
        }
    }
}
