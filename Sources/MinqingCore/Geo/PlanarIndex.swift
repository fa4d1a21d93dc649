import Foundation

/// Point location over one set of shapes that do not overlap (one level of the area tree).
///
/// A uniform grid of cells covers the shapes. A cell that no edge touches belongs wholly to one shape
/// (or to none) and answers with one array read; a cell that edges touch keeps a short list of
/// candidate shapes, each tested with the crossing-number rule over only the edges in the horizontal
/// band of the point. The answer is always the one ``MultiPolygon/contains(_:)`` gives, and where
/// shapes overlap, the lowest index wins, as a brute-force scan in index order would.
public final class PlanarIndex: Sendable {
    /// How many shapes the index was built over.
    public let shapeCount: Int
    private let columns: Int
    private let rows: Int
    private let originX: Double
    private let originY: Double
    private let inverseCellWidth: Double
    private let inverseCellHeight: Double
    /// Per cell: a shape index when the shape covers the whole cell, `-1` when nothing does, and
    /// `-2 - k` for a cell whose candidates are list `k`.
    private let cells: [Int32]
    private let candidateStart: [Int32]
    /// `shape << 1 | 1` for a shape that covers the whole cell, `shape << 1` for one to test.
    private let candidates: [Int32]
    private let shapes: ShapeEdges

    /// Builds the index; `cellsPerShape` trades memory for speed (more cells, fewer edge tests).
    public init(shapes input: [MultiPolygon], cellsPerShape: Int = 512, maximumCells: Int = 1 << 22) {
        shapeCount = input.count
        shapes = ShapeEdges(input)
        guard var bounds = input.compactMap(\.boundingBox).reduce(nil, { $0?.union($1) ?? $1 }) else {
            (columns, rows, originX, originY, inverseCellWidth, inverseCellHeight) = (1, 1, 0, 0, 0, 0)
            (cells, candidateStart, candidates) = ([-1], [0], [])
            return
        }
        let width = max(bounds.maxLongitude - bounds.minLongitude, 1e-9)
        let height = max(bounds.maxLatitude - bounds.minLatitude, 1e-9)
        bounds = bounds.expanded(by: max(width, height) * 1e-6)
        let total = Double(min(max(input.count * cellsPerShape, 1024), maximumCells))
        let columns = max(1, Int((total * width / height).squareRoot()))
        let rows = max(1, Int(total) / columns)
        let cellWidth = (bounds.maxLongitude - bounds.minLongitude) / Double(columns)
        let cellHeight = (bounds.maxLatitude - bounds.minLatitude) / Double(rows)
        let grid = CellGrid(
            columns: columns,
            rows: rows,
            originX: bounds.minLongitude,
            originY: bounds.minLatitude,
            cellWidth: cellWidth,
            cellHeight: cellHeight
        )
        (self.columns, self.rows, originX, originY) = (columns, rows, grid.originX, grid.originY)
        (inverseCellWidth, inverseCellHeight) = (1 / cellWidth, 1 / cellHeight)

        // 1. Every (cell, shape) whose edges touch the cell, conservatively.
        var touched: [UInt64] = []
        touched.reserveCapacity(shapes.edgeCount * 3)
        for shape in 0..<input.count {
            shapes.forEachEdge(of: shape) { x0, y0, x1, y1 in
                grid.forEachCell(touchedBy: x0, y0, x1, y1) { cell in
                    touched.append(UInt64(cell) << 32 | UInt64(shape) << 1)
                }
            }
        }
        touched.sort()
        var uniqueTouched: [UInt64] = []
        uniqueTouched.reserveCapacity(touched.count)
        for key in touched where uniqueTouched.last != key { uniqueTouched.append(key) }
        touched = []

        var cells = [Int32](repeating: -1, count: columns * rows)
        var boundaryCount: Int32 = 0
        for key in uniqueTouched {
            let cell = Int(key >> 32)
            if cells[cell] == -1 {
                cells[cell] = -2 - boundaryCount
                boundaryCount += 1
            }
        }

        // 2. Cells wholly inside a shape: runs of untouched cells in a row share one answer, so one
        //    test per run; a touched cell that the shape covers without touching is a whole candidate.
        var whole: [UInt64] = []
        for shape in 0..<input.count {
            let box = shapes.bounds(of: shape)
            guard box.minX <= box.maxX else { continue }  // a shape without edges covers nothing
            let (c0, c1) = (grid.column(of: box.minX), grid.column(of: box.maxX))
            let (r0, r1) = (grid.row(of: box.minY), grid.row(of: box.maxY))
            for row in r0...r1 {
                var runAnswer: Bool? = nil
                let centreY = grid.originY + (Double(row) + 0.5) * cellHeight
                for column in c0...c1 {
                    let cell = row * columns + column
                    let centreX = grid.originX + (Double(column) + 0.5) * cellWidth
                    if cells[cell] <= -2 {
                        runAnswer = nil
                        let key = UInt64(cell) << 32 | UInt64(shape) << 1
                        if !Self.binarySearch(uniqueTouched, key), shapes.contains(shape, centreX, centreY) {
                            whole.append(key | 1)
                        }
                        continue
                    }
                    let inside = runAnswer ?? shapes.contains(shape, centreX, centreY)
                    runAnswer = inside
                    if inside && cells[cell] == -1 { cells[cell] = Int32(shape) }
                }
            }
        }

        // 3. Candidate lists, in shape order within each touched cell.
        var all = uniqueTouched + whole
        uniqueTouched = []
        all.sort()
        var start = [Int32](repeating: 0, count: Int(boundaryCount) + 1)
        var items: [Int32] = []
        items.reserveCapacity(all.count)
        for key in all {
            let list = Int(-2 - cells[Int(key >> 32)])
            start[list + 1] += 1
            items.append(Int32(truncatingIfNeeded: key & 0xFFFF_FFFF))
        }
        for list in 0..<Int(boundaryCount) { start[list + 1] += start[list] }
        self.cells = cells
        candidateStart = start
        candidates = items
    }

