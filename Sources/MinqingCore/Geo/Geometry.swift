import Foundation

/// A position on the earth as longitude and latitude in degrees, in whatever coordinate system the
/// surrounding code says (see ``CoordinateSystem``). GeoJSON order: longitude first.
public struct GeoPoint: Hashable, Sendable, Codable {
    public var longitude: Double
    public var latitude: Double

    public init(longitude: Double, latitude: Double) {
        self.longitude = longitude
        self.latitude = latitude
    }

    public init(_ longitude: Double, _ latitude: Double) {
        self.init(longitude: longitude, latitude: latitude)
    }

    /// Whether the coordinates are finite and inside the ranges of the globe.
    public var isInRange: Bool {
        longitude.isFinite && latitude.isFinite && (-180...180).contains(longitude) && (-90...90).contains(latitude)
    }
}

/// An axis-aligned box in degrees.
public struct BoundingBox: Hashable, Sendable, Codable {
    public var minLongitude: Double
    public var minLatitude: Double
    public var maxLongitude: Double
    public var maxLatitude: Double

    public init(minLongitude: Double, minLatitude: Double, maxLongitude: Double, maxLatitude: Double) {
        self.minLongitude = minLongitude
        self.minLatitude = minLatitude
        self.maxLongitude = maxLongitude
        self.maxLatitude = maxLatitude
    }

    /// The box around some points; `nil` for none.
    public init?<S: Sequence>(points: S) where S.Element == GeoPoint {
        var iterator = points.makeIterator()
        guard let first = iterator.next() else { return nil }
        var box = BoundingBox(minLongitude: first.longitude, minLatitude: first.latitude, maxLongitude: first.longitude, maxLatitude: first.latitude)
        while let point = iterator.next() { box.extend(point) }
        self = box
    }

    public mutating func extend(_ point: GeoPoint) {
        minLongitude = Swift.min(minLongitude, point.longitude)
        minLatitude = Swift.min(minLatitude, point.latitude)
        maxLongitude = Swift.max(maxLongitude, point.longitude)
        maxLatitude = Swift.max(maxLatitude, point.latitude)
    }

    public func union(_ other: BoundingBox) -> BoundingBox {
        BoundingBox(
            minLongitude: Swift.min(minLongitude, other.minLongitude),
            minLatitude: Swift.min(minLatitude, other.minLatitude),
            maxLongitude: Swift.max(maxLongitude, other.maxLongitude),
            maxLatitude: Swift.max(maxLatitude, other.maxLatitude)
        )
    }

    public func contains(_ point: GeoPoint) -> Bool {
        point.longitude >= minLongitude && point.longitude <= maxLongitude && point.latitude >= minLatitude && point.latitude <= maxLatitude
    }

    public func intersects(_ other: BoundingBox) -> Bool {
        minLongitude <= other.maxLongitude && other.minLongitude <= maxLongitude && minLatitude <= other.maxLatitude
            && other.minLatitude <= maxLatitude
    }

    public func expanded(by margin: Double) -> BoundingBox {
        BoundingBox(
            minLongitude: minLongitude - margin,
            minLatitude: minLatitude - margin,
            maxLongitude: maxLongitude + margin,
            maxLatitude: maxLatitude + margin
        )
    }
}

/// A polygon: one exterior ring and any number of holes. Rings are closed (first point == last point),
/// as RFC 7946 requires; the exterior runs counter-clockwise and holes clockwise once normalised.
public struct Polygon: Hashable, Sendable {
    public var exterior: [GeoPoint]
    public var holes: [[GeoPoint]]

    public init(exterior: [GeoPoint], holes: [[GeoPoint]] = []) {
        self.exterior = exterior
        self.holes = holes
    }

    public var rings: [[GeoPoint]] { [exterior] + holes }
}

/// The shape of an area: one or more disjoint polygons (a GeoJSON Polygon is a one-part MultiPolygon).
public struct MultiPolygon: Hashable, Sendable {
    public var polygons: [Polygon]

    public init(_ polygons: [Polygon]) {
        self.polygons = polygons
    }

    public var rings: some Sequence<[GeoPoint]> { polygons.lazy.flatMap(\.rings) }

    public var boundingBox: BoundingBox? {
        BoundingBox(points: polygons.lazy.flatMap(\.exterior))
    }

    /// Whether a point lies inside, by the crossing-number rule over every ring (see ``Edge``):
    /// the one rule the point index also applies, so both always agree, and a point on an edge shared
    /// by two areas belongs to exactly one of them.
    public func contains(_ point: GeoPoint) -> Bool {
        var inside = false
        for ring in rings {
            for i in 1..<ring.count where Edge(ring[i - 1], ring[i]).crossesRay(from: point) {
                inside.toggle()
            }
        }
        return inside
    }

    /// A point inside the shape at least `clearance` metres from its boundary: the first such point
    /// of a 9×9 lattice over its box, nearest the middle first; `nil` for a shape too thin to hold one.
    public func interiorPoint(clearance: Double) -> GeoPoint? {
        guard let box = boundingBox else { return nil }
        for (i, j) in Self.latticeFromTheMiddle {
            let point = GeoPoint(
                box.minLongitude + (box.maxLongitude - box.minLongitude) * Double(i) / 10,
                box.minLatitude + (box.maxLatitude - box.minLatitude) * Double(j) / 10
            )
            if contains(point) && !Planar.isNear(point, to: self, within: clearance) { return point }
        }
        return nil
    }

