import MinqingCore
import Testing

struct JSONValueTests {
    @Test func readsEveryKindOfValue() throws {
        let value = try JSONValue(parsing: Array(#" {"a":[1,-2.5e3,true,false,null],"b":"x\"\\\/\n\u00e9\ud83d\ude00汕尾","c":{}} "#.utf8))
        #expect(value["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(value["b"]?.string == "x\"\\/\né😀汕尾")
        #expect(value["c"] == .object([:]))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "-", "+1", "1.", "-.5", "1.e3", "1e", "1e999", "\"\u{01}\"", "tru", "[1] 2", "\"\\x\"", ".5",
    ])
    func refusesMalformedDocuments(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test func writesWhatItReads() throws {
        let text = #"{"a":[1,-2.5,true,null],"b":"引号\"和\\斜杠\n","c":{"d":[]}}"#
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(try JSONValue(parsing: Array(value.serialized.utf8)) == value)
        #expect(value.serialized == text)
    }

    @Test func escapesWhatJSONRequiresAndCopiesTheRest() throws {
        for (string, literal) in [
            ("", #""""#),
            ("\"", #""\"""#),
            ("a\"b\\c\n\r\t\u{01}\u{1F}汕尾", #""a\"b\\c\n\r\t\u0001\u001f汕尾""#),
            ("\n\n", #""\n\n""#),
            ("井盖/😀", #""井盖/😀""#),
        ] {
            #expect(JSONValue.string(string).serialized == literal, "\(literal)")
            #expect(try JSONValue(parsing: Array(literal.utf8)) == .string(string))
        }
    }

    @Test func refusesMalformedUTF8() {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: [0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
    }

    @Test func readsNumbersOfEveryLegalForm() throws {
        for (text, value) in [("0", 0.0), ("-0", -0.0), ("12", 12), ("-1.25", -1.25), ("1e3", 1000), ("2E-2", 0.02), ("0.5e+1", 5)] {
            #expect(try JSONValue(parsing: Array(text.utf8)) == .number(value), "\(text)")
        }
    }

    @Test func writesWholeNumbersAsCodes() {
        #expect(JSONValue.number(441502).text == "441502")
        #expect(JSONValue.number(1.5).text == "1.5")
    }
}
