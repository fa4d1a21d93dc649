import Foundation

/// A photo attached to a case (现场照片): a JPEG or PNG, recognised by its bytes rather than by what
/// the client says it is, and kept without the metadata a camera writes into it (EXIF: the place it
/// was taken, the device, the time), so that a citizen's photo never gives away where they live.
public struct Photo: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case jpeg
        case png
    }

    /// At most this many bytes a photo.
    public static let maximumBytes = 8 * 1024 * 1024
    /// At most this many photos a report.
    public static let maximumCount = 6

    public var kind: Kind
    /// The bytes as stored: the image without its metadata.
    public var bytes: [UInt8]

    /// Checks and cleans an uploaded photo; the problem names the part (`photos[2]`) and what is wrong.
    public init(uploaded bytes: [UInt8], field: String) throws(FieldProblem) {
        guard !bytes.isEmpty else { throw FieldProblem(field, "the photo is empty") }
        guard bytes.count <= Self.maximumBytes else {
            throw FieldProblem(field, "a photo may be at most \(Self.maximumBytes / 1024 / 1024) MiB, not \(bytes.count) bytes")
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            kind = .jpeg
            guard let clean = Self.jpegWithoutMetadata(bytes) else { throw FieldProblem(field, "not a well-formed JPEG") }
            self.bytes = clean
        } else if bytes.starts(with: Self.pngSignature) {
            kind = .png
            guard let clean = Self.pngWithoutMetadata(bytes) else { throw FieldProblem(field, "not a well-formed PNG") }
            self.bytes = clean
        } else {
            throw FieldProblem(field, "only JPEG and PNG photos are accepted")
        }
    }

    /// Checks one more photo sent with a report and adds it: at most ``maximumCount`` a report, each
    /// named by its place in the part it came in (`photos[2]`, `media[0]`).
    public static func add(_ bytes: [UInt8], to photos: inout [Photo], part: String) throws(FieldProblem) {
        guard photos.count < maximumCount else { throw FieldProblem(part, "at most \(maximumCount) photos a report") }
        photos.append(try Photo(uploaded: bytes, field: "\(part)[\(photos.count)]"))
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The image alone: the segments that draw it (tables, frame, scans) and the few application
    /// segments that only say how (JFIF, an ICC colour profile, Adobe's colour transform), up to the
    /// end-of-image marker. Dropped: every other application segment (EXIF and XMP with the place and
    /// the device, IPTC, MPF's secondary images, C2PA), comments, and whatever follows the image (a
    /// phone's "motion photo" video). `nil` when the segments do not add up or the image never ends.
    /// One thing of EXIF is kept: the orientation, which says how the camera was held (a phone writes
    /// a portrait photo as a landscape image turned by a tag), in an EXIF segment of its own that holds
    /// nothing else.
    static func jpegWithoutMetadata(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = [0xFF, 0xD8]
        out.reserveCapacity(bytes.count)
        var orientation: UInt16?
        /// Where the orientation's segment goes: after the SOI, or after a JFIF segment right behind it.
        var headerEnd = 2
        var index = 2
        while index + 2 <= bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            switch marker {
            case 0xFF:
                index += 1  // fill byte
                continue
            case 0xD9:
                if let orientation { out.insert(contentsOf: Self.exifSegment(orientation: orientation), at: headerEnd) }
                return out + [0xFF, 0xD9]
            case 0x01, 0xD0...0xD7:
                out += [0xFF, marker]
                index += 2
                continue
            default:
                break
            }
            guard index + 4 <= bytes.count else { return nil }
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            guard length >= 2, index + 2 + length <= bytes.count else { return nil }
            var end = index + 2 + length
            let payload = bytes[index + 4..<end]
            let keep: Bool =
                switch marker {
                // JFIF itself; not JFXX, whose extension carries a thumbnail of the photo.
                case 0xE0: payload.starts(with: Array("JFIF\0".utf8))
                case 0xE2: payload.starts(with: Array("ICC_PROFILE\0".utf8))
                case 0xEE: payload.starts(with: Array("Adobe".utf8))
                case 0xE1...0xEF, 0xFE: false
                default: true
                }
            if keep { out += bytes[index..<end] }
            if marker == 0xE0, index == 2 { headerEnd = out.count }
            if marker == 0xE1, orientation == nil, payload.starts(with: Self.exifHeader) {
                orientation = Self.orientation(inTIFF: Array(payload.dropFirst(Self.exifHeader.count)))
            }
            if marker == 0xDA {
                // The compressed scan runs to the next marker that is not a stuffed 0xFF or a restart.
                var scan = end
                while scan + 1 < bytes.count {
                    let next = bytes[scan + 1]
                    if bytes[scan] == 0xFF, next != 0x00, next != 0xFF, !(0xD0...0xD7).contains(next) { break }
                    scan += 1
                }
                guard scan + 1 < bytes.count else { return nil }
                out += bytes[end..<scan]
                end = scan
            }
            index = end
        }
        return nil
    }

    static let exifHeader: [UInt8] = Array("Exif\0\0".utf8)

    /// The orientation tag (0x0112) of a TIFF structure's first directory, when it turns or mirrors
    /// the image (2–8); `nil` for none, for 1 (as stored), or when the structure does not add up.
    public static func orientation(inTIFF tiff: [UInt8]) -> UInt16? {
        guard tiff.count >= 8 else { return nil }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let first = u16(at), let second = u16(at + 2) else { return nil }
            return little ? first | second << 16 : first << 16 | second
        }
        guard u16(2) == 42, let directory = u32(4), let count = u16(directory) else { return nil }
        for entry in 0..<count {
            let at = directory + 2 + 12 * entry
            guard let tag = u16(at) else { return nil }
            // SHORT, one value, held in the entry itself.
            guard tag == 0x0112 else { continue }
            guard u16(at + 2) == 3, u32(at + 4) == 1, let value = u16(at + 8), (2...8).contains(value) else { return nil }
            return UInt16(value)
        }
        return nil
    }

    /// An APP1 EXIF segment that holds the orientation and nothing else (big-endian TIFF, one
    /// directory of one entry).
    static func exifSegment(orientation: UInt16) -> [UInt8] {
        let tiff: [UInt8] =
            [0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08]  // "MM", 42, the directory at 8
            + [0x00, 0x01]  // one entry
            + [0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0x00, 0x00]
            + [0x00, 0x00, 0x00, 0x00]  // no next directory
        let length = 2 + exifHeader.count + tiff.count
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + exifHeader + tiff
    }

    /// The chunks without eXIf and the text chunks (tEXt, zTXt, iTXt) and tIME; `nil` when the chunks
    /// do not add up or IEND is missing.
    static func pngWithoutMetadata(_ bytes: [UInt8]) -> [UInt8]? {
        var out = pngSignature
        out.reserveCapacity(bytes.count)
        var index = pngSignature.count
        let dropped: Set<String> = ["eXIf", "tEXt", "zTXt", "iTXt", "tIME"]
        while index + 12 <= bytes.count {
            let length = bytes[index..<index + 4].reduce(0) { $0 << 8 | Int($1) }
            guard length <= bytes.count, index + 12 + length <= bytes.count else { return nil }
            let type = String(decoding: bytes[index + 4..<index + 8], as: UTF8.self)
            let end = index + 12 + length
            if !dropped.contains(type) { out += bytes[index..<end] }
            if type == "IEND" { return out }
            index = end
        }
        return nil
    }
}
