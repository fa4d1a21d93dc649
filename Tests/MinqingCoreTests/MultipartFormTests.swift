import MinqingCore
import Testing

/// multipart/form-data as clients send it, and every malformed body refused by name.
struct MultipartFormTests {
    static func body(_ parts: [(headers: String, body: String)], boundary: String = "b0undary", closing: Bool = true) -> [UInt8] {
        var text = "preamble\r\n"
        for part in parts { text += "--\(boundary)\r\n\(part.headers)\r\n\r\n\(part.body)\r\n" }
        if closing { text += "--\(boundary)--\r\n" }
        return Array(text.utf8)
    }

    @Test func readsFieldsAndFilesWithTheirNames() throws {
        #expect(MultipartForm.boundary(of: "multipart/form-data; boundary=b0undary") == "b0undary")
        #expect(MultipartForm.boundary(of: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"") == "a b")
        #expect(MultipartForm.boundary(of: "application/x-www-form-urlencoded") == nil)
        #expect(MultipartForm.boundary(of: "multipart/form-data") == nil)
        #expect(MultipartForm.boundary(of: "multipart/form-data; boundary=\(String(repeating: "x", count: 71))") == nil)
        let form = try MultipartForm(
            parsing: Self.body([
                ("Content-Disposition: form-data; name=\"service_code\"", "C0101"),
                ("content-disposition: form-data; name=description", "井盖缺失\r\n有人摔倒 --b0und"),
                ("Content-Disposition: form-data; name=\"media\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg", "\u{FF}JPEG"),
            ]),
            boundary: "b0undary"
        )
        #expect(form.parts.map(\.name) == ["service_code", "description", "media"])
        #expect(String(decoding: form.parts[1].body, as: UTF8.self) == "井盖缺失\r\n有人摔倒 --b0und")
        #expect(form.parts[2].filename == "a.jpg" && form.parts[2].contentType == "image/jpeg")
        #expect(form.parts[0].filename == nil)
    }

    @Test func refusesMalformedBodies() {
        let refusals: [([UInt8], String)] = [
            (Array("no boundary at all".utf8), "the body holds no part"),
            (Self.body([("Content-Disposition: form-data; name=\"a\"", "1")], closing: false), "the body ends before its closing boundary"),
            (Array("--b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n1\r\n--b0undary--".utf8), "a part's headers never end"),
            (Self.body([("Content-Disposition: form-data", "1")]), "every part needs a name (Content-Disposition: form-data; name=…)"),
            (Array("--b0undaryX\r\n".utf8), "a boundary must end its line"),
            (Self.body(Array(repeating: ("Content-Disposition: form-data; name=\"a\"", "1"), count: 101)), "at most 100 parts"),
        ]
        for (body, message) in refusals {
            #expect(throws: FieldProblem("multipart", message)) { try MultipartForm(parsing: body, boundary: "b0undary") }
        }
    }
}
