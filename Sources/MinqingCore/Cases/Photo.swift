import Foundation

/// A photo attached to a case (现场照片): a JPEG or PNG, recognised by its bytes rather than by what
/// the client says it is, and kept without the metadata a camera writes into it (EXIF: the place it
/// was taken, the device, the time), so that a citizen's photo never gives away where they live.
public struct Photo: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case jpeg
        case png

        public var mediaType: String { self == .jpeg ? "image/jpeg" : "image/png" }
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

    /// The segments before the image data, without APP1 (EXIF, XMP), APP13 (IPTC) and comments; the
    /// image data itself copied as it is. `nil` when the segments do not add up.
    static func jpegWithoutMetadata(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = [0xFF, 0xD8]
        out.reserveCapacity(bytes.count)
        var index = 2
        while index + 4 <= bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            if marker == 0xFF {
                index += 1  // fill byte
                continue
            }
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            guard length >= 2, index + 2 + length <= bytes.count else { return nil }
            let end = index + 2 + length
            if marker == 0xDA {
                // Start of scan: the compressed image follows to the end.
                out += bytes[index...]
                return out
            }
            if marker != 0xE1, marker != 0xED, marker != 0xFE { out += bytes[index..<end] }
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
