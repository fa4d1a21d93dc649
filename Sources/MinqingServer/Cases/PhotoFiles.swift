import Foundation
import MinqingCore
import MinqingStore

/// 现场照片 on disk: content-addressed files under the data directory (`media/ab/<sha256>.jpg`),
/// readable by the server's user only, written and synced before the report that names them commits.
/// The same photo sent twice is kept once.
struct PhotoFiles: Sendable {
    let folder: String

    /// The id a photo is known by: its content hash.
    static func id(of photo: Photo) -> String { "sha256:" + hexSHA256(photo.bytes) }

    /// Keeps a photo; returns its id.
    func keep(_ photo: Photo) throws -> String {
        let id = Self.id(of: photo)
        try SecretFile.write(Data(photo.bytes), to: path(id, photo.kind)!, replacing: false)
        return id
    }

    /// A kept photo, or `nil` for an id of another form or one not kept here.
    func read(_ id: String) -> (kind: Photo.Kind, bytes: Data)? {
        for kind in [Photo.Kind.jpeg, .png] {
            if let path = path(id, kind), let bytes = FileManager.default.contents(atPath: path) { return (kind, bytes) }
        }
        return nil
    }

    /// Where a photo lives; `nil` unless the id is `sha256:` and 64 lowercase hex digits (so that no
    /// id names a path outside the folder).
    private func path(_ id: String, _ kind: Photo.Kind) -> String? {
        guard id.hasPrefix("sha256:") else { return nil }
        let hex = id.dropFirst(7)
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return "\(folder)/\(hex.prefix(2))/\(hex).\(kind == .jpeg ? "jpg" : "png")"
    }
}
