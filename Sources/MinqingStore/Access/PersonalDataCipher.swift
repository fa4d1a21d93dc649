import Crypto
import Foundation

/// Encrypts residents' identifiers at rest (AES-256-GCM). Keys come from configuration as a key
/// ring, `id:base64key,id:base64key`, the first one current: values sealed under an older key still
/// open, and a rotation re-seals them under the current one.
public struct PersonalDataCipher: Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidKeyRing(String)
        case unknownKey(String)
        case malformed
        case tampered

        public var description: String {
            switch self {
            case .invalidKeyRing(let why): "the key ring is invalid: \(why)"
            case .unknownKey(let id): "no key in the ring has the id \(id)"
            case .malformed: "the sealed value is malformed"
            case .tampered: "the sealed value does not open: it was altered or sealed under another key"
            }
        }
    }

    private let keys: [(id: String, key: SymmetricKey)]

    /// The id of the key new values are sealed under.
    public var currentKeyID: String { keys[0].id }

    public init(keyRing: String) throws {
        var keys: [(String, SymmetricKey)] = []
        for entry in keyRing.split(separator: ",", omittingEmptySubsequences: true) {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw Failure.invalidKeyRing("each entry is id:base64key, with an id of letters, digits and '-'")
            }
            guard let bytes = Data(base64Encoded: parts[1]), bytes.count == 32 else {
                throw Failure.invalidKeyRing("the key \(parts[0]) is not 32 bytes of base64")
            }
            guard !keys.contains(where: { $0.0 == parts[0] }) else { throw Failure.invalidKeyRing("the id \(parts[0]) appears twice") }
            keys.append((parts[0], SymmetricKey(data: bytes)))
        }
        guard !keys.isEmpty else { throw Failure.invalidKeyRing("it holds no key") }
        self.keys = keys
    }

    /// A new random key, base64, for a key ring.
    public static func generateKey() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// A new ring entry `k<seconds since 1970>-<random>:<key>`: an id tells the key's age and never
    /// repeats, even for two keys made in the same second.
    public static func newKeyRingEntry(now: Date = Date()) -> String {
        "k\(Int(now.timeIntervalSince1970))-\(String(UInt32.random(in: .min ... .max), radix: 16)):\(generateKey())"
    }

    /// `v1.<key id>.<base64 of nonce, ciphertext and tag>`; a fresh nonce every time. `context` binds
    /// the value to its place (say `persons/42/identity_number`): copied to another row, it will not open.
    public func seal(_ plaintext: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: keys[0].key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw Failure.malformed }
        return "v1.\(keys[0].id).\(combined.base64EncodedString())"
    }

    public func open(_ sealed: String, context: String) throws -> String {
        let parts = sealed.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "v1", let data = Data(base64Encoded: parts[2]) else { throw Failure.malformed }
        guard let key = keys.first(where: { $0.id == parts[1] })?.key else { throw Failure.unknownKey(parts[1]) }
        do {
            let plaintext = try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: key, authenticating: Data(context.utf8))
            guard let text = String(data: plaintext, encoding: .utf8) else { throw Failure.malformed }
            return text
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.tampered
        }
    }

    /// A keyed digest (HMAC-SHA-256 under the current key, hex) of a value that must be compared but
    /// not kept: a plain hash of a phone number is undone by trying every number.
    public func digest(_ value: String) -> String {
        lowercaseHex(authenticationCode(value))
    }

    /// The same HMAC as bytes, for what is derived from it rather than compared (a follow code).
    public func authenticationCode(_ value: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: keys[0].key))
    }

    /// Whether a value was sealed under a key other than the current one.
    public func needsRotation(_ sealed: String) -> Bool {
        sealed.split(separator: ".", maxSplits: 2).dropFirst().first.map(String.init) != currentKeyID
    }

    /// The value re-sealed under the current key (unchanged when it already is).
    public func rotate(_ sealed: String, context: String) throws -> String {
        needsRotation(sealed) ? try seal(try open(sealed, context: context), context: context) : sealed
    }
}
