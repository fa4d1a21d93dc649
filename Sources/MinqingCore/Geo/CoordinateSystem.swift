import Foundation

/// The coordinate systems Chinese maps use. Phones and GPS report WGS84; most Chinese base maps are
/// drawn in GCJ-02 (国测局坐标, the state's obfuscated datum), Baidu's in BD-09 (百度坐标).
/// Minqing stores everything in WGS84 and converts at the edges.
public enum CoordinateSystem: String, Sendable, CaseIterable, Codable {
    case wgs84
    case gcj02
    case bd09

    /// Converts a point in this system to WGS84.
    public func toWGS84(_ point: GeoPoint) -> GeoPoint {
        switch self {
        case .wgs84: point
        case .gcj02: ChinaDatum.gcj02ToWGS84(point)
        case .bd09: ChinaDatum.gcj02ToWGS84(ChinaDatum.bd09ToGCJ02(point))
        }
    }

    /// Converts a WGS84 point to this system.
    public func fromWGS84(_ point: GeoPoint) -> GeoPoint {
        switch self {
        case .wgs84: point
        case .gcj02: ChinaDatum.wgs84ToGCJ02(point)
        case .bd09: ChinaDatum.gcj02ToBD09(ChinaDatum.wgs84ToGCJ02(point))
        }
    }
}

/// The public formulas for GCJ-02 and BD-09. GCJ-02 shifts only points inside mainland China's rough
/// box; outside it the two datums coincide.
public enum ChinaDatum {
    private static let semiMajorAxis = 6_378_245.0
    private static let eccentricitySquared = 0.006_693_421_622_965_943_23
    private static let baiduFactor = Double.pi * 3000.0 / 180.0

    /// Whether GCJ-02 applies a shift at this point (outside the box it is WGS84 unchanged).
    public static func isShifted(_ point: GeoPoint) -> Bool {
        (72.004...137.8347).contains(point.longitude) && (0.8293...55.8271).contains(point.latitude)
    }

    public static func wgs84ToGCJ02(_ point: GeoPoint) -> GeoPoint {
        guard isShifted(point) else { return point }
        let (dLongitude, dLatitude) = offset(point)
        return GeoPoint(longitude: point.longitude + dLongitude, latitude: point.latitude + dLatitude)
    }

    /// Inverts ``wgs84ToGCJ02(_:)`` to about a millimetre.
    public static func gcj02ToWGS84(_ point: GeoPoint) -> GeoPoint {
        guard isShifted(point) else { return point }
        return invert(wgs84ToGCJ02, at: point, from: point, tolerance: 1e-10, iterations: 30)
    }

    /// The point that `forward` maps to `target`, by fixed-point iteration from `start`: each
    /// shift is small and smooth, so the error shrinks by orders of magnitude every step.
    private static func invert(
        _ forward: (GeoPoint) -> GeoPoint,
        at target: GeoPoint,
        from start: GeoPoint,
        tolerance: Double,
        iterations: Int
    ) -> GeoPoint {
        var guess = start
        for _ in 0..<iterations {
            let image = forward(guess)
            let (dx, dy) = (image.longitude - target.longitude, image.latitude - target.latitude)
            guess = GeoPoint(longitude: guess.longitude - dx, latitude: guess.latitude - dy)
            if abs(dx) < tolerance && abs(dy) < tolerance { break }
        }
        return guess
    }

    public static func gcj02ToBD09(_ point: GeoPoint) -> GeoPoint {
        let x = point.longitude
        let y = point.latitude
        let z = (x * x + y * y).squareRoot() + 0.00002 * sin(y * baiduFactor)
        let theta = atan2(y, x) + 0.000003 * cos(x * baiduFactor)
        return GeoPoint(longitude: z * cos(theta) + 0.0065, latitude: z * sin(theta) + 0.006)
    }

    /// Inverts ``gcj02ToBD09(_:)``: the usual closed-form inverse, refined by fixed-point
    /// iteration so that a round trip comes back to within a micrometre.
    public static func bd09ToGCJ02(_ point: GeoPoint) -> GeoPoint {
        let x = point.longitude - 0.0065
        let y = point.latitude - 0.006
        let z = (x * x + y * y).squareRoot() - 0.00002 * sin(y * baiduFactor)
        let theta = atan2(y, x) - 0.000003 * cos(x * baiduFactor)
        let closedForm = GeoPoint(longitude: z * cos(theta), latitude: z * sin(theta))
        return invert(gcj02ToBD09, at: point, from: closedForm, tolerance: 1e-12, iterations: 10)
    }

    private static func offset(_ point: GeoPoint) -> (Double, Double) {
        let x = point.longitude - 105.0
        let y = point.latitude - 35.0
        let periodic = (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        var dLatitude = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot()
        dLatitude += periodic
        dLatitude += (20.0 * sin(y * .pi) + 40.0 * sin(y / 3.0 * .pi)) * 2.0 / 3.0
        dLatitude += (160.0 * sin(y / 12.0 * .pi) + 320.0 * sin(y * .pi / 30.0)) * 2.0 / 3.0
        var dLongitude = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot()
        dLongitude += periodic
        dLongitude += (20.0 * sin(x * .pi) + 40.0 * sin(x / 3.0 * .pi)) * 2.0 / 3.0
        dLongitude += (150.0 * sin(x / 12.0 * .pi) + 300.0 * sin(x / 30.0 * .pi)) * 2.0 / 3.0
        let radians = point.latitude / 180.0 * .pi
        var magic = sin(radians)
        magic = 1 - eccentricitySquared * magic * magic
        let root = magic.squareRoot()
        dLatitude = (dLatitude * 180.0) / ((semiMajorAxis * (1 - eccentricitySquared)) / (magic * root) * .pi)
        dLongitude = (dLongitude * 180.0) / (semiMajorAxis / root * cos(radians) * .pi)
        return (dLongitude, dLatitude)
    }
}
