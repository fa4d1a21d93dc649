import Foundation

/// A city-shaped patch of jittered hexagons, the raw material of the demo city's boundaries.
/// Every hexagon corner is shared by exactly three cells, so a union of cells never pinches into a
/// ring that touches itself; corners and edge midpoints are jittered by a hash of their lattice
/// position, so every cell that shares a corner computes it bit for bit the same.
struct HexMesh {
    let cellCount: Int
    private let q: [Int32]
    private let r: [Int32]
    private let neighbours: [Int32]
    private let weights: [Double]
    private let seed: UInt64
    private let size: Double
    private let origin: GeoPoint
    private let metresPerDegree: (longitude: Double, latitude: Double)

    /// Corner offsets in lattice units (x in √3/2·size, y in size/2), counter-clockwise from 30°.
    private static let cornerX = [1, 0, -1, -1, 0, 1]
    private static let cornerY = [1, 2, 1, -1, -2, -1]
    /// The neighbour across the edge from corner k to corner k+1, as (dq, dr).
    private static let across = [(0, 1), (-1, 1), (-1, 0), (0, -1), (1, -1), (1, 0)]

    init(plan: DemoCityPlan) {
        seed = plan.seed
        let size = plan.cellSize
        self.size = size
        origin = plan.centre
        metresPerDegree = Planar.metresPerDegree(atLatitude: plan.centre.latitude)
        let target = Double(plan.grids * plan.cellsPerGrid)
        let cellArea = 3 * 3.0.squareRoot() / 2 * size * size
        var phase = SeededGenerator(seed: plan.seed ^ 0x5EED)
        let phases = (0..<3).map { _ in Double.random(in: 0..<(2 * .pi), using: &phase) }
        func cellsInside(radius: Double) -> [(Int32, Int32)] {
            let a = radius * 1.35
            let b = radius / 1.35
            let rowLimit = Int(b * 1.35 / (1.5 * size)) + 1
            var found: [(Int32, Int32)] = []
            for row in -rowLimit...rowLimit {
                let y = 1.5 * size * Double(row)
                let columnLimit = Int(a * 1.35 / (3.0.squareRoot() * size)) + rowLimit
                for column in -columnLimit...columnLimit {
                    let x = 3.0.squareRoot() * size * (Double(column) + Double(row) / 2)
                    let (nx, ny) = (x / a, y / b)
                    let theta = atan2(ny, nx)
                    let edge = 1 + 0.12 * sin(3 * theta + phases[0]) + 0.07 * sin(5 * theta + phases[1]) + 0.04 * sin(9 * theta + phases[2])
                    if (nx * nx + ny * ny).squareRoot() <= edge { found.append((Int32(column), Int32(row))) }
                }
            }
            return found
        }
        var radius = (target * cellArea / .pi).squareRoot()
        var chosen = cellsInside(radius: radius)
        radius *= (target / Double(chosen.count)).squareRoot()
        chosen = cellsInside(radius: radius)

        // Keep the largest connected piece, in lattice order so the mesh is the same on every run.
        var slot: [Int64: Int] = [:]
        for (index, cell) in chosen.enumerated() { slot[Self.key(cell.0, cell.1)] = index }
        var component = [Int](repeating: -1, count: chosen.count)
        var sizes: [Int] = []
        for start in chosen.indices where component[start] < 0 {
            var stack = [start]
            component[start] = sizes.count
            var count = 0
            while let cell = stack.popLast() {
                count += 1
                for (dq, dr) in Self.across {
                    if let next = slot[Self.key(chosen[cell].0 + Int32(dq), chosen[cell].1 + Int32(dr))], component[next] < 0 {
                        component[next] = sizes.count
                        stack.append(next)
                    }
                }
            }
            sizes.append(count)
        }
        let largest = sizes.indices.max { sizes[$0] < sizes[$1] } ?? 0
        let kept = chosen.indices.filter { component[$0] == largest }.map { chosen[$0] }
        cellCount = kept.count
        q = kept.map(\.0)
        r = kept.map(\.1)
        var keptSlot: [Int64: Int32] = [:]
        for (index, cell) in kept.enumerated() { keptSlot[Self.key(cell.0, cell.1)] = Int32(index) }
        var neighbours = [Int32](repeating: -1, count: kept.count * 6)
        for (index, cell) in kept.enumerated() {
            for (k, (dq, dr)) in Self.across.enumerated() {
                neighbours[index * 6 + k] = keptSlot[Self.key(cell.0 + Int32(dq), cell.1 + Int32(dr))] ?? -1
            }
        }
        self.neighbours = neighbours
        weights = kept.map { 0.5 + SeededGenerator.unit(Int($0.0), Int($0.1), plan.seed ^ 0xC057) }
    }

