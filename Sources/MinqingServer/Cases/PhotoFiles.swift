import Foundation
import MinqingCore
import MinqingStore

/// 现场照片 on disk: content-addressed files under the data directory (`media/ab/<sha256>.jpg`),
/// readable by the server's user only, written and synced before the report that names them commits.
/// The same photo sent twice is kept once.
///
/// A photo is kept before its report commits, so that a committed case never names a missing file;
/// when the report then fails (a store error, a reused `Idempotency-Key`) its photos are left
/// behind, named by no case. ``sweep(keeping:keptBefore:)`` removes those: residents' photos are
/// kept for their cases, not otherwise.
struct PhotoFiles: Sendable {
    let folder: String

    /// The id a photo is known by: its content hash.
    static func id(of photo: Photo) -> String { "sha256:" + hexSHA256(photo.bytes) }

    /// Keeps a photo; returns its id. A photo kept already is marked as kept now, so that a sweep
    /// gives it its full time again while its new report is being written.
    func keep(_ photo: Photo) throws -> String {
        let id = Self.id(of: photo)
        let path = path(id, photo.kind)!
        try withLock(LOCK_SH) {
            if try !SecretFile.write(Data(photo.bytes), to: path, replacing: false) {
                guard utimes(path, nil) == 0 else { throw StoreError.invalidConfiguration("cannot mark \(path) as kept again") }
            }
        }
        return id
    }

    /// A kept photo, or `nil` for an id of another form or one not kept here.
    func read(_ id: String) -> (kind: Photo.Kind, bytes: Data)? {
        for kind in [Photo.Kind.jpeg, .png] {
            if let path = path(id, kind), let bytes = FileManager.default.contents(atPath: path) { return (kind, bytes) }
        }
        return nil
    }

    /// Removes the photos that no case names (`keeping` holds every id that a case names, read
    /// before the sweep) and that were last kept before `cutoff`, and the pieces of writes that a
    /// crash interrupted. A photo kept after `cutoff` stays: its report may still be committing.
    /// Returns how many photos were removed, and how many files could not be (they stay for the
    /// next sweep).
    ///
    /// The folder is listed without a lock; then, keeping excluded (a lock file in the folder, for
    /// every process that keeps photos here), each candidate is looked at again and removed. A photo
    /// kept again meanwhile was marked as kept now, and stays; one kept after the sweep is written anew.
    func sweep(keeping named: Set<String>, keptBefore cutoff: Date) throws -> (removed: Int, failed: Int) {
        guard FileManager.default.fileExists(atPath: folder) else { return (0, 0) }
        func lastKept(_ path: String) -> Date? {
            (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        }
        var candidates: [(path: String, isPhoto: Bool)] = []
        for shard in try FileManager.default.contentsOfDirectory(atPath: folder) where shard.utf8.count == 2 {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(folder)/\(shard)")) ?? [] {
                let isPhoto = name.hasSuffix(".jpg") || name.hasSuffix(".png")
                if isPhoto {
                    if named.contains("sha256:" + name.dropLast(4)) { continue }
                } else if !name.contains(".partial-") {
                    continue
                }
                let path = "\(folder)/\(shard)/\(name)"
                if let kept = lastKept(path), kept < cutoff { candidates.append((path, isPhoto)) }
            }
        }
        guard !candidates.isEmpty else { return (0, 0) }
        return try withLock(LOCK_EX) {
            var (removed, failed) = (0, 0)
            for candidate in candidates {
                guard let kept = lastKept(candidate.path), kept < cutoff else { continue }
                guard unlink(candidate.path) == 0 else {
                    failed += 1
                    continue
                }
                if candidate.isPhoto { removed += 1 }
            }
            return (removed, failed)
        }
    }

    /// Where a photo lives; `nil` unless the id is `sha256:` and 64 lowercase hex digits (so that no
    /// id names a path outside the folder).
    private func path(_ id: String, _ kind: Photo.Kind) -> String? {
        guard id.hasPrefix("sha256:") else { return nil }
        let hex = id.dropFirst(7)
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return "\(folder)/\(hex.prefix(2))/\(hex).\(kind == .jpeg ? "jpg" : "png")"
    }

    /// Runs `body` holding the folder's lock file, shared (`LOCK_SH`) or alone (`LOCK_EX`).
    private func withLock<T>(_ operation: Int32, _ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let lock = open("\(folder)/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw StoreError.invalidConfiguration("cannot open \(folder)/.lock") }
        defer { close(lock) }
        while flock(lock, operation) != 0 {
            guard errno == EINTR else { throw StoreError.invalidConfiguration("cannot lock \(folder)/.lock") }
        }
        return try body()
    }
}
