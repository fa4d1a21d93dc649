import Foundation
import MinqingCore
import Testing

/// Open311 GeoReport v2's rules for `GET requests`: the 90-day window, lists, statuses, pages, and
/// an error naming each bad parameter.
struct GeoReportTests {
    /// 2026-11-27T00:00:00Z.
    static let now: Int64 = 1_795_737_600_000
    static let day: Int64 = 86_400_000

    static func query(_ parameters: [String: String]) -> Result<GeoReport.RequestQuery, GeoReport.Failure> {
        GeoReport.RequestQuery.parse(parameters, now: now)
    }

    @Test func withoutDatesTheWindowIsTheLast90Days() throws {
        let query = try Self.query([:]).get()
        #expect(query.end == Self.now && query.start == Self.now - 90 * Self.day)
        #expect(query.ids == nil && query.serviceCodes == nil && query.statuses == nil)
        #expect(query.page == 1 && query.pageSize == 1_000)
        // An empty parameter counts as absent.
        #expect(try Self.query(["start_date": "", "status": " ", "service_code": ""]).get() == query)
    }

    @Test func oneEndFixesTheOtherAndAWindowSpansAtMost90Days() throws {
        let start = try #require(GeoReport.milliseconds(w3c: "2026-06-01T00:00:00+08:00"))
        let fromStart = try Self.query(["start_date": "2026-06-01T00:00:00+08:00"]).get()
        #expect(fromStart.start == start && fromStart.end == start + 90 * Self.day)
        let toEnd = try Self.query(["end_date": "2026-06-01T00:00:00+08:00"]).get()
        #expect(toEnd.end == start && toEnd.start == start - 90 * Self.day)
        let both = try Self.query(["start_date": "2026-06-01T00:00:00Z", "end_date": "2026-06-30T23:59:59.5Z"]).get()
        #expect(both.end - both.start == 30 * Self.day - 500)
        #expect(
            Self.query(["start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"])
                == .failure(.init(400, "end_date: a window may span at most 90 days"))
        )
        #expect(
            Self.query(["start_date": "2026-06-02T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"])
                == .failure(.init(400, "start_date: the window starts after it ends"))
        )
    }

    @Test func listsStatusesAndPagesAreRead() throws {
        let query = try Self.query([
            "service_request_id": "12, 7", "service_code": "C0101,C0102", "status": "open,Closed", "page": "3", "page_size": "50",
        ]).get()
        #expect(query.ids == [12, 7] && query.serviceCodes == ["C0101", "C0102"])
        #expect(query.statuses == [.open, .closed])
        #expect(query.page == 3 && query.pageSize == 50)
    }

    @Test func everyBadParameterIsNamed() {
        let refusals: [([String: String], String)] = [
            (["start_date": "yesterday"], "start_date:"),
            (["end_date": "2026-13-01T00:00:00Z"], "end_date:"),
            (["updated_after": "2026-06-01"], "updated_after:"),
            (["updated_after": "2026-06-02T00:00:00Z", "updated_before": "2026-06-01T00:00:00Z"], "updated_after:"),
            (["status": "pending"], "status: open or closed"),
            (["service_request_id": "12,abc"], "service_request_id: abc"),
            (["service_request_id": "-3"], "service_request_id: -3"),
            (["page": "0"], "page:"),
            (["page_size": "1001"], "page_size:"),
            (["page_size": "ten"], "page_size:"),
        ]
        for (parameters, prefix) in refusals {
            guard case .failure(let failure) = Self.query(parameters) else {
                Issue.record("\(parameters) was accepted")
                continue
            }
            #expect(failure.status == 400)
            #expect(failure.description.hasPrefix(prefix), "\(failure.description)")
        }
    }

    @Test func aCaseIsClosedOnceNoActionMovesItOn() {
        #expect(GeoReport.status(of: .reported) == .open)
        #expect(GeoReport.status(of: .deferred) == .open)
        #expect(GeoReport.status(of: .suspended) == .open)
        #expect(GeoReport.status(of: .handled) == .open)
        for state: CaseState in [.closed, .rated, .resolvedOnSite, .rejected, .merged, .notOurs] { #expect(GeoReport.status(of: state) == .closed) }
        #expect(Set(GeoReport.states(.open) + GeoReport.states(.closed)) == Set(CaseState.allCases))
    }

    @Test func datesAreReadStrictly() {
        #expect(GeoReport.milliseconds(w3c: "2026-11-27T00:00:00Z") == Self.now)
        #expect(GeoReport.milliseconds(w3c: "2026-11-26T19:00:00-05:00") == Self.now)
        #expect(GeoReport.milliseconds(w3c: "2026-11-27T00:00:00.25Z") == Self.now + 250)
        #expect(GeoReport.milliseconds(w3c: "2024-02-29T00:00:00Z") == 1_709_164_800_000)
        #expect(GeoReport.milliseconds(w3c: "1969-12-31T23:59:59Z") == -1_000)
        for bad in [
            "2026-02-29T00:00:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-27T24:00:00Z", "2026-11-27T00:60:00Z",
            "2026-11-27", "2026-11-27T00:00:00", "2026-11-27T00:00:00+0800", "2026-11-27T00:00:00.Z", "2026-11-27T00:00:00Z ", "yesterday",
        ] {
            #expect(GeoReport.milliseconds(w3c: bad) == nil, "\(bad)")
        }
    }

    @Test func datesAreWrittenInChinasTimeAndReadBack() {
        #expect(GeoReport.w3c(milliseconds: Self.now) == "2026-11-27T08:00:00+08:00")
        #expect(GeoReport.w3c(milliseconds: Self.now + 999) == "2026-11-27T08:00:00+08:00")
        #expect(GeoReport.w3c(milliseconds: 1_709_164_800_000 - 8 * 3_600_000) == "2024-02-29T00:00:00+08:00")
        #expect(GeoReport.w3c(milliseconds: 0) == "1970-01-01T08:00:00+08:00")
        #expect(GeoReport.w3c(milliseconds: -8 * 3_600_000 - 1) == "1969-12-31T23:59:59+08:00")
        // Every day of four years (a leap day among them), each read back to itself.
        for day in Int64(20_000)..<Int64(21_461) {
            let milliseconds = day * 86_400_000 + 45_296_000
            #expect(GeoReport.milliseconds(w3c: GeoReport.w3c(milliseconds: milliseconds)) == milliseconds)
        }
    }

    @Test func onlyPublicSpaceIsServed() {
        #expect(GeoReport.isPublic(.component) && GeoReport.isPublic(.event))
        #expect(!GeoReport.isPublic(.dispute) && !GeoReport.isPublic(.hazard))
    }
}
