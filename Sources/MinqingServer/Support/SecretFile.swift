import Foundation
import MinqingStore

/// Files that hold secrets (demo credentials, the key ring): readable by the owner only from the
/// first byte, on disk before they appear, and in place only once whole.
enum SecretFile {
    /// Writes `contents` to `path`. With `replacing` false, an existing file is kept and `false`
    /// returned, so that two processes starting at once cannot each install a different secret.
    @discardableResult
    static func write(_ contents: Data, to path: String, replacing: Bool) throws -> Bool {
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true)
        // A name of its own per write: two requests keeping the same photo at once must not share one.
        let partial = path + ".partial-\(getpid())-\(UUID().uuidString)"
        defer { unlink(partial) }
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw StoreError.invalidConfiguration("cannot write \(partial)") }
        let written = contents.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == contents.count, synced == 0 else { throw StoreError.invalidConfiguration("cannot write \(partial)") }
        if replacing {
            guard rename(partial, path) == 0 else { throw StoreError.invalidConfiguration("cannot move \(partial) to \(path)") }
        } else {
            guard link(partial, path) == 0 else {
                if errno == EEXIST { return false }
                throw StoreError.invalidConfiguration("cannot create \(path)")
            }
        }
        // The new name is durable only once the folder is.
        let folderDescriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY)
        if folderDescriptor >= 0 {
            _ = fsync(folderDescriptor)
            close(folderDescriptor)
        }
        return true
    }
}
