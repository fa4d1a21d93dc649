import MinqingCore
import Testing

/// The point index must give exactly the answer of a brute-force scan, everywhere: inside, outside,
/// on shared edges and corners, in holes.
struct PointLocationTests {
    static let city = DemoCityBuilder(plan: .scaled(down: 20)).build()

    /// The brute-force answer: the deepest level with an area containing the point, lowest index first.
    static func bruteForce(_ areas: [Area], _ point: GeoPoint) -> String? {
        for level in AreaLevel.allCases.reversed() {
            if let found = areas.first(where: { $0.level == level && $0.shape.contains(point) }) { return found.code }
        }
        return nil
    }

    static func testPoints(_ areas: [Area], random count: Int, seed: UInt64) -> [GeoPoint] {
        let box = areas.compactMap(\.shape.boundingBox).reduce(areas[0].shape.boundingBox!) { $0.union($1) }.expanded(by: 0.01)
        var random = SeededGenerator(seed: seed)
        var points = (0..<count).map { _ in
            GeoPoint(
                Double.random(in: box.minLongitude...box.maxLongitude, using: &random),
                Double.random(in: box.minLatitude...box.maxLatitude, using: &random)
            )
        }
        for area in areas.filter({ $0.level == .grid }).enumerated().filter({ $0.offset % 4 == 0 }).map(\.element) {
            for ring in area.shape.rings {
                for i in 1..<ring.count {
                    let (a, b) = (ring[i - 1], ring[i])
                    points.append(a)
                    points.append(GeoPoint((a.longitude + b.longitude) / 2, (a.latitude + b.latitude) / 2))
                    points.append(GeoPoint(a.longitude - 1e-4, a.latitude))
                }
            }
        }
        return points
    }

    @Test func agreesWithBruteForceOverTheDemoCity() {
        let tree = AreaTree(areas: Self.city)
        let points = Self.testPoints(Self.city, random: 4_000, seed: 7)
        var mismatches: [GeoPoint] = []
        for point in points where tree.locateCode(point) != Self.bruteForce(Self.city, point) {
            mismatches.append(point)
        }
        #expect(points.count > 10_000)
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
    }

    @Test func aPointOnASharedEdgeBelongsToExactlyOneGrid() {
        let grids = Self.city.filter { $0.level == .grid }
        var owners: [String: Int] = [:]
        for grid in grids {
            for ring in grid.shape.rings {
                for i in 1..<ring.count {
                    let edge = Edge(ring[i - 1], ring[i])
                    owners["\(edge.x0),\(edge.y0),\(edge.x1),\(edge.y1)", default: 0] += 1
                }
            }
        }
        let shared = owners.filter { $0.value == 2 }.keys.sorted().prefix(500)
        #expect(shared.count == 500)
        for key in shared {
            let parts = key.split(separator: ",").map { Double($0)! }
            for point in [GeoPoint(parts[0], parts[1]), GeoPoint((parts[0] + parts[2]) / 2, (parts[1] + parts[3]) / 2)] {
                let containing = grids.filter { $0.shape.contains(point) }.count
                let interior = Self.city[0].shape.contains(point)
                #expect(containing == (interior ? 1 : 0), "point \(point) is in \(containing) grids")
            }
        }
    }

    @Test func agreesWithBruteForceOnOverlappingShapesWithHoles() {
        // Random star-shaped polygons, some with holes, overlapping at will: lowest index wins.
        var random = SeededGenerator(seed: 11)
        var shapes: [MultiPolygon] = []
        for _ in 0..<60 {
            let centre = GeoPoint(Double.random(in: 0...1, using: &random), Double.random(in: 0...1, using: &random))
            let radius = Double.random(in: 0.05...0.3, using: &random)
            func ring(_ radius: Double, corners: Int) -> [GeoPoint] {
                var points = (0..<corners).map { k -> GeoPoint in
                    let angle = Double(k) / Double(corners) * 2 * .pi
                    let r = radius * Double.random(in: 0.6...1.0, using: &random)
                    return GeoPoint(centre.longitude + r * cos(angle), centre.latitude + r * sin(angle))
                }
                points.append(points[0])
                return points
            }
            let holes = Bool.random(using: &random) ? [ring(radius * 0.4, corners: 7).reversed()] : []
            shapes.append(
                MultiPolygon([Polygon(exterior: ring(radius, corners: Int.random(in: 3...40, using: &random)), holes: holes.map(Array.init))])
            )
        }
        let index = PlanarIndex(shapes: shapes, cellsPerShape: 64)
        var points = (0..<5_000).map { _ in GeoPoint(Double.random(in: -0.4...1.4, using: &random), Double.random(in: -0.4...1.4, using: &random)) }
        points += shapes.flatMap { $0.rings.flatMap { $0 } }
        for point in points {
            #expect(index.locate(point) == shapes.firstIndex { $0.contains(point) }, "at \(point)")
        }
    }

