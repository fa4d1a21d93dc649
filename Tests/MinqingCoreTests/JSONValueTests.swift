import MinqingCore
import Testing

struct JSONValueTests {
    @Test func readsEveryKindOfValue() throws {
        let value = try JSONValue(parsing: Array(#" {"a":[1,-2.5e3,true,false,null],"b":"x\"\\\/\n\u00e9\ud83d\ude00汕尾","c":{}} "#.utf8))
        #expect(value["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(value["b"]?.string == "x\"\\/\né😀汕尾")
        #expect(value["c"] == .object([:]))
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01x", "\"\u{01}\"", "tru", "[1] 2", "\"\\x\"", ".5"])
    func refusesMalformedDocuments(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test func writesWhatItReads() throws {
        let text = #"{"a":[1,-2.5,true,null],"b":"引号\"和\\斜杠\n","c":{"d":[]}}"#
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(try JSONValue(parsing: Array(value.serialized.utf8)) == value)
        #expect(value.serialized == text)
    }

    @Test func writesWholeNumbersAsCodes() {
        #expect(JSONValue.number(441502).text == "441502")
        #expect(JSONValue.number(1.5).text == "1.5")
    }
}
