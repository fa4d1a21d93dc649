import MinqingCore
import Testing

/// The authorisation matrix: every role × every action, in scope, out of scope, and in another city.
/// The expected table is written out here on its own, so that a change to the policy must be made
/// twice, on purpose.
struct PolicyTests {
    /// city C ⊃ town T1 ⊃ village V1 ⊃ grid G1; town T2 ⊃ grid G9.
    struct Ancestry: AreaAncestry {
        let parent = ["T1": "C", "T2": "C", "V1": "T1", "G1": "V1", "G9": "T2"]
        func isWithin(_ area: String, _ ancestor: String) -> Bool {
            var cursor: String? = area
            while let code = cursor {
                if code == ancestor { return true }
                cursor = parent[code]
            }
            return false
        }
    }

    /// What each role may do to a resource in its scope (purpose stated).
    static let expected: [Role: Set<String>] = [
        .systemAdmin: ["areas.read", "grids.import", "accounts.manage", "api_keys.manage", "case_catalog.manage", "measures.read"],
        .commandCenter: [
            "areas.read", "cases.report", "cases.read", "cases.dispatch", "cases.verify", "cases.supervise", "persons.read",
            "persons.read_full", "measures.read", "data.export",
        ],
        .departmentHandler: ["areas.read", "cases.read", "cases.handle", "persons.read"],
        .departmentHead: ["areas.read", "cases.read", "cases.handle", "persons.read", "measures.read", "data.export"],
        .gridWorker: ["areas.read", "cases.report", "cases.read", "cases.verify", "persons.read", "persons.write", "visits.record"],
        .official: ["areas.read", "cases.report", "cases.read", "persons.read", "visits.record"],
        .leader: ["areas.read", "measures.read"],
        .consultationOffice: ["areas.read", "consultation.manage"],
        .servicesOfficer: ["areas.read", "services.manage"],
        .auditor: ["areas.read", "audit.read", "persons.read_reads"],
        .citizen: ["cases.report", "cases.read", "persons.read_reads"],
    ]

    /// Roles whose scope is the whole city: out of an area or a department means nothing to them.
    static let citywide: Set<Role> = [.systemAdmin, .consultationOffice, .servicesOfficer, .auditor]

    static func actor(_ role: Role) -> Actor {
        let grant: Grant =
            switch role {
            case .departmentHandler, .departmentHead: Grant(role, department: "cgj")
            case .systemAdmin, .consultationOffice, .servicesOfficer, .auditor, .citizen: Grant(role)
            default: Grant(role, area: "T1")
            }
        return Actor(accountID: 7, username: "u", cityCode: "C", grants: [grant])
    }

    static let inScope = Resource(city: "C", area: "G1", department: "cgj", owner: 7)
    static let outOfScope = Resource(city: "C", area: "G9", department: "gaj", owner: 8)
    static let otherCity = Resource(city: "D", area: "G1", department: "cgj", owner: 7)

