import MinqingCore
import Testing

struct AuditRecordTests {
    /// The canonical text is what each entry's hash covers: every chain already written is verified
    /// against it, so it may never change, however it is produced.
    @Test func theCanonicalTextNeverChanges() {
        let full = AuditRecord(
            at: 1_790_000_000_123,
            cityCode: "449900",
            actor: "wgy-\"1\"",
            action: "person.read",
            target: "persons/17",
            areaCode: "449902001001001",
            purpose: "入户走访\n核对\\电话",
            address: "127.0.0.1",
            outcome: "denied",
            detail: "phone\u{01}"
        )
        #expect(
            full.canonical
                == #"{"action":"person.read","actor":"wgy-\"1\"","address":"127.0.0.1","area":"449902001001001","at":1790000000123,"city":"449900","detail":"phone\u0001","outcome":"denied","purpose":"入户走访\n核对\\电话","target":"persons/17"}"#
        )
        let bare = AuditRecord(at: -5, cityCode: "449900", actor: "cli", action: "grids.import", target: "areas/449900")
        #expect(
            bare.canonical
                == #"{"action":"grids.import","actor":"cli","address":null,"area":null,"at":-5,"city":"449900","detail":null,"outcome":"ok","purpose":null,"target":"areas/449900"}"#
        )
    }
}
