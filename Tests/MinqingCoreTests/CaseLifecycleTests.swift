import MinqingCore
import Testing

/// The case loop's state machine, exhaustively: every state × every action × every role. The expected
/// table is written out here on its own, so that a change to the rules must be made twice, on purpose.
struct CaseLifecycleTests {
    /// action: (from states, roles, the state it leads to from the first listed state).
    static let expected: [CaseAction: (from: [CaseState], roles: [Role], to: CaseState)] = [
        .resolveOnSite: ([.reported], [.gridWorker], .resolvedOnSite),
        .accept: ([.reported], [.commandCenter], .accepted),
        .reject: ([.reported], [.commandCenter], .rejected),
        .merge: ([.reported, .accepted, .returned], [.commandCenter], .merged),
        .referElsewhere: ([.reported, .accepted, .returned], [.commandCenter], .notOurs),
        .dispatch: ([.accepted, .returned], [.commandCenter], .dispatched),
        .sign: ([.dispatched], [.departmentHandler, .departmentHead], .signed),
        .returnToDispatcher: ([.dispatched, .signed], [.departmentHandler, .departmentHead], .returned),
        .requestExtension: ([.signed], [.departmentHandler, .departmentHead], .extensionRequested),
        .approveExtension: ([.extensionRequested], [.commandCenter], .signed),
        .denyExtension: ([.extensionRequested], [.commandCenter], .signed),
        .defer_: ([.signed], [.commandCenter, .departmentHead], .deferred),
        .suspend: ([.dispatched, .signed], [.commandCenter], .suspended),
        .resume: ([.deferred, .suspended], [.commandCenter], .signed),
        .handle: ([.signed], [.departmentHandler, .departmentHead], .handled),
        .verify: ([.handled], [.commandCenter, .gridWorker], .verified),
        .rework: ([.handled], [.commandCenter, .gridWorker], .signed),
        .close: ([.verified], [.commandCenter], .closed),
        .rate: ([.resolvedOnSite, .closed], [.commandCenter, .citizen], .rated),
        .escalate: ([.reported, .accepted, .returned], [.commandCenter, .gridWorker], .reported),
        .reopen: ([.resolvedOnSite, .closed, .rated], [.commandCenter], .accepted),
        .supervise: (
            [.accepted, .dispatched, .returned, .signed, .extensionRequested, .deferred, .suspended, .handled, .verified], [.commandCenter],
            .accepted
        ),
        .assign: ([.signed], [.departmentHead], .signed),
        .assist: ([.dispatched, .signed, .extensionRequested], [.departmentHandler, .departmentHead], .dispatched),
    ]

    /// Fields that satisfy every action.
    static let complete = CaseActionFields(
        reason: "理由",
        evidence: ["sha256:ab"],
        result: "已清理",
        mergedInto: 7,
        referral: "供电局 95598",
        leadDepartment: "cgj",
        coDepartments: ["zjj"],
        section: "cgj-srhj",
        solved: true,
        satisfied: false,
        extensionDays: 3
    )

    @Test(arguments: CaseAction.allCases)
    func everyStateAndRoleForOneAction(_ action: CaseAction) throws {
        let (from, roles, to) = try #require(Self.expected[action])
        #expect(Set(Self.expected.keys) == Set(CaseAction.allCases))
        for state in CaseState.allCases {
            for role in Role.allCases {
                let outcome = CaseLifecycle.apply(action, to: state, by: role, fields: Self.complete)
                switch outcome {
                case .success(let next):
                    #expect(from.contains(state) && roles.contains(role), "\(action) from \(state) by \(role) should be refused")
                    // Supervision, assignment and assistance change nothing; a suspended case of unknown origin
                    // resumes waiting to be signed; everything else leads where the table says.
                    let target =
                        [.supervise, .assign, .assist].contains(action) ? state : action == .resume && state == .suspended ? .dispatched : to
                    #expect(next == target, "\(action) from \(state) → \(next)")
                case .failure(.notNow(let current, let allowed)):
                    #expect(!from.contains(state), "\(action) from \(state) by \(role) refused as not now")
                    #expect(current == state)
                    #expect(allowed == CaseLifecycle.allowedActions(in: state))
                    #expect(allowed.allSatisfy { Self.expected[$0]!.from.contains(state) })
                case .failure(.wrongRole(let refused, let allowedRoles)):
                    #expect(from.contains(state) && !roles.contains(role))
                    #expect(refused == role && Set(allowedRoles) == Set(roles))
                case .failure(let other):
                    Issue.record("\(action) from \(state) by \(role): unexpected \(other)")
                }
            }
        }
    }

