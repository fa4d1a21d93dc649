import ArgumentParser
import Foundation
import MinqingServer
import MinqingStore

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The key ring that seals residents' identity numbers and phones.",
        discussion: """
            The ring is MINQING_PERSONAL_DATA_KEYS (id:base64key,…, the first one current), else DATA/personal-data.keys,
            made on first start. To rotate: put a new key first (`minqing keys rotate --new-key` does it in the key file),
            restart the servers, let `minqing keys rotate` re-seal every value, then drop the old key from the ring.
            """,
        subcommands: [KeysGenerate.self, KeysRotate.self]
    )
}

struct KeysGenerate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Print a new ring entry (id:base64key).")

    func run() async throws {
        print(PersonalDataCipher.newKeyRingEntry())
    }
}

struct KeysRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Re-seal every sealed value under the ring's first key; prints how many were re-sealed."
    )

    @OptionGroup var common: CommonOptions
    @Flag(
        help:
            "Only put a new key at the head of the key file, to re-seal under after the servers restart (not with MINQING_PERSONAL_DATA_KEYS: edit that yourself)."
    )
    var newKey = false

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger(configuration)
        if newKey {
            guard configuration.personalDataKeys == nil else {
                throw ValidationError("--new-key: the ring comes from MINQING_PERSONAL_DATA_KEYS; put a new key (minqing keys generate) first in it")
            }
            let path = configuration.personalDataKeyFile
            guard let ring = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandFailure("there is no key file at \(path)") }
            try ensureValid(ring)
            let entry = PersonalDataCipher.newKeyRingEntry()
            try configuration.replacePersonalDataKeyFile(with: entry + "," + ring.trimmingCharacters(in: .whitespacesAndNewlines))
            // Servers still hold the old ring: re-sealing now would leave them unable to read. Later.
            print("Put the new key \(entry.prefix { $0 != ":" }) first in \(path). Restart the servers, then run `minqing keys rotate`.")
            return
        }
        let (count, keyID) = try await Store.with(configuration.databaseLocation, logger: logger) { store in
            try await store.migrate()
            do {
                let cipher = try await configuration.personalDataCipher(logger: logger, store: store)
                return (try await store.rotatePersonalData(cipher: cipher), cipher.currentKeyID)
            } catch let failure as PersonalDataCipher.Failure {
                throw CommandFailure("\(failure)")
            } catch let error as StoreError {
                throw CommandFailure("\(error)")
            }
        }
        print("Re-sealed \(count) value(s) under the key \(keyID).")
    }

    private func ensureValid(_ ring: String) throws {
        do {
            _ = try PersonalDataCipher(keyRing: ring.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw CommandFailure("the key file is not a valid ring: \(error)")
        }
    }
}
