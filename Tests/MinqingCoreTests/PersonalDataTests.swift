import MinqingCore
import Testing

struct PersonalDataTests {
    @Test func masksAsResidentsExpect() {
        #expect(Mask.identityNumber("44150219900101123X") == "4415**********123X")
        #expect(Mask.phone("13812345678") == "138****5678")
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
}
