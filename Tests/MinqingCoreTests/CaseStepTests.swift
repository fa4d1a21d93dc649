import Foundation
import MinqingCore
import Testing

/// The clocks of the loop: a dispatch starts the handling limit on the working-time calendar, an
/// approved extension and a suspension move it, a return is time-boxed, escalation climbs one level.
struct CaseStepTests {
    static let calendar = WorkingCalendarTests.calendar
    static let at = WorkingCalendarTests.at
    static let fiveDays = TimeLimit(5, .workingDays)

    static func reported(at time: String = "2025-09-29 09:00") -> CaseRecord {
        CaseReport(
            cityCode: "449900",
            classCode: "C0201",
            source: .patrol,
            areaCode: "449900001001001",
            level: .village,
            longitude: 115.3,
            latitude: 22.8,
            description: "路面坑槽",
            reporter: "wgy"
        ).opened(id: 7, at: at(time)).record
    }

    /// Takes each action at its time, failing the test on a refusal.
    static func run(_ record: CaseRecord, _ steps: [(CaseAction, Role, CaseActionFields, String)], limit: TimeLimit? = fiveDays) throws -> CaseRecord
    {
        var record = record
        for (action, role, fields, time) in steps {
            let result = CaseLifecycle.take(action, on: record, by: role, actor: "x", fields: fields, at: at(time), calendar: calendar, limit: limit)
            record = try result.get().record
        }
        return record
    }

    /// Takes each action at its time and keeps every step, failing the test on a refusal.
    static func steps(
        _ record: CaseRecord,
        _ steps: [(CaseAction, Role, CaseActionFields, String)],
        limit: TimeLimit? = fiveDays
    ) throws -> [CaseStep] {
        var record = record
        var taken: [CaseStep] = []
        for (action, role, fields, time) in steps {
            let step = try CaseLifecycle.take(
                action,
                on: record,
                by: role,
                actor: "x",
                fields: fields,
                at: at(time),
                calendar: calendar,
                limit: limit
            ).get()
            taken.append(step)
            record = step.record
        }
        return taken
    }

    static let dispatch = CaseActionFields(leadDepartment: "jtj")

    @Test func aDispatchStartsTheHandlingLimitOnTheWorkingCalendar() throws {
        // Monday 29 September 2025, 09:00; the National Day holiday runs 1–8 October, with Saturday
        // 11 October worked: five working days end on Tuesday 30 September + 9 and 10 October + 11 October.
        let record = try Self.run(
            Self.reported(),
            [(.accept, .commandCenter, .init(), "2025-09-29 09:00"), (.dispatch, .commandCenter, Self.dispatch, "2025-09-29 09:00")]
        )
        #expect(record.state == .dispatched)
        #expect(record.dispatchedAt == Self.at("2025-09-29 09:00"))
        #expect(record.dueAt == Self.calendar.deadline(of: Self.fiveDays, from: Self.at("2025-09-29 09:00")))
        #expect(record.dueAt == Self.at("2025-10-13 09:00"))
        #expect(record.eventCount == 3)
        #expect(record.light(at: Self.at("2025-09-30 09:00"), calendar: Self.calendar, limit: Self.fiveDays) == .green)
        #expect(record.light(at: Self.at("2025-10-11 09:00"), calendar: Self.calendar, limit: Self.fiveDays) == .yellow)
        #expect(record.light(at: Self.at("2025-10-13 09:01"), calendar: Self.calendar, limit: Self.fiveDays) == .red)
        // Urgent classes count clock hours, holidays or not.
        let urgent = try Self.run(
            Self.reported(at: "2025-10-01 10:00"),
            [(.accept, .commandCenter, .init(), "2025-10-01 10:00"), (.dispatch, .commandCenter, Self.dispatch, "2025-10-01 10:00")],
            limit: TimeLimit(4, .clockHours)
        )
        #expect(urgent.dueAt == Self.at("2025-10-01 14:00"))
    }

