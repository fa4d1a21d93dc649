import Foundation

/// How to read a grid file: which properties hold what, and what the file leaves unsaid.
public struct GridFileOptions: Sendable, Hashable {
    public var codeProperty = "code"
    public var nameProperty = "name"
    public var levelProperty = "level"
    public var parentProperty = "parent"
    public var responsibleProperty = "responsible"
    /// The level of every feature, for a file that holds one level.
    public var level: AreaLevel?
    /// The parent of every feature, for a file that holds the children of one area.
    public var parentCode: String?
    /// The datum of the file's coordinates; stored shapes are always WGS84.
    public var coordinateSystem: CoordinateSystem = .wgs84
    public var codeRule: AreaCodeRule = .standard

    public init() {}
}

/// RFC 7946 GeoJSON in and out for the area tree.
public enum GeoJSON {
    /// Reads a FeatureCollection of areas. Features that cannot be read are left out and named in the
    /// report; shapes come back in WGS84, with consecutive repeated positions dropped and rings
    /// oriented as RFC 7946 says.
    public static func readAreas(
        _ data: some Collection<UInt8>,
        options: GridFileOptions
    ) -> (areas: [(feature: Int, area: Area)], report: GridImportReport) {
        var report = GridImportReport()
        let root: JSONValue
        do {
            root = try JSONValue(parsing: data)
        } catch {
            report.issues.append(.init(.error, .invalidJSON, feature: nil, code: nil, message: "the file is not JSON: \(error)"))
            return ([], report)
        }
        guard root["type"]?.string == "FeatureCollection", let features = root["features"]?.array else {
            report.issues.append(
                .init(
                    .error,
                    .notFeatureCollection,
                    feature: nil,
                    code: nil,
                    message: "the file must be a GeoJSON FeatureCollection with a features array"
                )
            )
            return ([], report)
        }
        var areas: [(Int, Area)] = []
        areas.reserveCapacity(features.count)
        for (index, feature) in features.enumerated() {
            if let area = readFeature(feature, index: index, options: options, report: &report) {
                areas.append((index, area))
            }
        }
        return (areas, report)
    }

    private static func readFeature(_ feature: JSONValue, index: Int, options: GridFileOptions, report: inout GridImportReport) -> Area? {
        func fail(_ kind: GridImportIssue.Kind, _ code: String?, at place: GeoPoint? = nil, _ message: String) -> Area? {
            report.issues.append(.init(.error, kind, feature: index, code: code, place: place, message: message))
            return nil
        }
        guard feature["type"]?.string == "Feature" else {
            return fail(.notFeatureCollection, nil, "feature \(index) is not a GeoJSON Feature")
        }
        let properties = feature["properties"] ?? .null
        func text(_ key: String) -> String? {
            guard let value = properties[key]?.text?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        // Control characters (a NUL above all) have no place in a name, and PostgreSQL refuses them.
        for key in [options.codeProperty, options.nameProperty, options.parentProperty, options.responsibleProperty] {
            if let value = text(key), value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                return fail(.invalidText, nil, "property \"\(key)\" holds a control character")
            }
        }
        guard let code = text(options.codeProperty) else {
            return fail(.missingProperty, nil, "property \"\(options.codeProperty)\" (the area code) is missing")
        }
        guard let name = text(options.nameProperty) else {
            return fail(.missingProperty, code, "property \"\(options.nameProperty)\" (the area name) is missing")
        }
        let level: AreaLevel
        if let fixed = options.level {
            level = fixed
        } else if let raw = text(options.levelProperty) {
            guard let parsed = AreaLevel(rawValue: raw) else {
                return fail(.invalidLevel, code, "level \"\(raw)\" is not one of city, county, town, village, grid")
            }
            level = parsed
        } else {
            return fail(.missingProperty, code, "property \"\(options.levelProperty)\" is missing and no level was given")
        }
        let parentCode = options.parentCode ?? text(options.parentProperty)
        if let problem = options.codeRule.problem(code: code, level: level, parentCode: parentCode) {
            return fail(.invalidCode, code, problem)
        }
        guard let geometry = feature["geometry"], let type = geometry["type"]?.string else {
            return fail(.unsupportedGeometry, code, "the feature has no geometry")
        }
        let parts: [JSONValue]
        switch type {
        case "Polygon": parts = [geometry["coordinates"] ?? .null]
        case "MultiPolygon":
            parts = geometry["coordinates"]?.array ?? [.null]
            guard !parts.isEmpty else { return fail(.unsupportedGeometry, code, "a MultiPolygon has no polygons") }
        default: return fail(.unsupportedGeometry, code, "geometry type \(type) is not a Polygon or MultiPolygon")
        }
        var polygons: [Polygon] = []
        for part in parts {
            guard let ringValues = part.array, !ringValues.isEmpty else {
                return fail(.unsupportedGeometry, code, "a polygon has no rings")
            }
            var rings: [[GeoPoint]] = []
            for ringValue in ringValues {
                guard let positions = ringValue.array else { return fail(.unsupportedGeometry, code, "a ring is not an array of positions") }
                var ring: [GeoPoint] = []
                ring.reserveCapacity(positions.count)
                for position in positions {
                    guard let pair = position.array, pair.count >= 2, let x = pair[0].number, let y = pair[1].number else {
                        return fail(.unsupportedGeometry, code, "a position is not [longitude, latitude]")
                    }
                    let point = GeoPoint(longitude: x, latitude: y)
                    guard point.isInRange else {
                        return fail(.coordinateOutOfRange, code, at: point, "position \(x), \(y) is outside longitude ±180 and latitude ±90")
                    }
                    if ring.last != point { ring.append(point) }
                }
                if ring.count >= 3 && ring.first != ring.last {
                    return fail(.unclosedRing, code, at: ring.first, "a ring must end where it begins")
                }
                guard ring.count >= 4 else {
                    return fail(.tooFewPositions, code, at: ring.first, "a ring needs at least four positions (three corners and the closing one)")
                }
                rings.append(options.coordinateSystem == .wgs84 ? ring : ring.map(options.coordinateSystem.toWGS84))
            }
            polygons.append(Polygon(exterior: rings[0], holes: Array(rings.dropFirst())))
        }
        let shape = MultiPolygon(polygons).normalisedOrientation()
        return Area(code: code, name: name, level: level, parentCode: parentCode, shape: shape, responsibleParty: text(options.responsibleProperty))
    }

