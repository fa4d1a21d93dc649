import Foundation
import MinqingCore
import Testing

/// Reading grid files and validating them: every problem is named by feature and place, and one
/// error refuses the whole file.
struct GridFileTests {
    /// A square of `size` degrees at (x, y), counter-clockwise.
    static func square(_ x: Double, _ y: Double, _ size: Double = 1) -> [[Double]] {
        [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    }

    static func feature(_ code: String, _ level: String, parent: String? = nil, rings: [[[Double]]], name: String? = nil) -> String {
        let ringText = rings.map { ring in "[" + ring.map { "[\($0[0]),\($0[1])]" }.joined(separator: ",") + "]" }.joined(separator: ",")
        let parentText = parent.map { ",\"parent\":\"\($0)\"" } ?? ""
        return """
            {"type":"Feature","properties":{"code":"\(code)","name":"\(name ?? "区域\(code)")","level":"\(level)"\(parentText)},
             "geometry":{"type":"Polygon","coordinates":[\(ringText)]}}
            """
    }

    static func collection(_ features: [String]) -> [UInt8] {
        Array("{\"type\":\"FeatureCollection\",\"features\":[\(features.joined(separator: ","))]}".utf8)
    }

    static func validate(_ features: [String], existing: [Area] = [], options: GridFileOptions = .init()) -> GridImportReport {
        let (areas, report) = GeoJSON.readAreas(collection(features), options: options)
        return GridTreeValidator().validate(incoming: areas, existing: existing, fileReport: report)
    }

    /// A valid two-level tree: county 440101 split into towns 440101001 (west) and 440101002 (east).
    static let validTree = [
        feature("440101", "county", rings: [[[113, 23], [113.02, 23], [113.02, 23.01], [113, 23.01], [113, 23]]]),
        feature("440101001", "town", parent: "440101", rings: [[[113, 23], [113.01, 23], [113.01, 23.01], [113, 23.01], [113, 23]]]),
        feature("440101002", "town", parent: "440101", rings: [[[113.01, 23], [113.02, 23], [113.02, 23.01], [113.01, 23.01], [113.01, 23]]]),
    ]

    @Test func acceptsAValidTreeAndNormalisesRingOrientation() throws {
        let clockwise = Self.feature("440102", "county", rings: [Array(Self.square(114, 23, 0.01).reversed())])
        let (areas, report) = GeoJSON.readAreas(Self.collection(Self.validTree + [clockwise]), options: .init())
        #expect(report.issues.isEmpty)
        let validated = GridTreeValidator().validate(incoming: areas, existing: [], fileReport: report)
        #expect(validated.issues.isEmpty, "\(validated.issues.map(\.line))")
        let flipped = try #require(areas.first { $0.area.code == "440102" })
        #expect(Planar.signedArea(flipped.area.shape.polygons[0].exterior) > 0)
    }

    @Test func namesEachBadFeatureByIndexAndKind() {
        let features = [
            Self.feature("440101", "county", rings: [Self.square(113, 23, 0.02)]),
            // 1: unclosed ring
            Self.feature("440101001", "town", parent: "440101", rings: [[[113, 23], [113.01, 23], [113.01, 23.01], [113, 23.01]]]),
            // 2: too few positions
            Self.feature("440101002", "town", parent: "440101", rings: [[[113, 23], [113.01, 23], [113, 23]]]),
            // 3: out of range
            Self.feature("440101003", "town", parent: "440101", rings: [[[113, 23], [213, 23], [113.01, 23.01], [113, 23]]]),
            // 4: a bow tie crosses itself
            Self.feature("440101004", "town", parent: "440101", rings: [[[113, 23], [113.01, 23.01], [113.01, 23], [113, 23.01], [113, 23]]]),
            // 5: unknown level
            Self.feature("440101005", "hamlet", parent: "440101", rings: [Self.square(113, 23, 0.001)]),
            // 6: a code that does not extend its parent's
            Self.feature("440199006", "town", parent: "440101", rings: [Self.square(113, 23, 0.001)]),
        ]
        let report = Self.validate(features)
        let found = Dictionary(grouping: report.errors, by: { $0.feature ?? -1 }).mapValues { $0.map(\.kind) }
        #expect(found[1] == [.unclosedRing])
        #expect(found[2] == [.tooFewPositions])
        #expect(found[3] == [.coordinateOutOfRange])
        #expect(found[4] == [.selfIntersection])
        #expect(found[5] == [.invalidLevel])
        #expect(found[6] == [.invalidCode])
        #expect(found[0] == nil)
        // Each geometric problem says where it is.
        let selfIntersection = report.errors.first { $0.kind == .selfIntersection }
        #expect(abs((selfIntersection?.place?.longitude ?? 0) - 113.005) < 1e-9 && abs((selfIntersection?.place?.latitude ?? 0) - 23.005) < 1e-9)
        #expect(report.errors.first { $0.kind == .coordinateOutOfRange }?.place == GeoPoint(213, 23))
    }

    @Test func refusesDuplicateCodesUnknownParentsAndWrongLevels() {
        let features =
            Self.validTree + [
                Self.feature("440101002", "town", parent: "440101", rings: [Self.square(113.01, 23, 0.01)]),
                Self.feature("440101003001", "village", parent: "440101003", rings: [Self.square(113, 23, 0.001)]),
                Self.feature("440101001001", "grid", parent: "440101001", rings: [Self.square(113, 23, 0.001)]),
            ]
        var options = GridFileOptions()
        options.codeRule = .free
        let kinds = Self.validate(features, options: options).errors.map { "\($0.feature!):\($0.kind.rawValue)" }
        #expect(kinds.contains("3:duplicate_code"))
        #expect(kinds.contains("4:unknown_parent"))
        #expect(kinds.contains("5:wrong_parent_level"))
    }

    @Test func findsAParentCycle() {
        var options = GridFileOptions()
        options.codeRule = .free
        options.level = .town
        let features = [
            Self.feature("a", "town", parent: "b", rings: [Self.square(0, 0)]),
            Self.feature("b", "town", parent: "a", rings: [Self.square(1, 0)]),
        ]
        let report = Self.validate(features, options: options)
        #expect(report.errors.contains { $0.kind == .parentCycle })
    }

    @Test func refusesAChildOutsideItsParentBeyondTheTolerance() {
        var features = Self.validTree
        // The east town pokes 0.001° (about 100 m) past the county's eastern edge.
        features[2] = Self.feature(
            "440101002",
            "town",
            parent: "440101",
            rings: [[[113.01, 23], [113.021, 23], [113.021, 23.01], [113.01, 23.01], [113.01, 23]]]
        )
        let report = Self.validate(features)
        let issue = report.errors.first { $0.kind == .outsideParent }
        #expect(issue?.feature == 2)
        #expect(issue?.code == "440101002")
        #expect(issue?.place?.longitude == 113.021)
    }

    @Test func refusesOverlappingSiblingsButToleratesSurveyNoise() {
        var overlapping = Self.validTree
        // The west town reaches 0.002° (about 200 m) into the east town.
        overlapping[1] = Self.feature(
            "440101001",
            "town",
            parent: "440101",
            rings: [[[113, 23], [113.012, 23], [113.012, 23.01], [113, 23.01], [113, 23]]]
        )
        let report = Self.validate(overlapping)
        #expect(report.errors.map(\.kind) == [.siblingOverlap])
        #expect(report.errors.first?.code == "440101001")

        var noisy = Self.validTree
        // 0.000002° is about 20 cm: within the default 1 m tolerance, and the sliver of gap it leaves is tiny.
        noisy[1] = Self.feature(
            "440101001",
            "town",
            parent: "440101",
            rings: [[[113, 23], [113.010002, 23], [113.010002, 23.01], [113, 23.01], [113, 23]]]
        )
        #expect(Self.validate(noisy).issues.isEmpty)
    }

    @Test func refusesAnAreaDrawnTwiceUnderAnotherCode() {
        // Every corner of the copy lies on the original's boundary: only a point deep inside tells.
        let copy = Self.feature(
            "440101003",
            "town",
            parent: "440101",
            rings: [[[113, 23], [113.01, 23], [113.01, 23.01], [113, 23.01], [113, 23]]]
        )
        let report = Self.validate(Self.validTree + [copy])
        #expect(report.errors.map(\.kind) == [.siblingOverlap])
        #expect(report.errors.first?.code == "440101001")
    }

    @Test func refusesHolesOutsideTheirShellAndOverlappingParts() {
        var options = GridFileOptions()
        options.codeRule = .free
        let stray =
            #"{"type":"Feature","properties":{"code":"a","name":"a","level":"county"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[2,2],[3,2],[3,3],[2,2]]]}}"#
        let parts =
            #"{"type":"Feature","properties":{"code":"b","name":"b","level":"county"},"geometry":{"type":"MultiPolygon","coordinates":[[[[5,0],[8,0],[8,3],[5,3],[5,0]]],[[[6,1],[7,1],[7,2],[6,1]]]]}}"#
        let empty = #"{"type":"Feature","properties":{"code":"c","name":"c","level":"county"},"geometry":{"type":"MultiPolygon","coordinates":[]}}"#
        let report = Self.validate([stray, parts, empty], options: options)
        let kinds = Dictionary(uniqueKeysWithValues: report.errors.map { ($0.code ?? "", $0.kind) })
        #expect(kinds == ["a": .holeOutsideShell, "b": .overlappingParts, "c": .unsupportedGeometry])
    }

    @Test func refusesControlCharactersInNames() {
        let feature = Self.feature("440101", "county", rings: [Self.square(113, 23, 0.01)], name: "天河\\u0000区")
        let report = Self.validate([feature])
        #expect(report.errors.map(\.kind) == [.invalidText])
    }

    @Test func namesGeometricProblemsEvenWhenTheTreeHasErrors() {
        var features = Self.validTree
        features[1] = Self.feature(
            "440101001",
            "town",
            parent: "440101",
            rings: [[[113, 23], [113.012, 23], [113.012, 23.01], [113, 23.01], [113, 23]]]
        )
        features.append(Self.feature("440101009", "town", parent: "440109", rings: [Self.square(114, 23, 0.001)]))
        let kinds = Set(
            Self.validate(
                features,
                options: {
                    var o = GridFileOptions()
                    o.codeRule = .free
                    return o
                }()
            ).errors.map(\.kind)
        )
        #expect(kinds == [.siblingOverlap, .unknownParent])
    }

    @Test func warnsOfAGapInsideAParentButImports() {
        var features = Self.validTree
        features.removeLast()
        let report = Self.validate(features)
        #expect(report.isAcceptable)
        #expect(report.warnings.map(\.kind) == [.gapInParent])
        #expect(report.warnings.first?.code == "440101")
    }

    @Test func checksAgainstTheTreeAlreadyInForce() {
        let (existing, _) = GeoJSON.readAreas(Self.collection([Self.validTree[0]]), options: .init())
        var options = GridFileOptions()
        options.level = .town
        options.parentCode = "440101"
        let towns = [Self.validTree[1], Self.validTree[2]]
        #expect(Self.validate(towns, existing: existing.map(\.area), options: options).issues.isEmpty)
        #expect(Self.validate(towns, existing: [], options: options).errors.allSatisfy { $0.kind == .unknownParent })
    }

    @Test func readsOtherDatumsIntoWGS84() throws {
        var options = GridFileOptions()
        options.coordinateSystem = .gcj02
        let gcj = CoordinateSystem.gcj02.fromWGS84(GeoPoint(113, 23))
        let feature = Self.feature("440101", "county", rings: [Self.square(gcj.longitude, gcj.latitude, 0.01)])
        let (areas, _) = GeoJSON.readAreas(Self.collection([feature]), options: options)
        let corner = try #require(areas.first?.area.shape.polygons.first?.exterior.first)
        #expect(abs(corner.longitude - 113) < 1e-9 && abs(corner.latitude - 23) < 1e-9)
    }

    @Test func mapsPropertyNamesAndReportsMissingOnes() {
        var options = GridFileOptions()
        options.codeProperty = "GRID_CODE"
        options.nameProperty = "MC"
        options.level = .county
        let mapped =
            #"{"type":"Feature","properties":{"GRID_CODE":440101,"MC":"天河区"},"geometry":{"type":"Polygon","coordinates":[[[113,23],[114,23],[114,24],[113,23]]]}}"#
        let unnamed =
            #"{"type":"Feature","properties":{"GRID_CODE":"440102"},"geometry":{"type":"Polygon","coordinates":[[[115,23],[116,23],[116,24],[115,23]]]}}"#
        let (areas, report) = GeoJSON.readAreas(Self.collection([mapped, unnamed]), options: options)
        #expect(areas.map(\.area.code) == ["440101"])
        #expect(areas.first?.area.name == "天河区")
        #expect(report.errors.map(\.kind) == [.missingProperty])
        #expect(report.errors.first?.message.contains("MC") == true)
    }

    @Test func refusesWhatIsNotAFeatureCollection() {
        #expect(GeoJSON.readAreas(Array("{\"type\":".utf8), options: .init()).report.errors.map(\.kind) == [.invalidJSON])
        #expect(GeoJSON.readAreas(Array("[1,2]".utf8), options: .init()).report.errors.map(\.kind) == [.notFeatureCollection])
        let point = #"{"type":"Feature","properties":{"code":"440101","name":"x","level":"county"},"geometry":{"type":"Point","coordinates":[1,2]}}"#
        #expect(GeoJSON.readAreas(Self.collection([point]), options: .init()).report.errors.map(\.kind) == [.unsupportedGeometry])
    }

    @Test func writesWhatItReads() throws {
        let (areas, _) = GeoJSON.readAreas(Self.collection(Self.validTree), options: .init())
        let text = GeoJSON.write(areas.map(\.area))
        let (again, report) = GeoJSON.readAreas(Array(text.utf8), options: .init())
        #expect(report.issues.isEmpty)
        #expect(again.map(\.area) == areas.map(\.area))
    }
}
