import Crypto
import Foundation
import MinqingCore
import SQLKit
import Synchronization

/// Who recently proved to be whom (API keys, session tokens), so that a request does not wait on the
/// database to learn who is calling. Entries are found by the SHA-256 of the secret, never the secret.
///
/// Whatever ends a credential (a revoked key, a disabled account, a reset or changed password, a
/// sign-out) bumps `credential_epoch` in the database in the same transaction and empties this
/// process's cache once it commits; other processes check the epoch at most a second apart and empty
/// theirs when it moved. A lookup that began before an emptying does not refill the cache with what
/// it read.
final class CredentialCache: Sendable {
    enum Credential: Sendable {
        case apiKey(Actor)
        case session(SessionHolder)
    }

    private struct State {
        var entries: [String: (credential: Credential, until: Int64)] = [:]
        /// The database's epoch when last read, and when (milliseconds).
        var epoch: Int64?
        var checkedAt: Int64?
        /// Bumped at every emptying: a lookup fills the cache only if it has not moved meanwhile.
        var generation = 0
    }

    /// How long a process trusts its cache without reading the epoch.
    static let checkInterval: Int64 = 1000
    /// At most this many credentials are kept; beyond it the cache starts over.
    static let capacity = 50_000

    private let state = Mutex(State())

    /// The cached credential, if any and not expired, and the generation a lookup must present to fill.
    func find(_ hash: String, now: Int64) -> (Credential?, generation: Int) {
        state.withLock { state in
            guard let entry = state.entries[hash], entry.until > now else { return (nil, state.generation) }
            return (entry.credential, state.generation)
        }
    }

    func fill(_ hash: String, _ credential: Credential, until: Int64, generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[hash] = (credential, until)
        }
    }

    func empty() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation += 1
        }
    }

    /// Whether the epoch should be read again.
    func isStale(now: Int64) -> Bool {
        state.withLock { state in
            guard let checkedAt = state.checkedAt else { return true }
            return now < checkedAt || now - checkedAt >= Self.checkInterval
        }
    }

    /// Records the epoch read at `now`; empties the cache when it moved.
    func observe(epoch: Int64, now: Int64) {
        state.withLock { state in
            if state.epoch != epoch {
                state.entries.removeAll()
                state.generation += 1
                state.epoch = epoch
            }
            state.checkedAt = now
        }
    }
}

extension Store {
    /// A cached credential, after reading the epoch when it is due; or the generation to fill with.
    func cachedCredential(_ hash: String) async throws -> (CredentialCache.Credential?, generation: Int) {
        let stamp = nowMilliseconds
        if credentials.isStale(now: stamp) {
            let epoch = try await backend.read { db in
                try await db.raw("SELECT epoch FROM credential_epoch WHERE id = 1").first()?.decode(column: "epoch", as: Int64.self) ?? 0
            }
            credentials.observe(epoch: epoch, now: stamp)
        }
        return credentials.find(hash, now: stamp)
    }

    /// Inside a transaction that ends credentials: moves the epoch, so other processes let go of them too.
    /// The caller empties this process's cache once the transaction has committed.
    static func credentialsEnded(db: any SQLDatabase) async throws {
        try await db.raw("UPDATE credential_epoch SET epoch = epoch + 1 WHERE id = 1").run()
    }

    /// Runs a transaction that ends credentials, and empties the cache before and after it.
    func endingCredentials<T>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        credentials.empty()
        defer { credentials.empty() }
        return try await backend.transaction { db in
            let result = try await body(db)
            try await Self.credentialsEnded(db: db)
            return result
        }
    }
}

/// SHA-256 in lowercase hex: how key and token hashes and audit chain links are stored.
public func hexSHA256(_ data: [UInt8]) -> String {
    lowercaseHex(SHA256.hash(data: data))
}

/// Bytes in lowercase hex. (Written out by hand: `String(format:)` per byte cost more than the hash
/// on every request.)
func lowercaseHex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text = [UInt8]()
    text.reserveCapacity(64)
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
}
