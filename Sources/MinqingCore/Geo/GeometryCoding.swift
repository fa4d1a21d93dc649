import Foundation

/// A compact binary form of a shape for storage: counts as little-endian UInt32, then each position
/// as two little-endian Float64. Reading back the whole demo city takes milliseconds, where
/// parsing GeoJSON text would take seconds.
extension MultiPolygon {
    public var encoded: Data {
        var bytes = [UInt8]()
        bytes.reserveCapacity(4 + polygons.count * 8 + polygons.reduce(0) { $0 + $1.rings.reduce(0) { $0 + 4 + $1.count * 16 } })
        func put(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        func put(_ value: Double) { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        put(UInt32(polygons.count))
        for polygon in polygons {
            put(UInt32(polygon.holes.count + 1))
            for ring in polygon.rings {
                put(UInt32(ring.count))
                for point in ring {
                    put(point.longitude)
                    put(point.latitude)
                }
            }
        }
        return Data(bytes)
    }

    /// Reads ``encoded``; `nil` when the bytes are not such a shape.
    public init?(encoded data: Data) {
        let bytes = [UInt8](data)
        var offset = 0
        func word() -> UInt32? {
            guard offset + 4 <= bytes.count else { return nil }
            defer { offset += 4 }
            return bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        }
        func double() -> Double? {
            guard offset + 8 <= bytes.count else { return nil }
            defer { offset += 8 }
            return bytes.withUnsafeBytes { Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self))) }
        }
        guard let polygonCount = word(), polygonCount < 1 << 20 else { return nil }
        var polygons: [Polygon] = []
        for _ in 0..<polygonCount {
            guard let ringCount = word(), ringCount >= 1, ringCount < 1 << 20 else { return nil }
            var rings: [[GeoPoint]] = []
            for _ in 0..<ringCount {
                guard let pointCount = word(), Int(pointCount) * 16 <= bytes.count - offset else { return nil }
                var ring: [GeoPoint] = []
                ring.reserveCapacity(Int(pointCount))
                for _ in 0..<pointCount {
                    guard let x = double(), let y = double() else { return nil }
                    ring.append(GeoPoint(longitude: x, latitude: y))
                }
                rings.append(ring)
            }
            polygons.append(Polygon(exterior: rings[0], holes: Array(rings.dropFirst())))
        }
        guard offset == bytes.count else { return nil }
        self.init(polygons)
    }
}
