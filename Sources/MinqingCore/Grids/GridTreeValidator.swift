import Foundation

/// Checks a grid file against itself and the tree already in force, before anything is written:
/// self-intersections, duplicate codes, unknown parents and cycles, children outside their parent,
/// overlaps between areas of one level beyond a tolerance, and (as warnings) gaps inside a parent.
public struct GridTreeValidator: Sendable {
    /// How far, in metres, a boundary may stray before it counts as outside or overlapping:
    /// surveyed boundaries of neighbours rarely agree to the centimetre.
    public var toleranceMetres: Double
    /// The share of a parent left uncovered by its children above which a gap is reported.
    public var gapShare: Double

    public init(toleranceMetres: Double = 1.0, gapShare: Double = 0.001) {
        self.toleranceMetres = toleranceMetres
        self.gapShare = gapShare
    }

    /// The report for `incoming` (areas read from a file, with their feature numbers) given the
    /// areas in force now, which incoming areas of the same code replace.
    public func validate(incoming: [(feature: Int, area: Area)], existing: [Area], fileReport: GridImportReport = .init()) -> GridImportReport {
        var report = fileReport
        func add(
            _ severity: GridImportIssue.Severity,
            _ kind: GridImportIssue.Kind,
            _ feature: Int?,
            _ area: Area,
            at place: GeoPoint? = nil,
            _ message: String
        ) {
            report.issues.append(.init(severity, kind, feature: feature, code: area.code, place: place, message: message))
        }

        // Codes: unique within the file.
        var featureByCode: [String: Int] = [:]
        var accepted: [(feature: Int, area: Area)] = []
        for (feature, area) in incoming {
            if let first = featureByCode[area.code] {
                add(.error, .duplicateCode, feature, area, "code \(area.code) is used by feature \(first) too")
                continue
            }
            featureByCode[area.code] = feature
            accepted.append((feature, area))
        }

        // The tree as it would stand: existing areas, replaced by incoming ones of the same code.
        var tree: [String: Area] = [:]
        for area in existing { tree[area.code] = area }
        for (_, area) in accepted { tree[area.code] = area }

        for (feature, area) in accepted {
            switch ShapeProblem.find(in: area.shape) {
            case .selfIntersection(let point): add(.error, .selfIntersection, feature, area, at: point, "the boundary crosses or touches itself")
            case .holeOutsideShell(let point):
                add(.error, .holeOutsideShell, feature, area, at: point, "a hole lies outside its outer ring or inside another hole")
            case .overlappingParts(let point): add(.error, .overlappingParts, feature, area, at: point, "two parts of the MultiPolygon overlap")
            case nil: break
            }
            guard let parentCode = area.parentCode else { continue }
            guard let parent = tree[parentCode] else {
                add(.error, .unknownParent, feature, area, "parent \(parentCode) is neither in the file nor in the tree")
                continue
            }
            if parent.level != area.level.parentLevel {
                add(
                    .error,
                    .wrongParentLevel,
                    feature,
                    area,
                    "a \(area.level.rawValue) must sit under a \(area.level.parentLevel?.rawValue ?? "nothing"), but \(parentCode) is a \(parent.level.rawValue)"
                )
            }
            var seen: Set<String> = [area.code]
            var cursor: String? = parentCode
            while let code = cursor, let next = tree[code] {
                if !seen.insert(code).inserted {
                    add(.error, .parentCycle, feature, area, "following parents from \(area.code) comes back to \(code)")
                    break
                }
                cursor = next.parentCode
            }
        }
        // Geometry is checked even when the tree has errors, so that one report names every problem;
        // containment is checked only where the parent is known.
        let all = Array(tree.values).sorted { $0.code < $1.code }
        let incomingCodes = Set(accepted.map(\.area.code))
        checkContainment(all, incomingCodes, featureByCode, &report)
        checkOverlaps(all, incomingCodes, featureByCode, &report)
        checkGaps(all, incomingCodes, featureByCode, &report)
        return report
    }