    private static func key(_ a: Int32, _ b: Int32) -> Int64 { Int64(a) << 32 | Int64(UInt32(bitPattern: b)) }

    private func centre(_ cell: Int) -> (x: Double, y: Double) {
        (3.0.squareRoot() * size * (Double(q[cell]) + Double(r[cell]) / 2), 1.5 * size * Double(r[cell]))
    }

    /// Splits a connected set of cells into `count` connected regions of similar size: regions grow
    /// from seeds along the cheapest paths (random costs make the boundaries wander), and two rounds
    /// of moving each seed to its region's middle even out the sizes.
    func split(_ cells: [Int], into count: Int, random: inout SeededGenerator) -> [[Int]] {
        guard count > 1 else { return [cells] }
        var local: [Int: Int] = [:]
        for (index, cell) in cells.enumerated() { local[cell] = index }
        var chosen = Set<Int>()
        var seeds: [Int] = []
        while seeds.count < count {
            let pick = Int.random(in: 0..<cells.count, using: &random)
            if chosen.insert(pick).inserted { seeds.append(pick) }
        }
        var label = [Int](repeating: -1, count: cells.count)
        for round in 0..<3 {
            label = grow(cells, local, seeds)
            guard round < 2 else { break }
            var sums = [(x: Double, y: Double, n: Double)](repeating: (0, 0, 0), count: count)
            for (index, cell) in cells.enumerated() {
                let c = centre(cell)
                sums[label[index]].x += c.x
                sums[label[index]].y += c.y
                sums[label[index]].n += 1
            }
            var best = [(index: Int, distance: Double)](repeating: (-1, .infinity), count: count)
            for (index, cell) in cells.enumerated() {
                let region = label[index]
                let c = centre(cell)
                let dx = c.x - sums[region].x / sums[region].n
                let dy = c.y - sums[region].y / sums[region].n
                let distance = dx * dx + dy * dy
                if distance < best[region].distance { best[region] = (index, distance) }
            }
            seeds = best.map(\.index)
        }
        var regions = [[Int]](repeating: [], count: count)
        for (index, cell) in cells.enumerated() { regions[label[index]].append(cell) }
        return regions
    }

    /// Multi-source cheapest-path growth; each cell takes the label of the seed that reaches it first.
    private func grow(_ cells: [Int], _ local: [Int: Int], _ seeds: [Int]) -> [Int] {
        var distance = [Double](repeating: .infinity, count: cells.count)
        var label = [Int](repeating: -1, count: cells.count)
        var heap = MinHeap()
        for (region, seed) in seeds.enumerated() {
            distance[seed] = 0
            label[seed] = region
            heap.push(0, seed)
        }
        while let (cost, index) = heap.pop() {
            guard cost <= distance[index] else { continue }
            let cell = cells[index]
            for k in 0..<6 {
                let neighbour = Int(neighbours[cell * 6 + k])
                guard neighbour >= 0, let next = local[neighbour] else { continue }
                let step = cost + (weights[cell] + weights[neighbour]) / 2
                if step < distance[next] {
                    distance[next] = step
                    label[next] = label[index]
                    heap.push(step, next)
                }
            }
        }
        return label
    }

    /// Regions in reading order of their middles: north to south in bands, west to east in a band.
    func ordered(_ regions: [[Int]]) -> [[Int]] {
        let total = regions.reduce(0) { $0 + $1.count }
        let band = (Double(total) / Double(max(regions.count, 1))).squareRoot() * 1.5 * size * 1.5
        let keys = regions.map { cells -> (row: Int, x: Double) in
            let sum = cells.reduce((0.0, 0.0)) { ($0.0 + centre($1).x, $0.1 + centre($1).y) }
            let n = Double(cells.count)
            return (-Int((sum.1 / n / band).rounded(.down)), sum.0 / n)
        }
        return regions.indices.sorted { keys[$0].row != keys[$1].row ? keys[$0].row < keys[$1].row : keys[$0].x < keys[$1].x }.map { regions[$0] }
    }