    /// Writes areas as a FeatureCollection, each feature with code, name, level and parent;
    /// coordinates rounded to `decimals` places when given (6 is a tenth of a metre), else exact.
    public static func write(_ areas: [Area], coordinateSystem: CoordinateSystem = .wgs84, decimals: Int? = nil) -> String {
        var out = "{\"type\":\"FeatureCollection\",\"features\":[\n"
        for (index, area) in areas.enumerated() {
            if index > 0 { out += ",\n" }
            out +=
                "{\"type\":\"Feature\",\"properties\":{\"code\":\(JSONValue.quoted(area.code)),\"name\":\(JSONValue.quoted(area.name)),\"level\":\"\(area.level.rawValue)\""
            out += ",\"parent\":" + (area.parentCode.map(JSONValue.quoted) ?? "null")
            if let party = area.responsibleParty { out += ",\"responsible\":" + JSONValue.quoted(party) }
            out += "},\"geometry\":"
            out += geometry(area.shape, coordinateSystem: coordinateSystem, decimals: decimals)
            out += "}"
        }
        out += "\n]}\n"
        return out
    }

    /// A shape as a GeoJSON geometry object (a Polygon when it has one part).
    public static func geometry(_ shape: MultiPolygon, coordinateSystem: CoordinateSystem = .wgs84, decimals: Int? = nil) -> String {
        precondition(decimals.map { (0...15).contains($0) } ?? true, "decimals from 0 to 15")
        let scale = decimals.map { (0..<$0).reduce(1.0) { value, _ in value * 10 } }
        func rounded(_ value: Double) -> Double { scale.map { (value * $0).rounded() / $0 } ?? value }
        func ring(_ points: [GeoPoint]) -> String {
            "["
                + points.map { point in
                    let p = coordinateSystem.fromWGS84(point)
                    return "[\(rounded(p.longitude)),\(rounded(p.latitude))]"
                }.joined(separator: ",") + "]"
        }
        func polygon(_ polygon: Polygon) -> String { "[" + polygon.rings.map(ring).joined(separator: ",") + "]" }
        if shape.polygons.count == 1 {
            return "{\"type\":\"Polygon\",\"coordinates\":" + polygon(shape.polygons[0]) + "}"
        }
        return "{\"type\":\"MultiPolygon\",\"coordinates\":[" + shape.polygons.map(polygon).joined(separator: ",") + "]}"
    }
}
