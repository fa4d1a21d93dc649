import MinqingCore
import Testing

/// Duplicates and recurrences: the same class within 50 metres, open and recent, or closed lately.
struct CaseProximityTests {
    static let here = GeoPoint(longitude: 115.5, latitude: 22.9)
    static let day: Int64 = 86_400_000
    static let now: Int64 = 1_790_000_000_000

    static func nearby(_ id: Int64, north metres: Double, _ state: CaseState, reportedDaysAgo: Int64, closedDaysAgo: Int64? = nil) -> NearbyCase {
        NearbyCase(
            id: id,
            longitude: here.longitude,
            latitude: here.latitude + metres / 111_195.0,
            state: state,
            reportedAt: now - reportedDaysAgo * day,
            closedAt: closedDaysAgo.map { now - $0 * day }
        )
    }

    @Test func measuresMetresAndBoxesThem() {
        let north = GeoPoint(longitude: 115.5, latitude: 22.9 + 45 / 111_195.0)
        #expect(abs(CaseProximity.distance(Self.here, north) - 45) < 0.1)
        let east = GeoPoint(longitude: 115.5 + 45 / (111_195.0 * 0.92050), latitude: 22.9)
        #expect(abs(CaseProximity.distance(Self.here, east) - 45) < 0.2)
        let box = CaseProximity.box(around: Self.here)
        #expect(box.latitude.contains(north.latitude) && box.longitude.contains(east.longitude))
        #expect(!box.latitude.contains(22.9 + 60 / 111_195.0))
    }

    @Test func suggestsOpenRecentCasesNearestFirst() {
        let cases = [
            Self.nearby(1, north: 40, .dispatched, reportedDaysAgo: 2),
            Self.nearby(2, north: 10, .reported, reportedDaysAgo: 1),
            Self.nearby(3, north: 60, .reported, reportedDaysAgo: 1),  // too far
            Self.nearby(4, north: 5, .reported, reportedDaysAgo: 9),  // too old
            Self.nearby(5, north: 5, .closed, reportedDaysAgo: 1, closedDaysAgo: 0),  // finished
        ]
        #expect(CaseProximity.duplicates(of: Self.here, at: Self.now, among: cases) == [2, 1])
    }

    @Test func linksARecurrenceToTheLatestClosedHere() {
        let cases = [
            Self.nearby(1, north: 20, .closed, reportedDaysAgo: 40, closedDaysAgo: 20),
            Self.nearby(2, north: 30, .rated, reportedDaysAgo: 12, closedDaysAgo: 10),
            Self.nearby(3, north: 20, .resolvedOnSite, reportedDaysAgo: 45, closedDaysAgo: 45),  // closed too long ago
            Self.nearby(4, north: 80, .closed, reportedDaysAgo: 3, closedDaysAgo: 2),  // elsewhere
            Self.nearby(5, north: 5, .dispatched, reportedDaysAgo: 3),  // still open: a duplicate, not a recurrence
        ]
        #expect(CaseProximity.recurrence(of: Self.here, at: Self.now, among: cases) == 2)
        #expect(CaseProximity.recurrence(of: Self.here, at: Self.now, among: [cases[2], cases[3], cases[4]]) == nil)
    }
}