    /// The outline of a union of cells: boundary edges chained into rings (an exterior and any holes).
    func shape(of cells: [Int]) -> MultiPolygon {
        var member = Set<Int>()
        member.reserveCapacity(cells.count)
        for cell in cells { member.insert(cell) }
        var next: [Int64: Int64] = [:]
        for cell in cells {
            for k in 0..<6 {
                let neighbour = Int(neighbours[cell * 6 + k])
                if neighbour >= 0 && member.contains(neighbour) { continue }
                next[cornerKey(cell, k)] = cornerKey(cell, (k + 1) % 6)
            }
        }
        var rings: [[GeoPoint]] = []
        for start in next.keys.sorted() where next[start] != nil {
            var ring: [GeoPoint] = []
            var corner = start
            repeat {
                guard let following = next.removeValue(forKey: corner) else { break }
                ring.append(position(corner))
                ring.append(midpoint(corner, following))
                corner = following
            } while corner != start
            ring.append(position(start))
            rings.append(ring)
        }
        let exterior = rings.indices.max { Planar.signedArea(rings[$0]) < Planar.signedArea(rings[$1]) } ?? 0
        let holes = rings.indices.filter { $0 != exterior }.map { rings[$0] }
        return MultiPolygon([Polygon(exterior: rings[exterior], holes: holes)]).normalisedOrientation()
    }

    private func cornerKey(_ cell: Int, _ k: Int) -> Int64 {
        Self.key(Int32(2 * Int(q[cell]) + Int(r[cell]) + Self.cornerX[k]), Int32(3 * Int(r[cell]) + Self.cornerY[k]))
    }

    private func metres(_ key: Int64) -> (x: Double, y: Double) {
        let (lx, ly) = (Int(key >> 32), Int(Int32(truncatingIfNeeded: key)))
        let u = 3.0.squareRoot() / 2 * size
        let v = size / 2
        let jx = (SeededGenerator.unit(lx, ly, seed ^ 0xA) - 0.5) * 0.4 * u
        let jy = (SeededGenerator.unit(lx, ly, seed ^ 0xB) - 0.5) * 0.4 * v
        return (Double(lx) * u + jx, Double(ly) * v + jy)
    }

    private func degrees(_ x: Double, _ y: Double) -> GeoPoint {
        GeoPoint(longitude: origin.longitude + x / metresPerDegree.longitude, latitude: origin.latitude + y / metresPerDegree.latitude)
    }

    private func position(_ key: Int64) -> GeoPoint {
        let (x, y) = metres(key)
        return degrees(x, y)
    }

    /// The middle of an edge, pushed sideways by a hash of the edge; computed from the edge's ends in
    /// a fixed order, so both cells beside the edge get the same point.
    private func midpoint(_ a: Int64, _ b: Int64) -> GeoPoint {
        let (low, high) = a < b ? (a, b) : (b, a)
        let (p, r) = (metres(low), metres(high))
        let wobble = (SeededGenerator.unit(Int(low), Int(high), seed ^ 0xC) - 0.5) * 0.3
        let x = (p.x + r.x) / 2 - (r.y - p.y) * wobble
        let y = (p.y + r.y) / 2 + (r.x - p.x) * wobble
        return degrees(x, y)
    }
}

/// A binary min-heap of (cost, index), ties broken by index so growth is deterministic.
private struct MinHeap {
    private var items: [(Double, Int)] = []

    mutating func push(_ cost: Double, _ index: Int) {
        items.append((cost, index))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.less(items[child], items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (Double, Int)? {
        guard let first = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < items.count && Self.less(items[left], items[smallest]) { smallest = left }
                if right < items.count && Self.less(items[right], items[smallest]) { smallest = right }
                if smallest == parent { break }
                items.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }

    private static func less(_ a: (Double, Int), _ b: (Double, Int)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 < b.1) }
}
