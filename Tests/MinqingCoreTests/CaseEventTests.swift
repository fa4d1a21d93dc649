import MinqingCore
import Testing

struct CaseEventTests {
    /// The canonical text is what each event's hash covers: every case's log already written is
    /// verified against it (`minqing audit verify`), so it may never change, however it is produced.
    @Test func theCanonicalTextNeverChanges() {
        let full = CaseEvent(
            caseID: 4_099,
            sequence: 3,
            at: 1_790_000_000_123,
            actor: "cc-\"449902\"",
            action: "dispatch",
            from: .accepted,
            to: .dispatched,
            fields: CaseActionFields(
                reason: "跨部门\n协办\\",
                evidence: ["media/ab12.jpg", "media/cd34.jpg"],
                result: "已清理",
                mergedInto: 17,
                referral: "供电局",
                leadDepartment: "cgj",
                coDepartments: ["zjj", "swj"],
                section: "cgj-1",
                solved: true,
                satisfied: false,
                extensionDays: 5,
                dueAt: 1_790_086_400_000,
                linkedTo: -2,
                attributes: ["depth_m": .number(0.25), "lanes": .array([.number(2), .null]), "note": .string("tab\there\u{01}")]
            )
        )
        #expect(
            full.canonical
                == #"{"action":"dispatch","actor":"cc-\"449902\"","at":1790000000123,"case":4099,"fields":{"attributes":{"depth_m":0.25,"lanes":[2,null],"note":"tab\there\u0001"},"co_departments":["zjj","swj"],"due_at":1790086400000,"evidence":["media/ab12.jpg","media/cd34.jpg"],"extension_days":5,"lead_department":"cgj","linked_to":-2,"merged_into":17,"reason":"跨部门\n协办\\","referral":"供电局","result":"已清理","satisfied":false,"section":"cgj-1","solved":true},"from":"accepted","seq":3,"to":"dispatched"}"#
        )
        let report = CaseEvent(
            caseID: 1,
            sequence: 0,
            at: 0,
            actor: "citizen",
            action: CaseEvent.report,
            from: nil,
            to: .reported,
            fields: CaseActionFields()
        )
        #expect(report.canonical == #"{"action":"report","actor":"citizen","at":0,"case":1,"fields":{},"from":null,"seq":0,"to":"reported"}"#)
    }
}
