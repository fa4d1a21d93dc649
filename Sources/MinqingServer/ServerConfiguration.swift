import Logging
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
    /// How often a server checks whether another process imported grids.
    public var gridRefreshSeconds = 30

    public init() {}

    public var databaseLocation: DatabaseLocation {
        database ?? .sqlite(path: dataDirectory + "/minqing.sqlite")
    }
}