    @Test(arguments: Role.allCases)
    func decidesEveryActionInAndOutOfScope(_ role: Role) {
        #expect(Set(Self.expected.keys) == Set(Role.allCases))
        let actor = Self.actor(role)
        for action in Action.allCases {
            let allowed = Self.expected[role]!.contains(action.rawValue)
            let inside = Policy.decide(actor, action, Self.inScope, purpose: "核实身份", areas: Ancestry())
            #expect(inside.isAllowed == allowed, "\(role) \(action) in scope: \(inside)")
            let outside = Policy.decide(actor, action, Self.outOfScope, purpose: "核实身份", areas: Ancestry())
            let allowedOutside = allowed && (Self.citywide.contains(role) || action == .readAreas)
            #expect(outside.isAllowed == allowedOutside, "\(role) \(action) out of scope: \(outside)")
            if allowed && !allowedOutside {
                let expectedReason: Decision.Refusal =
                    role == .citizen ? .notOwner : [.departmentHandler, .departmentHead].contains(role) ? .otherDepartment : .outsideArea
                #expect(outside == .deny(expectedReason))
            }
            if !allowed { #expect(inside == .deny(.noRole)) }
            let elsewhere = Policy.decide(actor, action, Self.otherCity, purpose: "核实身份", areas: Ancestry())
            #expect(elsewhere == .deny(allowed ? .otherCity : .noRole), "\(role) \(action) in another city")
        }
    }

    @Test func readingPersonalDataInFullNeedsAPurpose() {
        let actor = Self.actor(.commandCenter)
        #expect(Policy.decide(actor, .readPersonInFull, Self.inScope, purpose: nil, areas: Ancestry()) == .deny(.purposeRequired))
        #expect(Policy.decide(actor, .readPersonInFull, Self.inScope, purpose: "  ", areas: Ancestry()) == .deny(.purposeRequired))
        #expect(Policy.decide(actor, .readPersonInFull, Self.inScope, purpose: "\n\t", areas: Ancestry()) == .deny(.purposeRequired))
        #expect(Policy.decide(actor, .readPersonInFull, Self.inScope, purpose: "办理低保复核", areas: Ancestry()) == .allow)
        #expect(Policy.decide(actor, .readPerson, Self.inScope, areas: Ancestry()) == .allow)
    }

    @Test func anyOneGrantInScopeSuffices() {
        // A grid worker in T2 who is also a grid worker in T1 reaches G1 through the second grant.
        let actor = Actor(accountID: 7, username: "u", cityCode: "C", grants: [Grant(.gridWorker, area: "T2"), Grant(.gridWorker, area: "T1")])
        #expect(Policy.decide(actor, .reportCase, Self.inScope, areas: Ancestry()) == .allow)
        // A department head outside the department's area subtree, when the grant names one.
        let head = Actor(accountID: 7, username: "u", cityCode: "C", grants: [Grant(.departmentHead, area: "T2", department: "cgj")])
        #expect(Policy.decide(head, .handleCase, Self.inScope, areas: Ancestry()) == .deny(.outsideArea))
        // A grid worker or an official granted no area reaches nothing, never the whole city.
        for role in [Role.gridWorker, .official] {
            let unanchored = Actor(accountID: 7, username: "u", cityCode: "C", grants: [Grant(role)])
            #expect(Policy.decide(unanchored, .readPerson, Self.inScope, areas: Ancestry()) == .deny(.outsideArea))
        }
        // Anchored nowhere: area roles cannot reach a resource without an area.
        #expect(Policy.decide(Self.actor(.leader), .readMeasures, Resource(city: "C"), areas: Ancestry()) == .deny(.outsideArea))
        #expect(
            Policy.decide(Actor(accountID: nil, username: "x", cityCode: "C", grants: []), .readAreas, Self.inScope, areas: Ancestry())
                == .deny(.noRole)
        )
    }

    /// What a key of each scope may be used for, on an account that may do everything.
    static let keyScopes: [APIKeyScope: Set<String>] = [
        .admin: Set(Action.allCases.map(\.rawValue)),
        .read: ["areas.read", "cases.read", "persons.read", "persons.read_reads", "measures.read", "audit.read"],
        .gridsImport: ["areas.read", "grids.import"],
        .intake: ["areas.read", "cases.report"],
    ]

    @Test(arguments: APIKeyScope.allCases)
    func anAPIKeyDoesOnlyWhatItWasIssuedForAndNeverMoreThanItsAccount(_ scope: APIKeyScope) {
        let everything = Actor(accountID: 7, username: "u", cityCode: "C", grants: Role.allCases.map { Grant($0, area: "T1", department: "cgj") })
        var key = everything
        key.keyScopes = [scope]
        for action in Action.allCases {
            #expect(Policy.decide(everything, action, Self.inScope, purpose: "核实", areas: Ancestry()) == .allow)
            let expected: Decision = Self.keyScopes[scope]!.contains(action.rawValue) ? .allow : .deny(.keyScope)
            #expect(Policy.decide(key, action, Self.inScope, purpose: "核实", areas: Ancestry()) == expected, "\(scope) \(action)")
        }
        // The account's own limits come first: a leader's admin key still cannot import grids.
        var leader = Self.actor(.leader)
        leader.keyScopes = [.admin]
        #expect(Policy.decide(leader, .importGrids, Self.inScope, areas: Ancestry()) == .deny(.noRole))
        // Several scopes add up.
        key.keyScopes = [.intake, .gridsImport]
        #expect(Policy.decide(key, .importGrids, Self.inScope, areas: Ancestry()) == .allow)
        #expect(Policy.decide(key, .reportCase, Self.inScope, areas: Ancestry()) == .allow)
    }