    @Test func findsTheIslandInAHoleAndTheRingAroundIt() {
        let outer = [GeoPoint(0, 0), GeoPoint(4, 0), GeoPoint(4, 4), GeoPoint(0, 4), GeoPoint(0, 0)]
        let hole = [GeoPoint(1, 1), GeoPoint(1, 3), GeoPoint(3, 3), GeoPoint(3, 1), GeoPoint(1, 1)]
        let ring = Area(code: "ring", name: "环", level: .grid, parentCode: nil, shape: MultiPolygon([Polygon(exterior: outer, holes: [hole])]))
        let island = Area(code: "island", name: "岛", level: .grid, parentCode: nil, shape: MultiPolygon([Polygon(exterior: Array(hole.reversed()))]))
        let tree = AreaTree(areas: [ring, island])
        #expect(tree.locateCode(GeoPoint(2, 2)) == "island")
        #expect(tree.locateCode(GeoPoint(0.5, 2)) == "ring")
        #expect(tree.locateCode(GeoPoint(3.5, 3.9)) == "ring")
        #expect(tree.locateCode(GeoPoint(5, 2)) == nil)
        // On the hole's boundary, exactly one of the two.
        for point in [GeoPoint(1, 2), GeoPoint(3, 2), GeoPoint(2, 1), GeoPoint(2, 3), GeoPoint(1, 1)] {
            let owners = [ring, island].filter { $0.shape.contains(point) }.map(\.code)
            #expect(owners.count == 1)
            #expect(tree.locateCode(point) == owners.first)
        }
    }

    @Test func answersOutsideWithTheNearestGridAndItsDistance() throws {
        let tree = AreaTree(areas: Self.city)
        let box = try #require(Self.city[0].shape.boundingBox)
        // 0.01° of latitude north of the city's northern edge: about 1,112 m from the nearest grid at most.
        let point = GeoPoint((box.minLongitude + box.maxLongitude) / 2, box.maxLatitude + 0.01)
        guard case .outside(let nearest, let distance) = tree.locate(point) else {
            Issue.record("expected outside")
            return
        }
        #expect(nearest.level == .grid)
        let bruteForce = Self.city.filter { $0.level == .grid }.map { Planar.distance(from: point, to: $0.shape) }.min()!
        #expect(abs(distance - bruteForce) < 1e-6)
        #expect(distance >= 1_100 && distance < 1_700)
    }

    @Test func locatesInATreeImportedOnlyDownToCounties() {
        let counties = Self.city.filter { $0.level <= .county }
        let tree = AreaTree(areas: counties)
        let grid = Self.city.first { $0.level == .grid }!
        let point = grid.shape.polygons[0].exterior[0]
        let inside = GeoPoint(point.longitude + 1e-7, point.latitude + 1e-7)
        guard case .inside(let path) = tree.locate(inside) else {
            Issue.record("expected inside")
            return
        }
        #expect(path.map(\.level) == [.county, .city])
        #expect(path.first?.code == Self.bruteForce(counties, inside))
    }

    @Test func aPathRunsFromTheGridUpToTheCity() throws {
        let tree = AreaTree(areas: Self.city)
        let grid = try #require(Self.city.last { $0.level == .grid })
        let path = tree.path(code: grid.code)
        #expect(path.map(\.level) == [.grid, .village, .town, .county, .city])
        for (child, parent) in zip(path, path.dropFirst()) { #expect(child.parentCode == parent.code) }
        #expect(tree.children(code: path[1].code).contains { $0.code == grid.code })
        // Where a case in the grid is counted besides the grid: its county and town, not its village
        // (whose few grids are added up when asked), never the city.
        #expect(tree.areasAbove(code: grid.code) == [path[3].code, path[2].code])
        #expect(tree.areasAbove(code: path[3].code).isEmpty)
        #expect(tree.areasAbove(code: "no such area").isEmpty)
    }
}

#if canImport(Glibc)
import Glibc
#endif
