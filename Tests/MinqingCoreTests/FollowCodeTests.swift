import Foundation
import MinqingCore
import Testing

/// 查询码: made from random bytes, typed back loosely, never mistaken.
struct FollowCodeTests {
    @Test func aCodeIsTwelveCharactersInGroupsOfFour() {
        #expect(FollowCode.make(from: [0, 0, 0, 0, 0, 0, 0, 0]) == "0000-0000-0000")
        // The low 60 bits, five to a character, from the first: 0xFF… gives 60 ones.
        #expect(FollowCode.make(from: [255, 255, 255, 255, 255, 255, 255, 255]) == "ZZZZ-ZZZZ-ZZZZ")
        #expect(FollowCode.make(from: [0, 0, 0, 0, 0, 0, 0, 33]) == "0000-0000-0011")
        var random = SystemRandomNumberGenerator()
        let codes = (0..<200).map { _ in FollowCode.make(from: (0..<FollowCode.byteCount).map { _ in random.next() }) }
        #expect(Set(codes).count == 200)
        #expect(codes.allSatisfy { FollowCode.normalized($0) == $0.replacingOccurrences(of: "-", with: "") })
        #expect(codes.allSatisfy { !$0.contains(where: { "ILOU".contains($0) }) })
    }

    @Test func whatIsTypedBackIsReadLoosely() {
        #expect(FollowCode.normalized("7k2m-qx4d-9trb") == "7K2MQX4D9TRB")
        #expect(FollowCode.normalized(" 7K2M QX4D 9TRB ") == "7K2MQX4D9TRB")
        // Letters that look like digits are those digits.
        #expect(FollowCode.normalized("OOOO-IIII-LLLL") == "000011111111")
    }

    @Test(arguments: ["", "7K2M-QX4D-9TR", "7K2M-QX4D-9TRBB", "7K2M-QX4D-9TRU", "7K2M_QX4D_9TRB", "７K2M-QX4D-9TRB", "<script>"])
    func whatCannotBeACodeIsRefused(_ typed: String) {
        #expect(FollowCode.normalized(typed) == nil)
    }
}
