import MinqingCore
import Testing

struct PersonalDataTests {
    @Test func masksAsResidentsExpect() {
        #expect(Mask.identityNumber("44150219900101123X") == "4415**********123X")
        #expect(Mask.phone("13812345678") == "138****5678")
        // A fixed line is shorter: only its last four show.
        #expect(Mask.phone("66012345") == "****2345")
        #expect(Mask.phone("06603312345") == "066****2345")
        #expect(Mask.name("张三") == "张*")
        #expect(Mask.name("欧阳修") == "欧**")
        // Too short to keep anything: starred whole, never shown.
        #expect(Mask.identityNumber("1234567") == "*******")
        #expect(Mask.name("") == "")
    }

    @Test func checksIdentityNumbersByGB11643() {
        // The worked example of GB 11643-1999: 11010519491231002X.
        #expect(IdentityNumber.problem("11010519491231002X") == nil)
        #expect(IdentityNumber.problem("11010519491231002x") == nil)
        #expect(IdentityNumber.problem("110105194912310021") == "the check character of the identity number should be X")
        #expect(IdentityNumber.problem("1101051949123100") == "an identity number has 17 digits and a check character")
        #expect(IdentityNumber.problem("11010519491231００2X") == "an identity number has 17 digits and a check character")
    }

    @Test func aReportersContactIsCheckedByFieldAndMaskedForEveryAnswer() throws {
        let sent = try ReporterContact.checked(name: "  张三丰 ", phone: "+86 138-1234-5678").get()
        #expect(sent == ReporterContact(name: "张三丰", phone: "+8613812345678"))
        #expect(sent?.masked == ReporterContact(name: "张**", phone: "+86*******5678"))
        #expect(try ReporterContact.checked(name: nil, phone: "0660-3312345").get() == ReporterContact(name: nil, phone: "06603312345"))
        #expect(try ReporterContact.checked(name: nil, phone: nil).get() == nil)
        func field(_ name: String?, _ phone: String?) -> String? {
            if case .failure(let problem) = ReporterContact.checked(name: name, phone: phone) { return problem.field }
            return nil
        }
        #expect(field(nil, "1234") == "contact.phone")
        #expect(field(nil, "1381234567890123") == "contact.phone")
        #expect(field(nil, "138１２３45678") == "contact.phone")
        #expect(field(nil, "++8613812345678") == "contact.phone")
        #expect(field("", nil) == "contact.name")
        #expect(field(String(repeating: "名", count: 51), nil) == "contact.name")
        #expect(field("张\u{0}三", "13812345678") == "contact.name")
        #expect(field(String(repeating: "名", count: 50), "13812345678") == nil)
    }

    @Test func aReportsFingerprintHoldsItsContactOnlyAsAKeyedDigest() {
        var report = CaseReport(
            cityCode: "449900",
            classCode: "C0101",
            source: .hotline,
            areaCode: "449900001001001",
            level: .village,
            longitude: 115,
            latitude: 23,
            description: "来电",
            reporter: "operator",
            contact: ReporterContact(name: "张三", phone: "13812345678")
        )
        report.contactDigest = "d1"
        #expect(report.fingerprint.contains("d1"))
        #expect(!report.fingerprint.contains("13812345678") && !report.fingerprint.contains("张三"))
        var other = report
        other.contactDigest = "d2"
        #expect(other.fingerprint != report.fingerprint)
    }
}
