import ArgumentParser
import Foundation
import MinqingCore
import MinqingServer
import MinqingStore

extension AreaLevel: ExpressibleByArgument {}
extension CoordinateSystem: ExpressibleByArgument {}
extension AreaCodeRule: ExpressibleByArgument {}

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Import data from files.", subcommands: [ImportGrids.self])
}

struct ImportGrids: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grids",
        abstract: "Import a GeoJSON FeatureCollection of areas (RFC 7946). Validated whole first: one error and nothing is written."
    )

    @OptionGroup var common: CommonOptions
    @Argument(help: "The GeoJSON file.") var file: String
    @Option(help: "The level of every feature: city, county, town, village or grid.") var level: AreaLevel?
    @Option(help: "The code of every feature's parent.") var parent: String?
    @Option(help: "The file's coordinate system: wgs84, gcj02 or bd09.") var crs: CoordinateSystem = .wgs84
    @Option(help: "The property holding the area code.") var codeProperty = "code"
    @Option(help: "The property holding the name.") var nameProperty = "name"
    @Option(help: "The property holding the level.") var levelProperty = "level"
    @Option(help: "The property holding the parent's code.") var parentProperty = "parent"
    @Option(help: "standard (national code scheme) or free (any code).") var codeRule: AreaCodeRule = .standard
    @Option(help: "Metres a boundary may stray outside its parent or into a sibling.") var tolerance = 1.0

    func validate() throws {
        guard tolerance.isFinite, (0...1000).contains(tolerance) else {
            throw ValidationError("--tolerance must be from 0 to 1000 metres, not \(tolerance)")
        }
    }

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger(configuration)
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read the file \(file)") }
        var options = GridFileOptions()
        (options.level, options.parentCode, options.coordinateSystem, options.codeRule) = (level, parent, crs, codeRule)
        (options.codeProperty, options.nameProperty, options.levelProperty, options.parentProperty) = (
            codeProperty, nameProperty, levelProperty, parentProperty
        )
        var validator = GridTreeValidator()
        validator.toleranceMetres = tolerance
        let bytes = [UInt8](data)
        let source = (file as NSString).lastPathComponent
        let (fileOptions, fileValidator) = (options, validator)
        let summary = try await Store.with(configuration.databaseLocation, logger: logger) { store in
            try await store.migrate()
            let city = try await Self.city(configuration.city, store: store, file: bytes, options: fileOptions)
            return try await store.importAreas(city: city, file: bytes, options: fileOptions, validator: fileValidator, actor: "cli", source: source)
        }
        for issue in summary.report.issues { FileHandle.standardError.write(Data((issue.line + "\n").utf8)) }
        guard summary.imported else {
            if summary.report.isAcceptable { throw CommandFailure("\(file) holds no features; nothing was imported") }
            throw CommandFailure("\(file): refused, \(summary.report.errors.count) error(s); nothing was imported")
        }
        print(
            "Imported \(summary.features) areas from \(file): \(summary.created) new, \(summary.changed) changed, \(summary.unchanged) unchanged, \(summary.report.warnings.count) warning(s)."
        )
    }

    /// --city, else the city-level feature of the file, else the only city in the database.
    static func city(_ given: String?, store: Store, file: [UInt8], options: GridFileOptions) async throws -> String {
        if let given { return given }
        let cities = try await store.cities()
        let named = GeoJSON.readAreas(file, options: options).areas.first { $0.area.level == .city }?.area.code
        if cities.count == 1 {
            guard named == nil || named == cities[0] else {
                throw CommandFailure("the file's city is \(named!) but the database holds \(cities[0]): name the city with --city")
            }
            return cities[0]
        }
        if let named, cities.isEmpty { return named }
        throw ValidationError(
            cities.isEmpty ? "the file has no city-level area: name the city with --city" : "the database holds several cities: name one with --city"
        )
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export data to standard output.", subcommands: [ExportGrids.self])
}

struct ExportGrids: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grids", abstract: "Write the area tree in force as a GeoJSON FeatureCollection.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Only this level.") var level: AreaLevel?
    @Option(help: "The coordinate system to write: wgs84, gcj02 or bd09.") var crs: CoordinateSystem = .wgs84

    func run() async throws {
        let configuration = try common.configuration()
        let logger = try common.logger(configuration)
        let areas = try await Store.with(configuration.databaseLocation, logger: logger) { store in
            try await store.migrate()
            let cities = try await store.cities()
            guard let city = configuration.city ?? (cities.count == 1 ? cities.first : nil) else {
                throw CommandFailure(cities.isEmpty ? "the database has no areas" : "the database holds several cities: name one with --city")
            }
            return try await store.currentAreas(city: city)
        }
        let chosen = areas.filter { level == nil || $0.level == level }.sorted { ($0.level, $0.code) < ($1.level, $1.code) }
        FileHandle.standardOutput.write(Data(GeoJSON.write(chosen, coordinateSystem: crs).utf8))
    }
}
