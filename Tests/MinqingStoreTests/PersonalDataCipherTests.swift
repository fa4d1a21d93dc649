import Foundation
import MinqingStore
import Testing

struct PersonalDataCipherTests {
    static let old = PersonalDataCipher.generateKey()
    static let new = PersonalDataCipher.generateKey()

    @Test func sealsAndOpensWithAFreshNonceEachTime() throws {
        let cipher = try PersonalDataCipher(keyRing: "k1:\(Self.old)")
        let first = try cipher.seal("44150219900101123X", context: "persons/1/id")
        let second = try cipher.seal("44150219900101123X", context: "persons/1/id")
        #expect(first != second)
        #expect(!first.contains("44150219900101123X"))
        #expect(try cipher.open(first, context: "persons/1/id") == "44150219900101123X")
        #expect(first.hasPrefix("v1.k1."))
    }

    @Test func aValueCopiedToAnotherRowDoesNotOpen() throws {
        let cipher = try PersonalDataCipher(keyRing: "k1:\(Self.old)")
        let sealed = try cipher.seal("44150219900101123X", context: "persons/1/id")
        #expect(throws: PersonalDataCipher.Failure.tampered) { try cipher.open(sealed, context: "persons/2/id") }
    }

    @Test func findsAlteredValues() throws {
        let cipher = try PersonalDataCipher(keyRing: "k1:\(Self.old)")
        var bytes = Data(base64Encoded: String(try cipher.seal("13812345678", context: "persons/1/id").dropFirst("v1.k1.".count)))!
        bytes[bytes.count - 1] ^= 1
        #expect(throws: PersonalDataCipher.Failure.tampered) { try cipher.open("v1.k1." + bytes.base64EncodedString(), context: "persons/1/id") }
        #expect(throws: PersonalDataCipher.Failure.malformed) { try cipher.open("plain text", context: "persons/1/id") }
        #expect(throws: PersonalDataCipher.Failure.unknownKey("k9")) { try cipher.open("v1.k9.AAAA", context: "persons/1/id") }
    }

    @Test func rotatesToTheCurrentKeyAndStillOpensOldValues() throws {
        let before = try PersonalDataCipher(keyRing: "k1:\(Self.old)")
        let sealed = try before.seal("张三", context: "persons/1/id")
        let after = try PersonalDataCipher(keyRing: "k2:\(Self.new),k1:\(Self.old)")
        #expect(after.needsRotation(sealed))
        #expect(try after.open(sealed, context: "persons/1/id") == "张三")
        let rotated = try after.rotate(sealed, context: "persons/1/id")
        #expect(rotated.hasPrefix("v1.k2."))
        #expect(!after.needsRotation(rotated))
        // Once the old key is dropped, only rotated values open.
        let only = try PersonalDataCipher(keyRing: "k2:\(Self.new)")
        #expect(try only.open(rotated, context: "persons/1/id") == "张三")
        #expect(throws: PersonalDataCipher.Failure.unknownKey("k1")) { try only.open(sealed, context: "persons/1/id") }
    }

    @Test(arguments: [
        "", "k1", "k1:short", "k 1:\(PersonalDataCipherTests.old)", "k1:\(PersonalDataCipherTests.old),k1:\(PersonalDataCipherTests.new)",
    ])
    func refusesABadKeyRing(_ ring: String) {
        #expect(throws: PersonalDataCipher.Failure.self) { try PersonalDataCipher(keyRing: ring) }
    }
}
