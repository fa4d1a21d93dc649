import Foundation
import Logging
import MinqingCore
import MinqingStore

/// Everything `minqing serve` is told, by flags or `MINQING_*` environment variables.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Where the SQLite file, media and demo credentials live.
    public var dataDirectory = "./data"
    /// `nil` for the SQLite file under the data directory.
    public var database: DatabaseLocation?
    /// The jurisdiction this server answers for; `nil` takes the only city in the database.
    public var city: String?
    public var logLevel: Logger.Level = .info
    /// The largest grid file the import endpoint accepts.
    public var maximumImportBytes = 64 << 20
    /// bcrypt's cost for passwords set from now on (4–31).
    public var bcryptCost: UInt8 = 12
    /// Sign-in and password-change attempts per client address: a burst of this many…
    public var signInBurst = 10
    /// …then one more every this many seconds.
    public var signInRefillSeconds = 6.0
    /// Reports by a citizen's account (群众上报, the public channel): a burst of this many…
    public var citizenIntakeBurst = 5
    /// …then one more every this many seconds. Staff who report (grid workers, officials, hotline
    /// operators) are never held back.
    public var citizenIntakeRefillSeconds = 120.0
    /// Reports from the citizens' page without an account, per client address (IPv6 by its /64): a
    /// burst of this many… (more than an account's: a village may share one carrier's address). The
    /// same allowance, counted apart and before the body is read, bounds posts that may carry photos.
    public var publicIntakeBurst = 10
    /// …then one more every this many seconds.
    public var publicIntakeRefillSeconds = 60.0
    /// Wrong follow codes (查询码) per client address: a burst of this many, then one more every
    /// ``followAttemptRefillSeconds``, so that codes cannot be guessed by trying. Once they are spent,
    /// even the right code waits.
    public var followAttemptBurst = 20
    public var followAttemptRefillSeconds = 30.0
    /// Open311 searches (`GET requests`) without an API key, per client address: a burst of this
    /// many, then one more every ``open311SearchRefillSeconds``.
    public var open311SearchBurst = 60
    public var open311SearchRefillSeconds = 1.0
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or blocks such as `10.0.0.0/8`).
    public var trustedProxies: [AddressRange] = []
    /// How often a server checks whether another process imported grids.
    public var gridRefreshSeconds = 30
    /// How often the scheduler looks for case timers that came due (it also wakes for the next one it knows of).
    public var schedulerIntervalMilliseconds = 250
    /// How often the audit entries that PostgreSQL's writes leave unlinked are linked to the chain
    /// (``AuditLinker``): about how long an acknowledged entry waits outside it (longer while a long
    /// transaction writes to the log).
    public var auditLinkIntervalMilliseconds = 1000
    /// How often the photo files that no case names are looked for and removed (``PhotoSweep``).
    public var photoSweepIntervalSeconds = 6 * 3600
    /// The map library's folder (``MapAssets``): Debian's `libjs-leaflet`. `nil`, or a folder
    /// without it, and pages show no map.
    public var mapLibraryDirectory: String? = "/usr/share/javascript/leaflet"
    /// The key ring that seals residents' identifiers (`id:base64key,…`, the first one current);
    /// `nil` reads, or on first start creates, ``personalDataKeyFile``.
    public var personalDataKeys: String?
    /// Always `nil` when serving. The access-control benchmark sets an actor to act for every request
    /// unchecked (no credential lookup, no policy), to measure what access control costs.
    @_spi(Benchmarks) public var unauthenticatedActorForBenchmarks: Actor?

    /// The city's own working-time schedules (`*.json`, one year each), replacing China's for their years.
    public var calendarDirectory: String? { dataDirectory + "/calendars" }

    public init() {}

    public var databaseLocation: DatabaseLocation {
        database ?? .sqlite(path: dataDirectory + "/minqing.sqlite")
    }

    /// Where the key ring lives when none is configured: readable by the server's user only. Back it
    /// up apart from the database: without it, sealed identifiers cannot be read.
    public var personalDataKeyFile: String { dataDirectory + "/personal-data.keys" }

    /// The cipher of residents' identifiers: the configured ring, else the key file, else (only while
    /// the database holds nothing sealed) a new key written to the key file (see ``SecretFile``). A
    /// missing key file beside sealed data is an error, never a new key: the data would be lost.
    public func personalDataCipher(logger: Logger, store: Store) async throws -> PersonalDataCipher {
        if let ring = personalDataKeys { return try PersonalDataCipher(keyRing: ring) }
        if let text = try? String(contentsOfFile: personalDataKeyFile, encoding: .utf8) {
            return try PersonalDataCipher(keyRing: text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        guard try await !store.holdsSealedPersonalData() else {
            throw StoreError.invalidConfiguration(
                "the database holds sealed identity numbers and phones, but there is no key: restore \(personalDataKeyFile) or set MINQING_PERSONAL_DATA_KEYS"
            )
        }
        let ring = PersonalDataCipher.newKeyRingEntry()
        guard try SecretFile.write(Data((ring + "\n").utf8), to: personalDataKeyFile, replacing: false) else {
            // Another process made it first: use theirs.
            let text = try String(contentsOfFile: personalDataKeyFile, encoding: .utf8)
            return try PersonalDataCipher(keyRing: text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        logger.warning(
            "created a new key for residents' identifiers: back it up apart from the database",
            metadata: ["file": "\(personalDataKeyFile)"]
        )
        return try PersonalDataCipher(keyRing: ring)
    }

    /// Replaces the key file with a new ring (`minqing keys rotate --new-key`), whole or not at all.
    public func replacePersonalDataKeyFile(with ring: String) throws {
        _ = try PersonalDataCipher(keyRing: ring)
        try SecretFile.write(Data((ring + "\n").utf8), to: personalDataKeyFile, replacing: true)
    }
}
