import MinqingStore
import Synchronization

/// The cipher of residents' identifiers, loaded once the database is migrated (before the server
/// starts): whether a new key may be made depends on what the database holds.
final class PersonalDataKeys: Sendable {
    private let loaded = Mutex<PersonalDataCipher?>(nil)

    func load(_ cipher: PersonalDataCipher) {
        loaded.withLock { $0 = cipher }
    }

    func cipher() throws -> PersonalDataCipher {
        guard let cipher = loaded.withLock({ $0 }) else { throw Problem.unavailable("the key of residents' identifiers is not loaded yet") }
        return cipher
    }
}
