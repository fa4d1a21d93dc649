import Foundation

/// A case near a new report, as the proximity rules see it.
public struct NearbyCase: Sendable, Hashable {
    public var id: Int64
    public var longitude: Double
    public var latitude: Double
    public var state: CaseState
    public var reportedAt: Int64
    public var closedAt: Int64?

    public init(id: Int64, longitude: Double, latitude: Double, state: CaseState, reportedAt: Int64, closedAt: Int64?) {
        self.id = id
        self.longitude = longitude
        self.latitude = latitude
        self.state = state
        self.reportedAt = reportedAt
        self.closedAt = closedAt
    }
}

/// Cases of the same class at the same place: 疑似重复 (a duplicate to merge, still open) and 复发
/// (a recurrence of one closed lately, which the new case is linked to).
public enum CaseProximity {
    /// "The same place": within this many metres.
    public static let metres = 50.0
    /// A duplicate was reported within this many days before.
    public static let duplicateDays = 7
    /// A recurrence comes within this many days of the earlier case's closure.
    public static let recurrenceDays = 30

    /// The span of latitude and longitude that holds every point within ``metres`` of `point`: the
    /// store's coarse filter before ``distance(_:_:)``.
    public static func box(around point: GeoPoint) -> (longitude: ClosedRange<Double>, latitude: ClosedRange<Double>) {
        let latitude = metres / Planar.metresPerDegree
        let longitude = latitude / max(0.01, cos(point.latitude * .pi / 180))
        return (point.longitude - longitude...point.longitude + longitude, point.latitude - latitude...point.latitude + latitude)
    }

    /// Metres between two nearby points (equirectangular: exact to centimetres at these distances).
    public static func distance(_ a: GeoPoint, _ b: GeoPoint) -> Double {
        let x = (b.longitude - a.longitude) * cos((a.latitude + b.latitude) / 2 * .pi / 180)
        let y = b.latitude - a.latitude
        return (x * x + y * y).squareRoot() * Planar.metresPerDegree
    }

    /// Open cases within ``metres`` of `point` reported in the ``duplicateDays`` before `now`, nearest first.
    public static func duplicates(of point: GeoPoint, at now: Int64, among cases: [NearbyCase]) -> [Int64] {
        let since = now - Int64(duplicateDays) * 86_400_000
        return cases.filter { !$0.state.isFinished && $0.reportedAt >= since && $0.reportedAt <= now }
            .map { ($0.id, distance(point, GeoPoint(longitude: $0.longitude, latitude: $0.latitude))) }
            .filter { $0.1 <= metres }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            .map(\.0)
    }

    /// The case a new report at `point` recurs: the latest closed within ``metres`` whose closure
    /// was in the ``recurrenceDays`` before `now`.
    public static func recurrence(of point: GeoPoint, at now: Int64, among cases: [NearbyCase]) -> Int64? {
        let since = now - Int64(recurrenceDays) * 86_400_000
        return cases.filter { [.closed, .rated, .resolvedOnSite].contains($0.state) && ($0.closedAt ?? .min) >= since }
            .filter { distance(point, GeoPoint(longitude: $0.longitude, latitude: $0.latitude)) <= metres }
            .max { ($0.closedAt ?? 0, $0.id) < ($1.closedAt ?? 0, $1.id) }?.id
    }
}