    /// The index of the shape that contains the point, or `nil`.
    @inlinable
    public func locate(_ point: GeoPoint) -> Int? {
        let found = locate(longitude: point.longitude, latitude: point.latitude)
        return found < 0 ? nil : Int(found)
    }

    /// The hot path: the shape index, or -1 when no shape contains the point.
    @usableFromInline
    func locate(longitude px: Double, latitude py: Double) -> Int32 {
        let fx = (px - originX) * inverseCellWidth
        let fy = (py - originY) * inverseCellHeight
        guard fx >= 0, fy >= 0, fx < Double(columns), fy < Double(rows) else { return -1 }
        let value = cells[Int(fy) * columns + Int(fx)]
        if value >= -1 { return value }
        let list = Int(-2 - value)
        for k in Int(candidateStart[list])..<Int(candidateStart[list + 1]) {
            let item = candidates[k]
            let shape = Int(item >> 1)
            if item & 1 == 1 || shapes.contains(shape, px, py) { return Int32(shape) }
        }
        return -1
    }

    /// Whether shape `shape` contains the point, by the same rule as ``MultiPolygon/contains(_:)``
    /// but reading only the edges in the point's band.
    public func shape(_ shape: Int, contains point: GeoPoint) -> Bool {
        shapes.contains(shape, point.longitude, point.latitude)
    }

    private static func binarySearch(_ sorted: [UInt64], _ key: UInt64) -> Bool {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == key
    }
}

/// The uniform cell grid's arithmetic.
private struct CellGrid {
    let columns: Int
    let rows: Int
    let originX: Double
    let originY: Double
    let cellWidth: Double
    let cellHeight: Double

    func column(of x: Double) -> Int { min(columns - 1, max(0, Int(((x - originX) / cellWidth).rounded(.down)))) }
    func row(of y: Double) -> Int { min(rows - 1, max(0, Int(((y - originY) / cellHeight).rounded(.down)))) }

    /// Calls `body` for every cell the segment touches, widened by a hair so that a cell reported
    /// untouched is clear of every edge, whatever the rounding.
    func forEachCell(touchedBy x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ body: (Int) -> Void) {
        let marginX = cellWidth * 1e-6
        let marginY = cellHeight * 1e-6
        let (lowY, highY) = (min(y0, y1), max(y0, y1))
        for row in self.row(of: lowY - marginY)...self.row(of: highY + marginY) {
            let slabLow = max(lowY, originY + Double(row) * cellHeight - marginY)
            let slabHigh = min(highY, originY + Double(row + 1) * cellHeight + marginY)
            var (xa, xb) = (min(x0, x1), max(x0, x1))
            if y1 != y0 {
                let xl = x0 + (slabLow - y0) * (x1 - x0) / (y1 - y0)
                let xh = x0 + (slabHigh - y0) * (x1 - x0) / (y1 - y0)
                (xa, xb) = (max(xa, min(xl, xh)), min(xb, max(xl, xh)))
            }
            for column in column(of: xa - marginX)...column(of: xb + marginX) {
                body(row * columns + column)
            }
        }
    }
}