    private static let latticeFromTheMiddle: [(Int, Int)] = {
        var cells: [(Int, Int)] = []
        for i in 1...9 {
            for j in 1...9 { cells.append((i, j)) }
        }
        func offset(_ cell: (Int, Int)) -> Int { abs(cell.0 - 5) + abs(cell.1 - 5) }
        return cells.sorted { offset($0) < offset($1) }
    }()

    /// Area in square metres on a local equal-area approximation (holes subtracted).
    public var areaSquareMetres: Double {
        polygons.reduce(0) { total, polygon in
            total + abs(Planar.signedArea(polygon.exterior)) - polygon.holes.reduce(0) { $0 + abs(Planar.signedArea($1)) }
        }
    }

    /// The same shape with the exterior rings counter-clockwise and the holes clockwise (RFC 7946 §3.1.6).
    public func normalisedOrientation() -> MultiPolygon {
        MultiPolygon(
            polygons.map { polygon in
                Polygon(
                    exterior: Planar.signedArea(polygon.exterior) < 0 ? polygon.exterior.reversed() : polygon.exterior,
                    holes: polygon.holes.map { Planar.signedArea($0) > 0 ? $0.reversed() : $0 }
                )
            }
        )
    }
}

/// A ring edge with its endpoints in a canonical order (lower latitude first), so that two areas that
/// share the edge, whichever way their rings run, do the very same arithmetic on it.
public struct Edge: Sendable {
    public var x0: Double
    public var y0: Double
    public var x1: Double
    public var y1: Double

    public init(_ a: GeoPoint, _ b: GeoPoint) {
        if a.latitude < b.latitude || (a.latitude == b.latitude && a.longitude <= b.longitude) {
            (x0, y0, x1, y1) = (a.longitude, a.latitude, b.longitude, b.latitude)
        } else {
            (x0, y0, x1, y1) = (b.longitude, b.latitude, a.longitude, a.latitude)
        }
    }

    /// Whether the ray from the point towards increasing longitude crosses this edge. Half-open in
    /// latitude (`y0 <= y < y1`) and strict in longitude, so a point on an edge shared by two areas
    /// is claimed by exactly one.
    @inline(__always)
    public func crossesRay(from point: GeoPoint) -> Bool {
        Edge.crosses(x0, y0, x1, y1, point.longitude, point.latitude)
    }

    @inline(__always)
    static func crosses(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ px: Double, _ py: Double) -> Bool {
        guard y0 <= py, py < y1 else { return false }
        return px < x0 + (py - y0) * (x1 - x0) / (y1 - y0)
    }
}

/// Planar helpers in a local metric projection: good to well under a metre over a city.
public enum Planar {
    static let earthRadius = 6_371_008.8
    public static let metresPerDegree = earthRadius * .pi / 180

    /// Shoelace area in square metres, positive for counter-clockwise rings.
    public static func signedArea(_ ring: [GeoPoint]) -> Double {
        guard ring.count > 2 else { return 0 }
        let reference = ring[0]
        let scaleX = metresPerDegree * cos(reference.latitude * .pi / 180)
        var sum = 0.0
        for i in 1..<ring.count {
            let a = ring[i - 1]
            let b = ring[i]
            let ax = (a.longitude - reference.longitude) * scaleX
            let ay = (a.latitude - reference.latitude) * metresPerDegree
            let bx = (b.longitude - reference.longitude) * scaleX
            let by = (b.latitude - reference.latitude) * metresPerDegree
            sum += ax * by - bx * ay
        }
        return sum / 2
    }

    @inline(__always)
    private static func squaredDistance(_ point: GeoPoint, _ a: GeoPoint, _ b: GeoPoint, scaleX: Double) -> Double {
        let ax = (a.longitude - point.longitude) * scaleX
        let ay = (a.latitude - point.latitude) * metresPerDegree
        let dx = (b.longitude - a.longitude) * scaleX
        let dy = (b.latitude - a.latitude) * metresPerDegree
        let lengthSquared = dx * dx + dy * dy
        var t = lengthSquared > 0 ? -(ax * dx + ay * dy) / lengthSquared : 0
        t = Swift.min(1, Swift.max(0, t))
        let cx = ax + t * dx
        let cy = ay + t * dy
        return cx * cx + cy * cy
    }

    /// Distance in metres from a point to the nearest edge of a shape.
    public static func distance(from point: GeoPoint, to shape: MultiPolygon) -> Double {
        let scaleX = metresPerDegree * cos(point.latitude * .pi / 180)
        var best = Double.infinity
        for ring in shape.rings {
            for i in 1..<ring.count {
                best = Swift.min(best, squaredDistance(point, ring[i - 1], ring[i], scaleX: scaleX))
            }
        }
        return best.squareRoot()
    }

    /// Whether some edge of the shape passes within `limit` metres of the point; stops at the first.
    public static func isNear(_ point: GeoPoint, to shape: MultiPolygon, within limit: Double) -> Bool {
        let scaleX = metresPerDegree * cos(point.latitude * .pi / 180)
        let limitSquared = limit * limit
        for ring in shape.rings {
            for i in 1..<ring.count where squaredDistance(point, ring[i - 1], ring[i], scaleX: scaleX) <= limitSquared {
                return true
            }
        }
        return false
    }

    /// Metres per degree of longitude and latitude at a latitude.
    public static func metresPerDegree(atLatitude latitude: Double) -> (longitude: Double, latitude: Double) {
        (metresPerDegree * cos(latitude * .pi / 180), metresPerDegree)
    }
}