    @Test func finishedCasesOnlyReopenOrTakeTheReturnCall() {
        for state in CaseState.allCases where state.isFinished {
            let allowed = Set(CaseLifecycle.allowedActions(in: state))
            #expect(allowed.isSubset(of: [.reopen, .rate]), "\(state): \(allowed)")
        }
        #expect(CaseLifecycle.allowedActions(in: .rejected).isEmpty)
        #expect(CaseLifecycle.allowedActions(in: .merged).isEmpty)
    }

    @Test func namesTheFieldAnActionLacks() {
        let cases: [(CaseAction, CaseState, Role, CaseActionFields, String)] = [
            (.reject, .reported, .commandCenter, .init(reason: "  "), "reason"),
            (.returnToDispatcher, .signed, .departmentHead, .init(), "reason"),
            (.requestExtension, .signed, .departmentHandler, .init(reason: "材料未齐"), "extension_days"),
            (.referElsewhere, .accepted, .commandCenter, .init(reason: "电力设施"), "referral"),
            (.merge, .reported, .commandCenter, .init(), "merged_into"),
            (.resolveOnSite, .reported, .gridWorker, .init(), "evidence"),
            (.verify, .handled, .gridWorker, .init(), "evidence"),
            (.handle, .signed, .departmentHandler, .init(evidence: ["sha256:ab"]), "result"),
            (.handle, .signed, .departmentHandler, .init(result: "已修复"), "evidence"),
            (.dispatch, .accepted, .commandCenter, .init(), "lead_department"),
            (.rate, .closed, .commandCenter, .init(solved: true), "satisfied"),
            (.rate, .closed, .commandCenter, .init(satisfied: true), "solved"),
            (.escalate, .reported, .gridWorker, .init(), "reason"),
            (.reopen, .closed, .commandCenter, .init(), "reason"),
            (.supervise, .signed, .commandCenter, .init(), "reason"),
            (.assign, .signed, .departmentHead, .init(), "section"),
            (.assist, .signed, .departmentHandler, .init(result: " "), "result"),
        ]
        for (action, state, role, fields, field) in cases {
            #expect(CaseLifecycle.apply(action, to: state, by: role, fields: fields) == .failure(.missingField(field)), "\(action)")
        }
        let tooLong = CaseActionFields(reason: "x", extensionDays: 31)
        #expect(
            CaseLifecycle.apply(.requestExtension, to: .signed, by: .departmentHead, fields: tooLong)
                == .failure(.invalidField("extension_days", "must be from 1 to 30 working days, not 31"))
        )
        let twice = CaseActionFields(leadDepartment: "cgj", coDepartments: ["cgj"])
        #expect(
            CaseLifecycle.apply(.dispatch, to: .accepted, by: .commandCenter, fields: twice)
                == .failure(.invalidField("co_departments", "the lead department cgj cannot also assist"))
        )
    }

    @Test func theReturnCallKeepsSolvedApartFromSatisfied() {
        // Satisfied but not solved still reopens; solved but not satisfied closes the loop.
        let unsolved = CaseActionFields(solved: false, satisfied: true)
        #expect(CaseLifecycle.apply(.rate, to: .closed, by: .commandCenter, fields: unsolved) == .success(.accepted))
        let solved = CaseActionFields(solved: true, satisfied: false)
        #expect(CaseLifecycle.apply(.rate, to: .closed, by: .commandCenter, fields: solved) == .success(.rated))
        // The resident rates their own report as its owner; the center calls back under its dispatching right.
        #expect(CaseLifecycle.apply(.rate, to: .resolvedOnSite, by: .citizen, fields: unsolved) == .success(.accepted))
        #expect(CaseLifecycle.permission(.rate, by: .citizen) == .reportCase)
        #expect(CaseLifecycle.permission(.rate, by: .commandCenter) == .dispatchCase)
        #expect(CaseLifecycle.apply(.rate, to: .closed, by: .citizen, fields: .init(solved: true)) == .failure(.missingField("satisfied")))
    }

    @Test func aSuspendedCaseResumesWhereItWas() {
        let fields = CaseActionFields(reason: "当事人外出")
        #expect(CaseLifecycle.apply(.resume, to: .suspended, by: .commandCenter, fields: fields, suspendedFrom: .dispatched) == .success(.dispatched))
        #expect(CaseLifecycle.apply(.resume, to: .suspended, by: .commandCenter, fields: fields, suspendedFrom: .signed) == .success(.signed))
        #expect(CaseLifecycle.apply(.resume, to: .deferred, by: .commandCenter, fields: fields, suspendedFrom: .dispatched) == .success(.signed))
        // Not known where from: it waits to be signed again, so no step is skipped.
        #expect(CaseLifecycle.apply(.resume, to: .suspended, by: .commandCenter, fields: fields) == .success(.dispatched))
        #expect(
            CaseLifecycle.apply(.resume, to: .suspended, by: .commandCenter, fields: fields, suspendedFrom: .closed)
                == .failure(.invalidField("suspended_from", "a case is suspended only from dispatched or signed, not closed"))
        )
    }

    /// Every path of the loop the issue names, walked action by action from a report.
    @Test func walksEveryPathOfTheLoop() throws {
        func walk(_ steps: [(CaseAction, Role)], fields: CaseActionFields = CaseLifecycleTests.complete) throws -> CaseState {
            var state = CaseState.reported
            var suspendedFrom: CaseState?
            for (action, role) in steps {
                let next = try CaseLifecycle.apply(action, to: state, by: role, fields: fields, suspendedFrom: suspendedFrom).get()
                if action == .suspend { suspendedFrom = state }
                state = next
            }
            return state
        }
        let (center, head, worker) = (Role.commandCenter, Role.departmentHead, Role.gridWorker)
        #expect(try walk([(.resolveOnSite, worker)]) == .resolvedOnSite)
        #expect(
            try walk([(.accept, center), (.dispatch, center), (.sign, head), (.handle, head), (.verify, worker), (.close, center), (.rate, center)])
                == .rated
        )
        #expect(try walk([(.accept, center), (.dispatch, center), (.returnToDispatcher, head), (.dispatch, center), (.sign, head)]) == .signed)
        #expect(try walk([(.accept, center), (.dispatch, center), (.sign, head), (.requestExtension, head), (.approveExtension, center)]) == .signed)
        #expect(try walk([(.accept, center), (.dispatch, center), (.sign, head), (.defer_, head), (.resume, center)]) == .signed)
        #expect(try walk([(.accept, center), (.dispatch, center), (.sign, head), (.handle, head), (.rework, worker), (.handle, head)]) == .handled)
        #expect(try walk([(.escalate, worker), (.escalate, center), (.accept, center)]) == .accepted)
        #expect(try walk([(.accept, center), (.dispatch, center), (.sign, head), (.supervise, center)]) == .signed)
        #expect(try walk([(.accept, center), (.dispatch, center), (.suspend, center), (.resume, center), (.sign, head)]) == .signed)
        let notSolved = CaseActionFields(
            reason: "x",
            evidence: ["e"],
            result: "r",
            leadDepartment: "cgj",
            solved: false,
            satisfied: false
        )
        #expect(
            try walk(
                [(.accept, center), (.dispatch, center), (.sign, head), (.handle, head), (.verify, worker), (.close, center), (.rate, center)],
                fields: notSolved
            ) == .accepted
        )
    }
}

extension Result: @retroactive Equatable where Success: Equatable, Failure: Equatable {}
