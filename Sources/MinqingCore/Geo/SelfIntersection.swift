/// What makes a shape invalid as an area (OGC simple-feature rules, as GIS tools apply them).
public enum ShapeProblem: Sendable, Hashable {
    /// A ring crosses or touches itself, or two rings cross.
    case selfIntersection(GeoPoint)
    /// A hole lies outside its exterior ring, or inside another hole.
    case holeOutsideShell(GeoPoint)
    /// Two parts of a MultiPolygon overlap.
    case overlappingParts(GeoPoint)

    /// The first problem of a shape, or `nil` when it is valid.
    public static func find(in shape: MultiPolygon) -> ShapeProblem? {
        if let point = SelfIntersection.find(in: shape.polygons.flatMap(\.rings)) { return .selfIntersection(point) }
        // No two rings cross, so one corner tells on which side of another ring a whole ring lies.
        for polygon in shape.polygons {
            for (index, hole) in polygon.holes.enumerated() {
                let corner = hole[0]
                if !ringContains(polygon.exterior, corner) { return .holeOutsideShell(corner) }
                for (other, outer) in polygon.holes.enumerated() where other != index && ringContains(outer, corner) {
                    return .holeOutsideShell(corner)
                }
            }
        }
        for (index, part) in shape.polygons.enumerated() {
            for (other, outer) in shape.polygons.enumerated() where other != index {
                let corner = part.exterior[0]
                // Inside another part's exterior and not in one of its holes: the parts overlap.
                if ringContains(outer.exterior, corner) && !outer.holes.contains(where: { ringContains($0, corner) }) {
                    return .overlappingParts(corner)
                }
            }
        }
        return nil
    }

    private static func ringContains(_ ring: [GeoPoint], _ point: GeoPoint) -> Bool {
        var inside = false
        for i in 1..<ring.count where Edge(ring[i - 1], ring[i]).crossesRay(from: point) { inside.toggle() }
        return inside
    }
}

/// Finds where rings cross themselves or each other (a ring touching itself counts too). Sweeps
/// edges by longitude, so a ring of thousands of positions is checked in about n log n.
public enum SelfIntersection {
    /// A point where two edges that are not neighbours in one ring meet, or two rings cross; `nil`
    /// when the rings are simple and apart (a shape's parts must not cross one another either).
    public static func find(in rings: [[GeoPoint]]) -> GeoPoint? {
        struct Segment {
            var a: GeoPoint
            var b: GeoPoint
            var ring: Int
            var index: Int
            var ringCount: Int
            var minX: Double { min(a.longitude, b.longitude) }
            var maxX: Double { max(a.longitude, b.longitude) }
        }
        var segments: [Segment] = []
        for (ringIndex, ring) in rings.enumerated() where ring.count > 1 {
            for i in 1..<ring.count {
                segments.append(Segment(a: ring[i - 1], b: ring[i], ring: ringIndex, index: i - 1, ringCount: ring.count - 1))
            }
        }
        segments.sort { $0.minX < $1.minX }
        for i in segments.indices {
            let s = segments[i]
            var j = i + 1
            while j < segments.count, segments[j].minX <= s.maxX {
                let t = segments[j]
                j += 1
                guard
                    max(min(s.a.latitude, s.b.latitude), min(t.a.latitude, t.b.latitude))
                        <= min(max(s.a.latitude, s.b.latitude), max(t.a.latitude, t.b.latitude))
                else { continue }
                if s.ring == t.ring {
                    let gap = abs(s.index - t.index)
                    if gap == 1 || gap == s.ringCount - 1 {
                        // Neighbours share a corner; they intersect wrongly only if they fold back on each other.
                        if collinearOverlap(s.a, s.b, t.a, t.b) { return shared(s.a, s.b, t.a, t.b) }
                        continue
                    }
                    if let point = intersection(s.a, s.b, t.a, t.b, touchingCounts: true) { return point }
                } else if let point = intersection(s.a, s.b, t.a, t.b, touchingCounts: false) {
                    return point
                }
            }
        }
        return nil
    }

    private static func orientation(_ a: GeoPoint, _ b: GeoPoint, _ c: GeoPoint) -> Double {
        (b.longitude - a.longitude) * (c.latitude - a.latitude) - (b.latitude - a.latitude) * (c.longitude - a.longitude)
    }

    private static func onSegment(_ p: GeoPoint, _ a: GeoPoint, _ b: GeoPoint) -> Bool {
        orientation(a, b, p) == 0 && min(a.longitude, b.longitude) <= p.longitude && p.longitude <= max(a.longitude, b.longitude)
            && min(a.latitude, b.latitude) <= p.latitude && p.latitude <= max(a.latitude, b.latitude)
    }

    /// Where segments ab and cd meet. A proper crossing always counts; a touch (an endpoint on the
    /// other segment) counts only when asked, since a hole may touch its exterior at a point.
    private static func intersection(_ a: GeoPoint, _ b: GeoPoint, _ c: GeoPoint, _ d: GeoPoint, touchingCounts: Bool) -> GeoPoint? {
        let d1 = orientation(c, d, a)
        let d2 = orientation(c, d, b)
        let d3 = orientation(a, b, c)
        let d4 = orientation(a, b, d)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
            let t = d1 / (d1 - d2)
            return GeoPoint(longitude: a.longitude + t * (b.longitude - a.longitude), latitude: a.latitude + t * (b.latitude - a.latitude))
        }
        if collinearOverlap(a, b, c, d) { return shared(a, b, c, d) }
        guard touchingCounts else { return nil }
        for (p, s0, s1) in [(a, c, d), (b, c, d), (c, a, b), (d, a, b)] where onSegment(p, s0, s1) { return p }
        return nil
    }

    /// Whether two segments lie on one line and share more than a point.
    private static func collinearOverlap(_ a: GeoPoint, _ b: GeoPoint, _ c: GeoPoint, _ d: GeoPoint) -> Bool {
        guard orientation(a, b, c) == 0, orientation(a, b, d) == 0 else { return false }
        let horizontal = abs(b.longitude - a.longitude) >= abs(b.latitude - a.latitude)
        func key(_ p: GeoPoint) -> Double { horizontal ? p.longitude : p.latitude }
        let low = max(min(key(a), key(b)), min(key(c), key(d)))
        let high = min(max(key(a), key(b)), max(key(c), key(d)))
        return low < high
    }

    private static func shared(_ a: GeoPoint, _ b: GeoPoint, _ c: GeoPoint, _ d: GeoPoint) -> GeoPoint {
        onSegment(c, a, b) ? c : onSegment(d, a, b) ? d : a
    }
}
