import Foundation

/// Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): the civic-issue interoperability
/// standard that citizens' apps, mini-programs and hotlines already speak. Here: the rules of its
/// requests and answers, apart from HTTP (the server's `Open311Controller` serves them).
public enum GeoReport {
    /// An error as the standard answers it: an HTTP status, and a list of `{code, description}`.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public var status: Int
        public var description: String

        public init(_ status: Int, _ description: String) {
            self.status = status
            self.description = description
        }
    }

    /// `status` of a service request: only two in the standard.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case open
        case closed
    }

    /// A case is closed for Open311 once no action moves it on (closed, rated, resolved on the spot,
    /// rejected, merged, referred elsewhere); everything else, deferred and suspended included, is open.
    public static func status(of state: CaseState) -> Status {
        state.isFinished ? .closed : .open
    }

    /// The states behind each status, for searching.
    public static func states(_ status: Status) -> [CaseState] {
        CaseState.allCases.filter { Self.status(of: $0) == status }
    }

    /// The standard's window: without dates, the last 90 days; a window may not be longer.
    public static let defaultWindowDays = 90
    /// The most requests one answer holds.
    public static let maximumResults = 1_000

    /// `GET requests`, checked. Times are milliseconds since 1970.
    public struct RequestQuery: Hashable, Sendable {
        /// `service_request_id`, a list: when given, the other filters are ignored, as the standard says.
        public var ids: [Int64]?
        public var serviceCodes: [String]?
        public var start: Int64
        public var end: Int64
        public var statuses: Set<Status>?
        public var updatedAfter: Int64?
        public var updatedBefore: Int64?
        /// From 1.
        public var page: Int
        public var pageSize: Int
        /// With `extensions=true` each request carries its history: fewer to a page.
        public static let maximumExtendedResults = 100

        /// Reads the parameters of `GET requests`; an empty parameter counts as absent.
        public static func parse(_ parameters: [String: String], now: Int64) -> Result<RequestQuery, Failure> {
            func value(_ name: String) -> String? {
                guard let text = parameters[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
                return text
            }
            func list(_ name: String) -> [String]? {
                // A list of nothing (`status=,`) counts as absent, like an empty parameter.
                let items = value(name).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
                return items?.isEmpty == true ? nil : items
            }
            func date(_ name: String) -> Result<Int64?, Failure> {
                guard let text = value(name) else { return .success(nil) }
                guard let milliseconds = GeoReport.milliseconds(w3c: text) else {
                    return .failure(Failure(400, "\(name): \(text) is not a W3C date and time, such as 2026-11-27T08:00:00+08:00"))
                }
                return .success(milliseconds)
            }
            func count(_ name: String, default fallback: Int, range: ClosedRange<Int>) -> Result<Int, Failure> {
                guard let text = value(name) else { return .success(fallback) }
                guard let number = Int(text), range.contains(number) else {
                    return .failure(Failure(400, "\(name): a whole number from \(range.lowerBound) to \(range.upperBound), not \(text)"))
                }
                return .success(number)
            }
            var ids: [Int64]?
            if let texts = list("service_request_id") {
                var parsed: [Int64] = []
                for text in texts {
                    guard let id = Int64(text), id > 0 else { return .failure(Failure(400, "service_request_id: \(text) is not a request id")) }
                    parsed.append(id)
                }
                guard parsed.count <= maximumResults else {
                    return .failure(Failure(400, "service_request_id: at most \(maximumResults) ids at once"))
                }
                ids = parsed
            }
            var statuses: Set<Status>?
            if let texts = list("status") {
                var parsed = Set<Status>()
                for text in texts {
                    guard let status = Status(rawValue: text.lowercased()) else {
                        return .failure(Failure(400, "status: open or closed, not \(text)"))
                    }
                    parsed.insert(status)
                }
                statuses = parsed
            }
            let window = Int64(defaultWindowDays) * 86_400_000
            let start: Int64?
            let end: Int64?
            let updatedAfter: Int64?
            let updatedBefore: Int64?
            let page: Int
            let pageSize: Int
            switch (date("start_date"), date("end_date"), date("updated_after"), date("updated_before")) {
            case (.failure(let failure), _, _, _), (_, .failure(let failure), _, _), (_, _, .failure(let failure), _),
                (_, _, _, .failure(let failure)):
                return .failure(failure)
            case (.success(let s), .success(let e), .success(let a), .success(let b)):
                (start, end, updatedAfter, updatedBefore) = (s, e, a, b)
            }
            switch (count("page", default: 1, range: 1...1_000_000), count("page_size", default: maximumResults, range: 1...maximumResults)) {
            case (.failure(let failure), _), (_, .failure(let failure)):
                return .failure(failure)
            case (.success(let p), .success(let size)):
                (page, pageSize) = (p, size)
            }
            // Either end alone fixes the other 90 days away; neither: the last 90 days.
            let to = end ?? start.map { $0 + window } ?? now
            let from = start ?? to - window
            guard from <= to else { return .failure(Failure(400, "start_date: the window starts after it ends")) }
            guard to - from <= window else {
                return .failure(Failure(400, "end_date: a window may span at most \(defaultWindowDays) days"))
            }
            if let updatedAfter, let updatedBefore, updatedAfter > updatedBefore {
                return .failure(Failure(400, "updated_after: the window starts after it ends"))
            }
            return .success(
                RequestQuery(
                    ids: ids,
                    serviceCodes: list("service_code"),
                    start: from,
                    end: to,
                    statuses: statuses,
                    updatedAfter: updatedAfter,
                    updatedBefore: updatedBefore,
                    page: page,
                    pageSize: pageSize
                )
            )
        }
    }

    /// A W3C date and time: `2026-11-27T08:00:00+08:00`, `Z` for UTC, seconds optional fractions.
    /// Read strictly: a day the month does not have (February 30) is refused, not carried over.
    public static func milliseconds(w3c text: String) -> Int64? {
        let characters = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= characters.count, range.allSatisfy({ (48...57).contains(characters[$0]) }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int(characters[$1] - 48) }
        }
        func at(_ index: Int, _ character: Character) -> Bool { index < characters.count && characters[index] == character.asciiValue! }
        guard let year = number(0..<4), at(4, "-"), let month = number(5..<7), at(7, "-"), let day = number(8..<10),
            at(10, "T") || at(10, "t"), let hour = number(11..<13), at(13, ":"), let minute = number(14..<16), at(16, ":"),
            let second = number(17..<19)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if at(index, ".") {
            var scale = 0.1
            index += 1
            let start = index
            while index < characters.count, (48...57).contains(characters[index]) {
                fraction += Double(characters[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        if at(index, "Z") || at(index, "z") {
            index += 1
        } else if at(index, "+") || at(index, "-"), let hours = number(index + 1..<index + 3), at(index + 3, ":"),
            let minutes = number(index + 4..<index + 6),
            hours < 24, minutes < 60
        {
            offset = (hours * 60 + minutes) * 60 * (at(index, "-") ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == characters.count, let date = CalendarDay(year: year, month: month, day: day), hour < 24, minute < 60, second < 60 else {
            return nil
        }
        let seconds = Int64(date.number) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return seconds * 1000 + Int64((fraction * 1000).rounded())
    }

    /// The standard's datetime: W3C, at whole seconds, in China's time (+08:00), as clients show it.
    /// Written by hand: a date formatter made per value cost a millisecond each on Linux, and an
    /// answer holds three dates for each of up to 1,000 requests.
    public static func w3c(milliseconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(25)
        appendW3C(milliseconds: milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// ``w3c(milliseconds:)`` appended as UTF-8, for writers of long answers (three dates a request).
    public static func appendW3C(milliseconds: Int64, to bytes: inout [UInt8]) {
        let local = milliseconds / 1000 + 8 * 3600 - (milliseconds % 1000 < 0 ? 1 : 0)
        var days = local / 86_400
        var seconds = local % 86_400
        if seconds < 0 {
            seconds += 86_400
            days -= 1
        }
        let (year, month, day) = CalendarDay(number: Int(days)).components
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        if (0...9999).contains(year) { digits(year, 4) } else { bytes.append(contentsOf: String(year).utf8) }
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(Int(seconds / 3600), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(seconds % 3600 / 60), 2)
        bytes.append(UInt8(ascii: ":"))
        digits(Int(seconds % 60), 2)
        bytes.append(contentsOf: "+08:00".utf8)
    }

    /// Open311 serves the problems of public space: 部件 (components) and 事件 (events). Disputes
    /// and hazards (矛盾纠纷, 问题隐患) name families, neighbours and businesses; they are reported to
    /// the hotline or by staff and never listed to the public.
    public static func isPublic(_ category: CaseCategory) -> Bool {
        category == .component || category == .event
    }
}

extension GeoReport {
    /// `status_notes`: where the case stands, as a resident reads it.
    public static func statusNote(of state: CaseState, in language: Language = .zh) -> String {
        if language == .en { return englishStatusNote(of: state) }
        return switch state {
        case .reported: "已上报，等待受理"
        case .accepted: "已立案，等待派遣"
        case .dispatched: "已派遣至责任单位，等待签收"
        case .returned: "责任单位退回，等待重新派遣"
        case .signed: "责任单位正在处置"
        case .extensionRequested: "责任单位正在处置（申请延期）"
        case .deferred: "缓办：等待资金或计划落实"
        case .suspended: "挂起：暂停处置"
        case .handled: "已处置，等待现场核查"
        case .verified: "已核查，等待结案"
        case .closed: "已结案"
        case .rated: "已结案并回访"
        case .resolvedOnSite: "网格员当即办结"
        case .rejected: "不予立案"
        case .merged: "与同一问题的其他上报合并办理"
        case .notOurs: "不属本级职责，已转有关单位"
        }
    }

    private static func englishStatusNote(of state: CaseState) -> String {
        switch state {
        case .reported: "Reported, waiting to be accepted"
        case .accepted: "Accepted, waiting to be dispatched"
        case .dispatched: "Sent to the responsible department, waiting for it to sign"
        case .returned: "Returned by the department, waiting to be dispatched again"
        case .signed: "The responsible department is handling it"
        case .extensionRequested: "The responsible department is handling it (more time asked for)"
        case .deferred: "Deferred: waiting for a budget or a plan"
        case .suspended: "Suspended: handling paused"
        case .handled: "Handled, waiting to be verified on site"
        case .verified: "Verified on site, waiting to be closed"
        case .closed: "Closed"
        case .rated: "Closed, and the return call made"
        case .resolvedOnSite: "Resolved on the spot by the grid worker"
        case .rejected: "Not accepted as a case"
        case .merged: "Merged with another report of the same problem"
        case .notOurs: "Not this level's responsibility; referred to the body that is"
        }
    }
}

extension GeoReport {
    /// What Open311 shows of a case: nothing of its reporter.
    public struct CaseSummary: Sendable, Hashable {
        public var id: Int64
        public var classCode: String
        public var state: CaseState
        public var level: AreaLevel
        public var areaCode: String
        public var longitude: Double
        public var latitude: Double
        public var description: String
        public var leadDepartment: String?
        public var reportedAt: Int64
        public var updatedAt: Int64
        public var dueAt: Int64?

        public init(
            id: Int64,
            classCode: String,
            state: CaseState,
            level: AreaLevel,
            areaCode: String,
            longitude: Double,
            latitude: Double,
            description: String,
            leadDepartment: String?,
            reportedAt: Int64,
            updatedAt: Int64,
            dueAt: Int64?
        ) {
            self.id = id
            self.classCode = classCode
            self.state = state
            self.level = level
            self.areaCode = areaCode
            self.longitude = longitude
            self.latitude = latitude
            self.description = description
            self.leadDepartment = leadDepartment
            self.reportedAt = reportedAt
            self.updatedAt = updatedAt
            self.dueAt = dueAt
        }
    }
}