    /// Every corner of a child lies inside its parent, or within the tolerance of its boundary.
    private func checkContainment(_ all: [Area], _ incoming: Set<String>, _ features: [String: Int], _ report: inout GridImportReport) {
        let byCode = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1.code, $0) })
        for level in AreaLevel.allCases.dropFirst() {
            let parents = all.filter { $0.level == level.parentLevel }
            guard !parents.isEmpty else { continue }
            let index = PlanarIndex(shapes: parents.map(\.shape), cellsPerShape: 64)
            let parentSlot = Dictionary(uniqueKeysWithValues: parents.enumerated().map { ($1.code, $0) })
            for child in all where child.level == level {
                guard let parentCode = child.parentCode, let slot = parentSlot[parentCode], let parentIndex = byCode[parentCode] else { continue }
                guard incoming.contains(child.code) || incoming.contains(parentCode) else { continue }
                let parent = all[parentIndex]
                for point in Self.cornersAndMidpoints(child.shape.polygons.map(\.exterior)) {
                    if index.locate(point) == slot || index.shape(slot, contains: point) { continue }
                    if !Planar.isNear(point, to: parent.shape, within: toleranceMetres) {
                        let distance = Planar.distance(from: point, to: parent.shape)
                        report.issues.append(
                            .init(
                                .error,
                                .outsideParent,
                                feature: features[child.code],
                                code: child.code,
                                place: point,
                                message: "lies \(Int(distance.rounded())) m outside its parent \(parentCode)"
                            )
                        )
                        break
                    }
                }
            }
        }
    }

    /// No corner of one area lies inside another of the same level deeper than the tolerance.
    private func checkOverlaps(_ all: [Area], _ incoming: Set<String>, _ features: [String: Int], _ report: inout GridImportReport) {
        for level in AreaLevel.allCases {
            let areas = all.filter { $0.level == level }
            guard areas.count > 1 else { continue }
            let index = PlanarIndex(shapes: areas.map(\.shape), cellsPerShape: 16)
            let boxes = areas.map { $0.shape.boundingBox! }
            // A point deep inside each area catches an area drawn twice or inside another, whose
            // corners all lie on the other's boundary.
            let interiors = areas.map { $0.shape.interiorPoint(clearance: toleranceMetres) }
            let order = areas.indices.sorted { boxes[$0].minLongitude < boxes[$1].minLongitude }
            for (position, a) in order.enumerated() {
                for b in order[(position + 1)...] {
                    if boxes[b].minLongitude > boxes[a].maxLongitude { break }
                    guard boxes[a].intersects(boxes[b]), incoming.contains(areas[a].code) || incoming.contains(areas[b].code) else { continue }
                    let deepInterior = [(a, b), (b, a)].lazy.compactMap { inner, outer in
                        interiors[inner].flatMap { index.shape(outer, contains: $0) ? $0 : nil }
                    }.first
                    if let place = deepCorner(of: areas[a], inside: b, areas, index) ?? deepCorner(of: areas[b], inside: a, areas, index)
                        ?? deepInterior
                    {
                        let (first, second) = areas[a].code < areas[b].code ? (areas[a], areas[b]) : (areas[b], areas[a])
                        report.issues.append(
                            .init(
                                .error,
                                .siblingOverlap,
                                feature: features[first.code] ?? features[second.code],
                                code: first.code,
                                place: place,
                                message: "overlaps \(second.code) by more than \(toleranceMetres) m"
                            )
                        )
                    }
                }
            }
        }
    }

    private func deepCorner(of area: Area, inside other: Int, _ areas: [Area], _ index: PlanarIndex) -> GeoPoint? {
        for point in Self.cornersAndMidpoints(Array(area.shape.rings)) where index.shape(other, contains: point) {
            if !Planar.isNear(point, to: areas[other].shape, within: toleranceMetres) { return point }
        }
        return nil
    }

    /// Every corner of the rings and the middle of every edge.
    private static func cornersAndMidpoints(_ rings: [[GeoPoint]]) -> [GeoPoint] {
        rings.flatMap { ring in
            (1..<ring.count).flatMap { i in
                [ring[i], GeoPoint((ring[i - 1].longitude + ring[i].longitude) / 2, (ring[i - 1].latitude + ring[i].latitude) / 2)]
            }
        }
    }

    /// Children cover their parent: an uncovered share above ``gapShare`` is a warning, since gaps
    /// do occur (water, unassigned land) and the parent answers for them (属地兜底).
    private func checkGaps(_ all: [Area], _ incoming: Set<String>, _ features: [String: Int], _ report: inout GridImportReport) {
        var childArea: [String: Double] = [:]
        var touched: Set<String> = []
        for area in all {
            guard let parent = area.parentCode else { continue }
            childArea[parent, default: 0] += area.shape.areaSquareMetres
            if incoming.contains(area.code) || incoming.contains(parent) { touched.insert(parent) }
        }
        for parent in all where touched.contains(parent.code) {
            let total = parent.shape.areaSquareMetres
            let gap = total - (childArea[parent.code] ?? 0)
            guard total > 0, gap / total > gapShare else { continue }
            report.issues.append(
                .init(
                    .warning,
                    .gapInParent,
                    feature: features[parent.code],
                    code: parent.code,
                    place: parent.shape.polygons.first?.exterior.first,
                    message: "its children leave \(Int(gap.rounded())) m² (\(String(format: "%.2f", 100 * gap / total))%) uncovered"
                )
            )
        }
    }
}

/// Reading and validating a grid file in one step, the way every import does it.
public enum GridImport {
    /// The areas of the file and the full report. Problems found while reading give positions as
    /// written; problems found by validation are converted back to the file's coordinate system too.
    public static func prepare(
        _ file: some Collection<UInt8>,
        options: GridFileOptions,
        existing: [Area],
        validator: GridTreeValidator
    ) -> (areas: [(feature: Int, area: Area)], report: GridImportReport) {
        let (areas, fileReport) = GeoJSON.readAreas(file, options: options)
        var report = validator.validate(incoming: areas, existing: existing)
        if options.coordinateSystem != .wgs84 {
            for index in report.issues.indices {
                report.issues[index].place = report.issues[index].place.map(options.coordinateSystem.fromWGS84)
            }
        }
        report.issues = fileReport.issues + report.issues
        return (areas, report)
    }
}
