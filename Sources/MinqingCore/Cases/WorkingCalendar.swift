import Foundation

/// A date on the calendar, without a time or a zone.
public struct CalendarDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let number: Int

    public init(number: Int) { self.number = number }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Self.length(of: month, in: year) else { return nil }
        // Days from civil (H. Hinnant): proleptic Gregorian, exact for every year here.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        number = era * 146_097 + dayOfEra - 719_468
    }

    /// `2026-02-14`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = number + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// 1 Monday … 7 Sunday (ISO 8601). 1970-01-01 was a Thursday.
    public var weekday: Int { ((number % 7 + 7) % 7 + 3) % 7 + 1 }

    public var description: String {
        let (year, month, day) = components
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    public static func < (a: CalendarDay, b: CalendarDay) -> Bool { a.number < b.number }

    static func length(of month: Int, in year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// 工作日历: which days are worked and the hours of a working day, in one time zone. Limits in working
/// hours or days are counted on it; public holidays and the weekend days worked in their place (调休)
/// come from the year's official schedule.
public struct WorkingCalendar: Sendable, Hashable {
    /// The working periods of a day, in minutes after midnight: `[(510, 720), (840, 1050)]` is
    /// 08:30–12:00 and 14:00–17:30.
    public var periods: [Range<Int>]
    /// Days off that would otherwise be worked (public holidays falling on weekdays, bridging days).
    public var holidays: Set<CalendarDay>
    /// Weekend days that are worked (调休上班).
    public var workingWeekendDays: Set<CalendarDay>
    /// The years the holiday lists cover: outside them, only weekends are off.
    public var coveredYears: Set<Int>
    /// Covered years whose list is marked `"provisional": true`: the statutory holidays alone, before
    /// the year's official schedule is published; a server says so at start.
    public var provisionalYears: Set<Int> = []
    /// Seconds east of UTC (China: 28,800, no daylight saving).
    public var utcOffset: Int

    public init(
        periods: [Range<Int>] = [510..<720, 840..<1050],
        holidays: Set<CalendarDay> = [],
        workingWeekendDays: Set<CalendarDay> = [],
        coveredYears: Set<Int> = [],
        utcOffset: Int = 8 * 3600
    ) {
        self.periods = periods.sorted { $0.lowerBound < $1.lowerBound }
        self.holidays = holidays
        self.workingWeekendDays = workingWeekendDays
        self.coveredYears = coveredYears
        self.utcOffset = utcOffset
    }

    /// Minutes of work in a working day.
    public var minutesPerDay: Int { periods.reduce(0) { $0 + $1.count } }

    public func isWorkingDay(_ day: CalendarDay) -> Bool {
        if workingWeekendDays.contains(day) { return true }
        if holidays.contains(day) { return false }
        return day.weekday <= 5
    }

    /// The local calendar day of an instant (milliseconds since 1970, UTC).
    public func day(of instant: Int64) -> CalendarDay { local(instant).day }

    /// The instant a local calendar day begins.
    public func start(of day: CalendarDay) -> Int64 { instant(day, minute: 0) }

    /// The calendar day and the minute of the day of an instant (milliseconds since 1970, UTC).
    func local(_ instant: Int64) -> (day: CalendarDay, millisecond: Int64) {
        let shifted = instant + Int64(utcOffset) * 1000
        let dayNumber = Int((shifted >= 0 ? shifted : shifted - 86_399_999) / 86_400_000)
        return (CalendarDay(number: dayNumber), shifted - Int64(dayNumber) * 86_400_000)
    }

    func instant(_ day: CalendarDay, minute: Int) -> Int64 {
        (Int64(day.number) * 1440 + Int64(minute)) * 60_000 - Int64(utcOffset) * 1000
    }

    /// The instant after `minutes` of working time from `start`: a limit of 4 working hours set at
    /// 16:00 on a Friday before a holiday ends on the next working day. Zero minutes from outside
    /// working time is the start of the next working period.
    public func adding(workingMinutes minutes: Int, to start: Int64) -> Int64 {
        precondition(minutesPerDay > 0, "a working calendar needs working periods")
        var remaining = Int64(max(0, minutes)) * 60_000
        var (day, millisecond) = local(start)
        let whole = Int64(minutesPerDay) * 60_000
        while true {
            if isWorkingDay(day) {
                for period in periods {
                    let (from, to) = (Int64(period.lowerBound) * 60_000, Int64(period.upperBound) * 60_000)
                    guard millisecond < to else { continue }
                    let begin = max(millisecond, from)
                    if begin + remaining <= to { return instant(day, minute: 0) + begin + remaining }
                    remaining -= to - begin
                    millisecond = to
                }
            }
            day = CalendarDay(number: day.number + 1)
            millisecond = 0
            // Whole working days that cannot hold the end are passed in one step each.
            while remaining > whole, isWorkingDay(day) {
                remaining -= whole
                day = CalendarDay(number: day.number + 1)
            }
        }
    }

    /// Working time between two instants, in milliseconds, outside the paused spans (an approved
    /// extension's wait, a suspension).
    public func workingMilliseconds(from start: Int64, to end: Int64, pausedDuring pauses: [Range<Int64>] = []) -> Int64 {
        guard end > start else { return 0 }
        var total: Int64 = 0
        var cursor = start
        for pause in pauses.sorted(by: { $0.lowerBound < $1.lowerBound }) where pause.upperBound > cursor && pause.lowerBound < end {
            total += workingSpan(cursor, min(pause.lowerBound, end))
            cursor = max(cursor, pause.upperBound)
        }
        if cursor < end { total += workingSpan(cursor, end) }
        return total
    }

    private func workingSpan(_ start: Int64, _ end: Int64) -> Int64 {
        guard end > start else { return 0 }
        let (first, firstMillisecond) = local(start)
        let (last, lastMillisecond) = local(end)
        func worked(_ day: CalendarDay, from: Int64, to: Int64) -> Int64 {
            guard isWorkingDay(day) else { return 0 }
            return periods.reduce(0) { sum, period in
                let (a, b) = (max(from, Int64(period.lowerBound) * 60_000), min(to, Int64(period.upperBound) * 60_000))
                return sum + max(0, b - a)
            }
        }
        if first == last { return worked(first, from: firstMillisecond, to: lastMillisecond) }
        var total = worked(first, from: firstMillisecond, to: 86_400_000) + worked(last, from: 0, to: lastMillisecond)
        var day = first.number + 1
        while day < last.number {
            if isWorkingDay(CalendarDay(number: day)) { total += Int64(minutesPerDay) * 60_000 }
            day += 1
        }
        return total
    }
}

/// 红黄绿灯: how much of a limit is used. Yellow from 75 %, red when overdue.
public enum DeadlineLight: String, Sendable, Codable, CaseIterable {
    case green, yellow, red

    public init(used: Int64, limit: Int64) {
        if used > limit {
            self = .red
        } else if used * 4 >= limit * 3 {
            self = .yellow
        } else {
            self = .green
        }
    }
}

extension WorkingCalendar {
    /// The deadline of a limit started at `start`: working hours and days on this calendar (a working
    /// day is a day's working periods), clock hours as they are.
    public func deadline(of limit: TimeLimit, from start: Int64) -> Int64 {
        switch limit.unit {
        case .clockHours: start + Int64(max(0, limit.value)) * 3_600_000
        case .workingHours: adding(workingMinutes: limit.value * 60, to: start)
        case .workingDays: adding(workingMinutes: limit.value * minutesPerDay, to: start)
        }
    }

    /// How much of a limit is used at `now`, in the limit's own time (paused spans excluded).
    public func used(of limit: TimeLimit, from start: Int64, at now: Int64, pausedDuring pauses: [Range<Int64>] = []) -> (used: Int64, limit: Int64) {
        switch limit.unit {
        case .clockHours:
            // Paused spans may overlap (a suspension during an extension's wait): count each instant once.
            var paused: Int64 = 0
            var cursor = start
            for pause in pauses.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                let (from, to) = (max(pause.lowerBound, cursor), min(pause.upperBound, now))
                if to > from { paused += to - from }
                cursor = max(cursor, pause.upperBound)
            }
            return (max(0, now - start - paused), Int64(limit.value) * 3_600_000)
        case .workingHours:
            return (workingMilliseconds(from: start, to: now, pausedDuring: pauses), Int64(limit.value) * 3_600_000)
        case .workingDays:
            return (workingMilliseconds(from: start, to: now, pausedDuring: pauses), Int64(limit.value * minutesPerDay) * 60_000)
        }
    }

    /// Reads a year's schedule: `{"year": 2025, "off": ["2025-01-01", "2025-01-28..2025-02-04"], "work": ["2025-01-26"]}`
    /// (ranges inclusive). Off days on weekends are kept too: they are off anyway.
    public mutating func add(schedule text: [UInt8]) throws {
        guard case .object(let object) = try JSONValue(parsing: text), case .number(let year)? = object["year"],
            case .array(let off)? = object["off"], case .array(let work)? = object["work"]
        else { throw FieldProblem("schedule", "a schedule is {\"year\": …, \"off\": […], \"work\": […]}") }
        func days(_ values: [JSONValue], _ field: String) throws -> [CalendarDay] {
            try values.flatMap { value -> [CalendarDay] in
                guard case .string(let text) = value else { throw FieldProblem(field, "dates are strings") }
                let ends = text.components(separatedBy: "..")
                guard (1...2).contains(ends.count), let first = CalendarDay(ends[0]), let last = CalendarDay(ends[ends.count - 1]), first <= last,
                    first.components.year == Int(year), last.components.year == Int(year)
                else { throw FieldProblem(field, "\(text) is not a date or a range of dates in \(Int(year))") }
                return (first.number...last.number).map(CalendarDay.init(number:))
            }
        }
        let offDays = try days(off, "off")
        let workDays = try days(work, "work")
        if let both = Set(offDays).intersection(workDays).first { throw FieldProblem("work", "\(both) is both off and worked") }
        if let weekday = workDays.first(where: { $0.weekday <= 5 }) { throw FieldProblem("work", "\(weekday) is a weekday, worked anyway") }
        holidays.formUnion(offDays)
        workingWeekendDays.formUnion(workDays)
        coveredYears.insert(Int(year))
        if case .bool(true)? = object["provisional"] { provisionalYears.insert(Int(year)) }
    }
}
