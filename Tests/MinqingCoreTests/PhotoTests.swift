import MinqingCore
import Testing

/// Photos are recognised by their bytes and lose the camera's metadata (where and when they were
/// taken) before they are kept; anything else is refused, naming the part.
struct PhotoTests {
    static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 2
        return [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    static let exif = segment(0xE1, Array("Exif\0\0GPS 22.78N 115.37E".utf8))
    static let jfif = segment(0xE0, Array("JFIF\0\u{1}\u{1}".utf8))
    static let quantisation = segment(0xDB, [0] + Array(repeating: 1, count: 64))
    static let scan = segment(0xDA, [1, 1, 0, 0, 63, 0]) + [0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]
    /// A JPEG's structure: JFIF, EXIF with a place, a comment, tables, then the scan to the end.
    static let jpeg: [UInt8] = [0xFF, 0xD8] + jfif + exif + segment(0xFE, Array("taken at home".utf8)) + quantisation + scan

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let length = data.count
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + Array(type.utf8) + data
            + [0, 0, 0, 0]
    }

    static let header = chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0])
    static let pixels = chunk("IDAT", [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00])
    static let png: [UInt8] =
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + header + chunk("eXIf", Array("MM\0*GPS".utf8))
        + chunk("tEXt", Array("Comment\0my street".utf8)) + pixels + chunk("IEND", [])

    @Test func aJPEGKeepsItsImageAndLosesItsEXIFAndComments() throws {
        let photo = try Photo(uploaded: Self.jpeg, field: "photos[0]")
        #expect(photo.kind == .jpeg)
        #expect(photo.bytes == [0xFF, 0xD8] + Self.jfif + Self.quantisation + Self.scan)
        // Cleaning a clean photo changes nothing.
        #expect(try Photo(uploaded: photo.bytes, field: "photos[0]").bytes == photo.bytes)
    }

    /// A phone's photo: an ICC profile (kept), MPF and C2PA segments (dropped), two progressive scans
    /// with a table between them, and a "motion photo" video after the end of the image (dropped).
    @Test func onlyTheImageItselfIsKept() throws {
        let icc = Self.segment(0xE2, Array("ICC_PROFILE\0\u{1}\u{1}sRGB".utf8))
        let mpf = Self.segment(0xE2, Array("MPF\0II*\0 second image with GPS".utf8))
        let c2pa = Self.segment(0xEB, Array("JP c2pa manifest".utf8))
        let table = Self.segment(0xC4, [0x10] + Array(repeating: 0, count: 16))
        let firstScan = Self.segment(0xDA, [1, 1, 0, 0, 0, 0]) + [0x11, 0xFF, 0x00, 0xFF, 0xD0, 0x22]
        let secondScan = Self.segment(0xDA, [1, 1, 0, 1, 63, 0]) + [0x33, 0x44]
        let image = [0xFF, 0xD8] + Self.jfif + icc + mpf + c2pa + Self.quantisation + firstScan + table + secondScan + [0xFF, 0xD9]
        let video = Array("\0\0\0\u{18}ftypmp42 MotionPhoto GPS 22.78N".utf8)
        let photo = try Photo(uploaded: image + video, field: "photos[0]")
        #expect(photo.bytes == [0xFF, 0xD8] + Self.jfif + icc + Self.quantisation + firstScan + table + secondScan + [0xFF, 0xD9])
        #expect(!String(decoding: photo.bytes, as: UTF8.self).contains("GPS"))
    }

    @Test func aPNGKeepsItsImageAndLosesItsEXIFAndText() throws {
        let photo = try Photo(uploaded: Self.png, field: "photos[0]")
        #expect(photo.kind == .png)
        #expect(photo.bytes == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Self.header + Self.pixels + Self.chunk("IEND", []))
    }

    @Test func anythingElseIsRefusedNamingThePart() {
        func problem(_ bytes: [UInt8]) -> String? {
            do {
                _ = try Photo(uploaded: bytes, field: "photos[1]")
                return nil
            } catch {
                return error.description
            }
        }
        #expect(problem([]) == "photos[1]: the photo is empty")
        #expect(problem(Array("GIF89a....".utf8)) == "photos[1]: only JPEG and PNG photos are accepted")
        #expect(problem(Array("<svg onload=alert(1)>".utf8)) == "photos[1]: only JPEG and PNG photos are accepted")
        // A segment longer than the file, a JPEG without its image, a PNG without its end.
        #expect(problem([0xFF, 0xD8, 0xFF, 0xE1, 0x40, 0x00, 1, 2, 3]) == "photos[1]: not a well-formed JPEG")
        #expect(problem([0xFF, 0xD8] + Self.jfif) == "photos[1]: not a well-formed JPEG")
        #expect(problem(Array(Self.png.dropLast(12))) == "photos[1]: not a well-formed PNG")
        let huge = [0xFF, 0xD8, 0xFF] + [UInt8](repeating: 0, count: Photo.maximumBytes)
        #expect(problem(huge) == "photos[1]: a photo may be at most 8 MiB, not \(huge.count) bytes")
    }
}

