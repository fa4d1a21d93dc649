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

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The image alone: the segments that draw it (tables, frame, scans) and the few application
    /// segments that only say how (JFIF, an ICC colour profile, Adobe's colour transform), up to the
    /// end-of-image marker. Dropped: every other application segment (EXIF and XMP with the place and
    /// the device, IPTC, MPF's secondary images, C2PA), comments, and whatever follows the image (a
    /// phone's "motion photo" video). `nil` when the segments do not add up or the image never ends.
    /// (The EXIF orientation goes too: a portrait photo may show on its side.)
    static func jpegWithoutMetadata(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = [0xFF, 0xD8]
        out.reserveCapacity(bytes.count)
        var index = 2
        while index + 2 <= bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            switch marker {
            case 0xFF:
                index += 1  // fill byte
                continue
            case 0xD9:
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
                case 0xE0: true
                case 0xE2: payload.starts(with: Array("ICC_PROFILE\0".utf8))
                case 0xEE: payload.starts(with: Array("Adobe".utf8))
                case 0xE1...0xEF, 0xFE: false
                default: true
                }
            if keep { out += bytes[index..<end] }
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