/// Every shape's edges in flat arrays, banded by latitude so that a containment test reads only the
/// edges whose latitude range can cross the point's horizontal ray.
struct ShapeEdges: Sendable {
    /// x0, y0, x1, y1 per edge, canonical order (see ``Edge``).
    private var coordinates: [Double] = []
    /// minX, minY, maxX, maxY per shape.
    private var boxes: [Double] = []
    /// Per shape: the first band's slot in `bandStart`, the band count, and the inverse band height.
    private var firstBand: [Int32] = []
    private var bandCounts: [Int32] = []
    private var inverseBandHeight: [Double] = []
    private var bandStart: [Int32] = [0]
    private var bandEdges: [Int32] = []
    private var shapeEdgeStart: [Int32] = [0]

    var edgeCount: Int { coordinates.count / 4 }

    init(_ shapes: [MultiPolygon]) {
        for shape in shapes {
            let firstEdge = coordinates.count / 4
            var box = (Double.infinity, Double.infinity, -Double.infinity, -Double.infinity)
            for ring in shape.rings where ring.count > 1 {
                for i in 1..<ring.count {
                    let edge = Edge(ring[i - 1], ring[i])
                    coordinates += [edge.x0, edge.y0, edge.x1, edge.y1]
                    box = (min(box.0, edge.x0, edge.x1), min(box.1, edge.y0), max(box.2, edge.x0, edge.x1), max(box.3, edge.y1))
                }
            }
            let lastEdge = coordinates.count / 4
            shapeEdgeStart.append(Int32(lastEdge))
            if firstEdge == lastEdge { box = (0, 0, -1, -1) }
            boxes += [box.0, box.1, box.2, box.3]
            let count = max(1, (lastEdge - firstEdge) / 4)
            let height = box.3 - box.1
            let inverse = height > 0 ? Double(count) / height : 0
            firstBand.append(Int32(bandStart.count - 1))
            bandCounts.append(Int32(count))
            inverseBandHeight.append(inverse)
            var lists = [[Int32]](repeating: [], count: count)
            for edge in firstEdge..<lastEdge {
                let (y0, y1) = (coordinates[edge * 4 + 1], coordinates[edge * 4 + 3])
                if y0 == y1 { continue }
                let b0 = Self.band(y0, box.1, inverse, count)
                let b1 = Self.band(y1, box.1, inverse, count)
                for band in b0...b1 { lists[band].append(Int32(edge)) }
            }
            for list in lists {
                bandEdges += list
                bandStart.append(Int32(bandEdges.count))
            }
        }
    }

    @inline(__always)
    private static func band(_ y: Double, _ minY: Double, _ inverse: Double, _ count: Int) -> Int {
        let value = (y - minY) * inverse
        return value <= 0 ? 0 : min(count - 1, Int(value))
    }

    func bounds(of shape: Int) -> (minX: Double, minY: Double, maxX: Double, maxY: Double) {
        (boxes[shape * 4], boxes[shape * 4 + 1], boxes[shape * 4 + 2], boxes[shape * 4 + 3])
    }

    func forEachEdge(of shape: Int, _ body: (Double, Double, Double, Double) -> Void) {
        for edge in Int(shapeEdgeStart[shape])..<Int(shapeEdgeStart[shape + 1]) {
            body(coordinates[edge * 4], coordinates[edge * 4 + 1], coordinates[edge * 4 + 2], coordinates[edge * 4 + 3])
        }
    }

    /// The crossing-number test of ``MultiPolygon/contains(_:)`` over the point's band only.
    @inline(__always)
    func contains(_ shape: Int, _ px: Double, _ py: Double) -> Bool {
        let box = shape * 4
        guard px >= boxes[box], px <= boxes[box + 2], py >= boxes[box + 1], py < boxes[box + 3] else { return false }
        let band = Int(firstBand[shape]) + Self.band(py, boxes[box + 1], inverseBandHeight[shape], Int(bandCounts[shape]))
        var inside = false
        for k in Int(bandStart[band])..<Int(bandStart[band + 1]) {
            let e = Int(bandEdges[k]) * 4
            if Edge.crosses(coordinates[e], coordinates[e + 1], coordinates[e + 2], coordinates[e + 3], px, py) {
                inside.toggle()
            }
        }
        return inside
    }
}