/// The one thing of EXIF a photo keeps: which way up it is.
struct PhotoOrientationTests {
    typealias Base = PhotoTests

    /// An EXIF segment whose TIFF holds a GPS directory pointer and the orientation, in either byte order.
    static func exif(orientation: UInt16, little: Bool) -> [UInt8] {
        func u16(_ value: Int) -> [UInt8] { little ? [UInt8(value & 0xFF), UInt8(value >> 8)] : [UInt8(value >> 8), UInt8(value & 0xFF)] }
        func u32(_ value: Int) -> [UInt8] { little ? u16(value & 0xFFFF) + u16(value >> 16) : u16(value >> 16) + u16(value & 0xFFFF) }
        let entries =
            u16(0x010F) + u16(2) + u32(4) + Array("Cam\0".utf8)  // Make, ASCII held inline
            + u16(0x0112) + u16(3) + u32(1) + u16(Int(orientation)) + [0, 0]
            + u16(0x8825) + u16(4) + u32(1) + u32(44)  // the GPS directory's offset
        let tiff = (little ? Array("II".utf8) : Array("MM".utf8)) + u16(42) + u32(8) + u16(3) + entries + u32(0) + Array("GPS 22.78N 115.37E".utf8)
        return Base.segment(0xE1, Array("Exif\0\0".utf8) + tiff)
    }

    static func onlyOrientation(_ orientation: UInt16) -> [UInt8] {
        Base.segment(0xE1, Array("Exif\0\0MM\0*\0\0\0\u{8}\0\u{1}\u{1}\u{12}\0\u{3}\0\0\0\u{1}".utf8) + [0, UInt8(orientation), 0, 0, 0, 0, 0, 0])
    }

    @Test(arguments: [true, false])
    func aTurnedPhotoKeepsItsOrientationAndNothingElse(_ little: Bool) throws {
        let turned = [0xFF, 0xD8] + Base.jfif + Self.exif(orientation: 6, little: little) + Base.quantisation + Base.scan
        let photo = try Photo(uploaded: turned, field: "photos[0]")
        #expect(photo.bytes == [0xFF, 0xD8] + Base.jfif + Self.onlyOrientation(6) + Base.quantisation + Base.scan)
        #expect(!String(decoding: photo.bytes, as: UTF8.self).contains("GPS") && !String(decoding: photo.bytes, as: UTF8.self).contains("Cam"))
        // Cleaning it again keeps it as it is.
        #expect(try Photo(uploaded: photo.bytes, field: "photos[0]").bytes == photo.bytes)
        // Without JFIF, right after the start of the image.
        let bare = try Photo(uploaded: [0xFF, 0xD8] + Self.exif(orientation: 8, little: little) + Base.quantisation + Base.scan, field: "p")
        #expect(bare.bytes == [0xFF, 0xD8] + Self.onlyOrientation(8) + Base.quantisation + Base.scan)
    }

    /// TIFF structures that do not add up: read as no orientation, never beyond their bytes.
    @Test func aBrokenTIFFGivesNoOrientation() {
        let good = Array(Self.exif(orientation: 6, little: true).dropFirst(4 + 6))
        #expect(Photo.orientation(inTIFF: good) == 6)
        var farDirectory = good
        farDirectory.replaceSubrange(4..<8, with: [0xFF, 0xFF, 0, 0])
        // A count far past the bytes, and no orientation among the entries there are: read to the end, no further.
        var manyEntries = good
        manyEntries.replaceSubrange(8..<10, with: [0xFF, 0xFF])
        manyEntries[8 + 2 + 12] = 0x13
        var asLong = good
        asLong[8 + 2 + 12 + 2] = 4  // the orientation's type: LONG, not SHORT
        for broken in [farDirectory, manyEntries, asLong, Array(good.prefix(12)), [], Array("XX*\0\u{8}\0\0\0".utf8)] {
            #expect(Photo.orientation(inTIFF: broken) == nil)
        }
    }

    @Test func aJFXXThumbnailIsDropped() throws {
        let thumbnail = Base.segment(0xE0, Array("JFXX\0\u{10}".utf8) + Array(repeating: 0x7F, count: 30))
        let photo = try Photo(uploaded: [0xFF, 0xD8] + Base.jfif + thumbnail + Base.quantisation + Base.scan, field: "photos[0]")
        #expect(photo.bytes == [0xFF, 0xD8] + Base.jfif + Base.quantisation + Base.scan)
    }

    @Test func anUprightOrUnreadableOrientationIsNotKept() throws {
        for exif in [Self.exif(orientation: 1, little: true), Self.exif(orientation: 9, little: false), Base.exif] {
            let photo = try Photo(uploaded: [0xFF, 0xD8] + Base.jfif + exif + Base.quantisation + Base.scan, field: "photos[0]")
            #expect(photo.bytes == [0xFF, 0xD8] + Base.jfif + Base.quantisation + Base.scan)
        }
    }
}