    @Test func theAreaTreeAnswersAncestry() {
        let areas = DemoCityBuilder(plan: .scaled(down: 40)).build()
        let tree = AreaTree(areas: areas)
        let grid = areas.first { $0.level == .grid }!
        let path = tree.path(code: grid.code)
        #expect(path.allSatisfy { tree.isWithin(grid.code, $0.code) })
        let otherTown = areas.first { $0.level == .town && !path.map(\.code).contains($0.code) }!
        #expect(!tree.isWithin(grid.code, otherTown.code))
        #expect(!tree.isWithin("nowhere", areas[0].code))
    }
}

struct AccountRulesTests {
    @Test func namesTheFieldOfTheFirstProblem() {
        func field(
            _ username: String = "abc",
            _ name: String = "x",
            roles: [Role] = [.leader],
            area: String? = nil,
            department: String? = nil
        )
            -> String?
        {
            AccountRules.accountProblem(username: username, displayName: name, roles: roles, area: area, department: department)?.field
        }
        #expect(field() == nil)
        #expect(field("Ab") == "username")
        #expect(field("-ab") == "username")
        #expect(field("abc", "") == "display_name")
        #expect(field("abc", "a\u{7}b") == "display_name")
        #expect(field(roles: []) == "roles")
        #expect(field(roles: [.gridWorker]) == "area")
        #expect(field(roles: [.official], area: "V1") == nil)
        #expect(field(roles: [.departmentHead]) == "department")
        #expect(field(roles: [.departmentHandler], department: "cgj") == nil)
    }

    @Test func newPasswordsPassTheRulesAndDiffer() {
        var random = SystemRandomNumberGenerator()
        let passwords = (0..<100).map { _ in AccountRules.newPassword(using: &random) }
        #expect(Set(passwords).count == 100)
        // A username of characters the alphabet lacks, so that only the other rules can fail.
        #expect(passwords.allSatisfy { AccountRules.passwordProblem($0, username: "0-0") == nil && $0.count == 16 })
        #expect(passwords.allSatisfy { !$0.contains(where: { "0O1lI".contains($0) }) })
    }

    /// 查询码: a resident without an account owns the one case whose follow code they hold, and an
    /// account never owns a case through a code, nor the resident one through an account.
    @Test func aFollowCodeOwnsItsOwnCaseAndNothingElse() {
        let resident = Actor.resident(city: "C", followCodeDigest: "d1")
        let theirs = Resource(city: "C", area: "G1", followCodeDigest: "d1")
        #expect(Policy.decide(resident, .readCase, theirs, areas: PolicyTests.Ancestry()) == .allow)
        #expect(Policy.decide(resident, .reportCase, theirs, areas: PolicyTests.Ancestry()) == .allow)
        #expect(
            Policy.decide(resident, .readCase, Resource(city: "C", area: "G1", followCodeDigest: "d2"), areas: PolicyTests.Ancestry())
                == .deny(.notOwner)
        )
        #expect(
            Policy.decide(resident, .readCase, Resource(city: "C", area: "G1", followCodeDigest: "d"), areas: PolicyTests.Ancestry())
                == .deny(.notOwner)
        )
        // A case reported by an account, or reported with no code at all.
        #expect(Policy.decide(resident, .readCase, PolicyTests.inScope, areas: PolicyTests.Ancestry()) == .deny(.notOwner))
        #expect(Policy.decide(resident, .readCase, Resource(city: "C", area: "G1"), areas: PolicyTests.Ancestry()) == .deny(.notOwner))
        #expect(
            Policy.decide(resident, .readCase, Resource(city: "D", area: "G1", followCodeDigest: "d1"), areas: PolicyTests.Ancestry())
                == .deny(.otherCity)
        )
        // The code makes them a reporter, nothing more: no dispatching, no personal data.
        #expect(Policy.decide(resident, .dispatchCase, theirs, areas: PolicyTests.Ancestry()) == .deny(.noRole))
        #expect(Policy.decide(resident, .readPerson, theirs, areas: PolicyTests.Ancestry()) == .deny(.noRole))
        // A citizen's account without the code does not own a case reported with one.
        #expect(Policy.decide(PolicyTests.actor(.citizen), .readCase, theirs, areas: PolicyTests.Ancestry()) == .deny(.notOwner))
        #expect(AccountRules.usernameProblem(Actor.residentUsername) != nil)
    }

    @Test func secretsCompareWholly() {
        #expect(Secret.equal("abc", "abc"))
        #expect(!Secret.equal("abc", "abd"))
        #expect(!Secret.equal("abc", "abcd"))
        #expect(!Secret.equal("", "a"))
    }
}