    @Test func anApprovedExtensionAndASuspensionMoveTheDeadline() throws {
        let signed = try Self.run(
            Self.reported(at: "2026-03-02 09:00"),
            [
                (.accept, .commandCenter, .init(), "2026-03-02 09:00"), (.dispatch, .commandCenter, Self.dispatch, "2026-03-02 09:00"),
                (.sign, .departmentHandler, .init(), "2026-03-02 10:00"),
            ]
        )
        #expect(signed.dueAt == Self.at("2026-03-09 09:00"))
        let extended = try Self.run(
            signed,
            [
                (.requestExtension, .departmentHandler, .init(reason: "待采购", extensionDays: 2), "2026-03-03 09:00"),
                (.approveExtension, .commandCenter, .init(), "2026-03-03 10:00"),
            ]
        )
        #expect(extended.state == .signed)
        #expect(extended.dueAt == Self.at("2026-03-11 09:00"))
        #expect(extended.requestedExtensionDays == nil)
        // Suspended Wednesday 09:00, resumed Thursday 09:00: one working day more.
        let suspended = try Self.run(extended, [(.suspend, .commandCenter, .init(reason: "涉诉"), "2026-03-04 09:00")])
        #expect(suspended.suspendedFrom == .signed && suspended.pausedAt == Self.at("2026-03-04 09:00"))
        // A paused clock's light stays where it stopped.
        #expect(
            suspended.light(at: Self.at("2026-03-20 09:00"), calendar: Self.calendar, limit: Self.fiveDays)
                == extended.light(at: Self.at("2026-03-04 09:00"), calendar: Self.calendar, limit: Self.fiveDays)
        )
        let resumed = try Self.run(suspended, [(.resume, .commandCenter, .init(), "2026-03-05 09:00")])
        #expect(resumed.state == .signed && resumed.pausedAt == nil && resumed.suspendedFrom == nil)
        #expect(resumed.dueAt == Self.at("2026-03-12 09:00"))
    }

    @Test func everyNewDeadlineIsInTheLog() throws {
        let taken = try Self.steps(
            Self.reported(at: "2026-03-02 09:00"),
            [
                (.accept, .commandCenter, .init(), "2026-03-02 09:00"),
                (.dispatch, .commandCenter, Self.dispatch, "2026-03-02 09:00"),
                // A caller cannot write a deadline of its own into the log.
                (.sign, .departmentHandler, .init(dueAt: 1), "2026-03-02 10:00"),
                (.requestExtension, .departmentHandler, .init(reason: "待采购", extensionDays: 2), "2026-03-03 09:00"),
                (.approveExtension, .commandCenter, .init(), "2026-03-03 10:00"),
                (.suspend, .commandCenter, .init(reason: "涉诉"), "2026-03-04 09:00"),
                (.resume, .commandCenter, .init(), "2026-03-05 09:00"),
                (.handle, .departmentHandler, .init(evidence: ["h1"], result: "已修复"), "2026-03-06 09:00"),
                (.rework, .gridWorker, .init(reason: "未修复"), "2026-03-06 14:00"),
                (.handle, .departmentHandler, .init(evidence: ["h2"], result: "已修复"), "2026-03-09 09:00"),
                (.verify, .gridWorker, .init(evidence: ["v"]), "2026-03-09 10:00"),
            ]
        )
        let due = taken.map(\.event.fields.dueAt)
        let expected: [String?] = [
            nil, "2026-03-09 09:00", nil, nil, "2026-03-11 09:00", nil, "2026-03-12 09:00",
            // Handling sets the verification deadline (one working day); rework a fresh handling limit (five
            // working days from Friday 14:00, after the lunch break, end at the next Friday's 12:00).
            "2026-03-09 09:00", "2026-03-13 12:00", "2026-03-10 09:00", nil,
        ]
        #expect(due == expected.map { $0.map(Self.at) })
        // The event's deadline is the record's, wherever a step set one.
        for step in taken where step.event.fields.dueAt != nil { #expect(step.event.fields.dueAt == step.record.dueAt) }
        // A resume that does not move the deadline (paused and resumed outside working time) records none.
        let weekend = try Self.steps(
            taken[4].record,
            [(.suspend, .commandCenter, .init(reason: "涉诉"), "2026-03-07 10:00"), (.resume, .commandCenter, .init(), "2026-03-08 10:00")]
        )
        #expect(weekend[1].record.dueAt == taken[4].record.dueAt && weekend[1].event.fields.dueAt == nil)
    }

    @Test func aReturnIsTimeBoxedAndNamesTheReturningDepartment() throws {
        let dispatched = try Self.run(
            Self.reported(at: "2026-03-02 09:00"),
            [(.accept, .commandCenter, .init(), "2026-03-02 09:00"), (.dispatch, .commandCenter, Self.dispatch, "2026-03-02 09:00")]
        )
        let step = try CaseLifecycle.take(
            .returnToDispatcher,
            on: dispatched,
            by: .departmentHandler,
            actor: "bm-jtj",
            fields: .init(reason: "非本部门"),
            at: Self.at("2026-03-04 09:00"),
            calendar: Self.calendar,
            limit: Self.fiveDays
        ).get()
        #expect(step.record.state == .returned && step.record.leadDepartment == nil && step.record.dueAt == nil)
        #expect(step.event.fields.leadDepartment == "jtj")
        let late = CaseLifecycle.take(
            .returnToDispatcher,
            on: dispatched,
            by: .departmentHandler,
            actor: "bm-jtj",
            fields: .init(reason: "非本部门"),
            at: Self.at("2026-03-04 09:01"),
            calendar: Self.calendar,
            limit: Self.fiveDays
        )
        guard case .failure(.invalidField("return", _)) = late else {
            Issue.record("a late return was taken: \(late)")
            return
        }
    }

    /// 多级派遣 and 主办/协办: the lead department assigns a section, which handles beside it; an
    /// assisting department only records its part; a new dispatch starts without the old section.
    @Test func aSectionHandlesBesideItsDepartmentAndAssistantsOnlyAssist() throws {
        let fields = CaseActionFields(leadDepartment: "cgj", coDepartments: ["zjj"])
        let signed = try Self.run(
            Self.reported(at: "2026-03-02 09:00"),
            [
                (.accept, .commandCenter, .init(), "2026-03-02 09:00"), (.dispatch, .commandCenter, fields, "2026-03-02 09:00"),
                (.sign, .departmentHead, .init(), "2026-03-02 10:00"),
            ]
        )
        #expect(CaseLifecycle.departments(for: .handle, on: signed) == ["cgj"])
        func assign(_ section: String) -> Result<CaseStep, CaseActionRefusal> {
            CaseLifecycle.take(
                .assign,
                on: signed,
                by: .departmentHead,
                actor: "bm-cgj",
                fields: .init(section: section),
                at: Self.at("2026-03-02 10:30"),
                calendar: Self.calendar,
                limit: Self.fiveDays
            )
        }
        let assigned = try assign("cgj-srhj").get()
        #expect(assigned.record.section == "cgj-srhj" && assigned.record.state == .signed && assigned.record.dueAt == signed.dueAt)
        #expect(assigned.event.fields.section == "cgj-srhj" && assigned.event.from == .signed && assigned.event.to == .signed)
        let record = assigned.record
        #expect(CaseLifecycle.departments(for: .handle, on: record) == ["cgj", "cgj-srhj"])
        #expect(CaseLifecycle.departments(for: .requestExtension, on: record) == ["cgj", "cgj-srhj"])
        #expect(CaseLifecycle.departments(for: .returnToDispatcher, on: record) == ["cgj"])
        #expect(CaseLifecycle.departments(for: .sign, on: record) == ["cgj"])
        #expect(CaseLifecycle.departments(for: .assign, on: record) == ["cgj"])
        #expect(CaseLifecycle.departments(for: .assist, on: record) == ["zjj"])
        #expect(CaseLifecycle.departments(for: nil, on: record) == ["cgj", "cgj-srhj", "zjj"])
        // The department is not its own section.
        let itself = assign("cgj")
        guard case .failure(.invalidField("section", _)) = itself else {
            Issue.record("the department was assigned to itself: \(itself)")
            return
        }
        // A return ends the assignment; so does the next dispatch.
        let returned = try Self.run(record, [(.returnToDispatcher, .departmentHead, .init(reason: "非本部门"), "2026-03-02 11:00")])
        #expect(returned.section == nil && returned.coDepartments.isEmpty)
        #expect(CaseLifecycle.departments(for: .assist, on: returned).isEmpty)
    }

    @Test func escalationClimbsOneLevelUntilTheCity() throws {
        var record = Self.reported()
        for expected in [AreaLevel.town, .county, .city] {
            record = try Self.run(record, [(.escalate, .commandCenter, .init(reason: "超出本级能力"), "2026-03-02 09:00")])
            #expect(record.level == expected && record.state == .reported)
        }
        let top = CaseLifecycle.take(
            .escalate,
            on: record,
            by: .commandCenter,
            actor: "x",
            fields: .init(reason: "再上"),
            at: 0,
            calendar: Self.calendar,
            limit: nil
        )
        guard case .failure(.invalidField("level", _)) = top else {
            Issue.record("escalated above the city: \(top)")
            return
        }
    }

    @Test func eachStepWritesTheEventThatExplainsIt() throws {
        let record = Self.reported()
        let step = try CaseLifecycle.take(
            .accept,
            on: record,
            by: .commandCenter,
            actor: "zhzx",
            fields: .init(),
            at: Self.at("2025-09-29 10:00"),
            calendar: Self.calendar,
            limit: nil
        ).get()
        #expect(
            step.event
                == CaseEvent(
                    caseID: 7,
                    sequence: 1,
                    at: Self.at("2025-09-29 10:00"),
                    actor: "zhzx",
                    action: "accept",
                    from: .reported,
                    to: .accepted,
                    fields: .init()
                )
        )
        // The canonical text is stable: it is what the log's hashes cover.
        #expect(
            step.event.canonical
                == #"{"action":"accept","actor":"zhzx","at":\#(Self.at("2025-09-29 10:00")),"case":7,"fields":{},"from":"reported","seq":1,"to":"accepted"}"#
        )
        let fields = CaseActionFields(reason: "r", evidence: ["a"], mergedInto: 3, coDepartments: ["b"], solved: false, extensionDays: 2)
        #expect(CaseActionFields(json: fields.json) == fields)
        // The deadline is stored only when set, in milliseconds; events written before it read back without one.
        let dispatched = CaseActionFields(leadDepartment: "jtj", dueAt: Self.at("2026-03-09 09:00"))
        #expect(dispatched.json.serialized == #"{"due_at":\#(Self.at("2026-03-09 09:00")),"lead_department":"jtj"}"#)
        #expect(CaseActionFields(json: dispatched.json) == dispatched)
        let old = try JSONValue(parsing: Array(#"{"lead_department":"jtj"}"#.utf8))
        #expect(CaseActionFields(json: old).dueAt == nil && CaseActionFields(json: old) == CaseActionFields(leadDepartment: "jtj"))
    }
}
