import Foundation
import MinqingCore
import MinqingStore
import MinqingTestSupport
import Testing

/// A real, messy boundary file: Natural Earth's 1:110m countries as Debian's python3-geopandas ships
/// them (made into GeoJSON by scripts/naturalearth-fixture, which `make test` runs first).
@Suite(.serialized)
struct NaturalEarthTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/fixtures").standardized

    static func load(_ name: String) throws -> [UInt8] {
        let url = fixtures.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TestDatabaseError("missing \(url.path): run scripts/naturalearth-fixture (make test does)")
        }
        return [UInt8](data)
    }

    static var options: GridFileOptions {
        var options = GridFileOptions()
        options.level = .city
        options.codeRule = .free
        options.codeProperty = "iso_a3"
        return options
    }

    /// What a GIS analyst does with this file: clamp longitudes that overshoot ±180 by a rounding error.
    static func repaired(_ file: [UInt8]) throws -> [UInt8] {
        var root = try JSONValue(parsing: file)
        func clamp(_ value: JSONValue) -> JSONValue {
            guard case .array(let items) = value else { return value }
            if items.count == 2, case .number(let x) = items[0] { return .array([.number(min(180, max(-180, x))), items[1]]) }
            return .array(items.map(clamp))
        }
        guard case .object(var members) = root, case .array(let features) = members["features"] else { throw TestDatabaseError("not a collection") }
        members["features"] = .array(
            features.map { feature in
                guard case .object(var parts) = feature, case .object(var geometry) = parts["geometry"] else { return feature }
                geometry["coordinates"] = clamp(geometry["coordinates"] ?? .null)
                parts["geometry"] = .object(geometry)
                return .object(parts)
            }
        )
        root = .object(members)
        return Array(root.serialized.utf8)
    }

    @Test(arguments: TestDatabase.enabled)
    func namesTheBrokenCountryThenLocatesCapitalsAfterRepair(_ database: TestDatabase) async throws {
        let raw = try Self.load("naturalearth_lowres.geojson")
        let cities = try JSONValue(parsing: Self.load("naturalearth_cities.geojson"))
        try await database.withStore { store in
            let refused = try await store.importAreas(
                city: "world",
                file: raw,
                options: Self.options,
                validator: GridTreeValidator(),
                actor: "test",
                source: "naturalearth"
            )
            #expect(!refused.imported)
            // Russia's outline overshoots the antimeridian by 6e-14 degrees: named by feature, code and place.
            let russia = try #require(refused.report.errors.first { $0.code == "RUS" })
            #expect(russia.kind == .coordinateOutOfRange)
            #expect(russia.feature == 18)
            #expect((russia.place?.longitude ?? 0) > 180)
            #expect(refused.report.errors.allSatisfy { $0.feature != nil && $0.code != nil })
            #expect(try await store.currentAreas(city: "world").isEmpty)

            let accepted = try await store.importAreas(
                city: "world",
                file: try Self.repaired(raw),
                options: Self.options,
                validator: GridTreeValidator(),
                actor: "test",
                source: "naturalearth"
            )
            #expect(accepted.imported, "\(accepted.report.errors.prefix(5).map(\.line))")
            #expect(accepted.created == 177)
            let tree = AreaTree(areas: try await store.currentAreas(city: "world"))
            let capitals = [
                "Beijing": "CHN", "Berlin": "DEU", "Madrid": "ESP", "Moscow": "RUS", "Ottawa": "CAN", "Nairobi": "KEN", "Canberra": "AUS",
                "Cairo": "EGY", "New Delhi": "IND", "Pretoria": "ZAF", "Paris": "FRA", "Kabul": "AFG", "Ulaanbaatar": "MNG", "Mexico City": "MEX",
                "Bogota": "COL", "Addis Ababa": "ETH", "Ankara": "TUR", "Tehran": "IRN", "Warsaw": "POL", "Budapest": "HUN", "Vienna": "AUT",
                "Pristina": "-99",
            ]
            var located: [String: String] = [:]
            for feature in cities["features"]?.array ?? [] {
                guard let name = feature["properties"]?["name"]?.string, capitals[name] != nil,
                    let position = feature["geometry"]?["coordinates"]?.array, let x = position[0].number, let y = position[1].number
                else { continue }
                located[name] = tree.locateCode(GeoPoint(x, y)) ?? "outside"
            }
            #expect(located == capitals)
        }
    }
}
