import Foundation
import MinqingCore
import Testing

/// Deadline arithmetic on China's working-time calendar: across a holiday with make-up working days,
/// over a night, across years.
struct WorkingCalendarTests {
    static let calendar: WorkingCalendar = {
        var calendar = WorkingCalendar()
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/MinqingServer/Calendars")
        // Every year the server ships.
        let names = try! FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("CN-") && $0.hasSuffix(".json") }
        for name in names.sorted() {
            try! calendar.add(schedule: Array(try! Data(contentsOf: folder.appendingPathComponent(name))))
        }
        return calendar
    }()

    /// An instant in China (UTC+8): "2025-01-27 16:00".
    static func at(_ text: String) -> Int64 {
        let parts = text.split(separator: " ")
        let day = CalendarDay(parts[0])!
        let time = parts[1].split(separator: ":").map { Int($0)! }
        return (Int64(day.number) * 1440 + Int64(time[0] * 60 + time[1])) * 60_000 - 8 * 3_600_000
    }

    @Test func readsDaysAndWeekdays() {
        #expect(CalendarDay("1970-01-01")?.number == 0)
        #expect(CalendarDay("1970-01-01")?.weekday == 4)
        #expect(CalendarDay("2026-11-26")?.weekday == 4)
        #expect(CalendarDay("2024-02-29")?.description == "2024-02-29")
        #expect(CalendarDay("2025-02-29") == nil && CalendarDay("2025-13-01") == nil && CalendarDay("25-01-01") == nil)
        for number in stride(from: -800_000, to: 800_000, by: 997) {
            let day = CalendarDay(number: number)
            let (year, month, date) = day.components
            #expect(CalendarDay(year: year, month: month, day: date) == day)
        }
    }

    @Test func knowsWhichDaysAreWorked() {
        let calendar = Self.calendar
        #expect(!calendar.isWorkingDay(CalendarDay("2025-01-29")!), "春节, a Wednesday")
        #expect(calendar.isWorkingDay(CalendarDay("2025-01-26")!), "a Sunday worked before 春节")
        #expect(calendar.isWorkingDay(CalendarDay("2026-02-28")!), "a Saturday worked after 春节")
        #expect(!calendar.isWorkingDay(CalendarDay("2026-02-21")!))
        #expect(calendar.isWorkingDay(CalendarDay("2026-11-26")!))
        #expect(!calendar.isWorkingDay(CalendarDay("2026-11-28")!), "an ordinary Saturday")
        #expect(calendar.coveredYears == [2025, 2026, 2027])
        #expect(calendar.provisionalYears == [2027], "2027's notice is not published yet: its statutory holidays stand in")
        #expect(calendar.minutesPerDay == 420)
    }

    @Test func countsAcrossTheNightAndTheWeekend() {
        let calendar = Self.calendar
        // 4 working hours from Thursday 16:00: 1.5 h that day, 2.5 h Friday morning → 11:00.
        #expect(calendar.adding(workingMinutes: 240, to: Self.at("2026-11-26 16:00")) == Self.at("2026-11-27 11:00"))
        // From Friday 17:00: half an hour Friday, then Monday 08:30 + 3.5 h = 12:00.
        #expect(calendar.adding(workingMinutes: 240, to: Self.at("2026-11-27 17:00")) == Self.at("2026-11-30 12:00"))
        // Set at night or at lunch: the clock starts with the next working period.
        #expect(calendar.adding(workingMinutes: 60, to: Self.at("2026-11-26 22:00")) == Self.at("2026-11-27 09:30"))
        #expect(calendar.adding(workingMinutes: 30, to: Self.at("2026-11-26 12:30")) == Self.at("2026-11-26 14:30"))
        #expect(calendar.adding(workingMinutes: 0, to: Self.at("2026-11-26 12:30")) == Self.at("2026-11-26 14:00"))
        // 5 working days from a Monday 10:00: the next Monday 10:00.
        #expect(calendar.deadline(of: TimeLimit(5, .workingDays), from: Self.at("2026-11-23 10:00")) == Self.at("2026-11-30 10:00"))
        // Clock hours run through nights and holidays.
        #expect(calendar.deadline(of: TimeLimit(2, .clockHours), from: Self.at("2026-02-16 23:30")) == Self.at("2026-02-17 01:30"))
    }

    @Test func countsAcrossAHolidayWithMakeUpWorkingDays() {
        let calendar = Self.calendar
        // Friday 2026-02-13, 16:00, 2 working days (14 h): 1.5 h on Friday; Saturday 02-14 is worked (7 h);
        // 02-15..02-23 off; Tuesday 02-24 08:30 + 5.5 h → 16:00.
        #expect(calendar.deadline(of: TimeLimit(2, .workingDays), from: Self.at("2026-02-13 16:00")) == Self.at("2026-02-24 16:00"))
        // 2025: the Sunday before 春节 is worked; 8 h from Friday 01-24 17:00 → 0.5 h, Sunday 01-26 7 h, Monday 01-27 0.5 h.
        #expect(calendar.adding(workingMinutes: 480, to: Self.at("2025-01-24 17:00")) == Self.at("2025-01-27 09:00"))
    }

    @Test func countsAcrossYears() {
        let calendar = Self.calendar
        // Wednesday 2025-12-31 15:00 + 3 working days (21 h): 2.5 h that day; 01-01..01-03 off, Sunday
        // 01-04 worked (7 h), Monday 01-05 (7 h), Tuesday 01-06 4.5 h → 08:30 + 3.5 h = 12:00, then 1 h → 15:00.
        #expect(calendar.deadline(of: TimeLimit(3, .workingDays), from: Self.at("2025-12-31 15:00")) == Self.at("2026-01-06 15:00"))
        // Into 2027 (provisional: the statutory holidays alone): Thursday 2026-12-31 16:00 + 4 working
        // hours: 1.5 h that day; 元旦 Friday 01-01, the weekend; Monday 01-04 08:30 + 2.5 h → 11:00.
        #expect(calendar.adding(workingMinutes: 240, to: Self.at("2026-12-31 16:00")) == Self.at("2027-01-04 11:00"))
    }

    /// 2027 before its notice: 除夕 to 初三 off, and the two that fall on the weekend (02-06, 02-07)
    /// made up on Tuesday and Wednesday, as the 办法 requires; no weekend is worked.
    @Test func countsAcrossTheProvisionalSpringFestivalOf2027() {
        let calendar = Self.calendar
        for day in ["2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-05-03", "2027-10-05"] {
            #expect(!calendar.isWorkingDay(CalendarDay(day)!), "\(day)")
        }
        #expect(calendar.isWorkingDay(CalendarDay("2027-02-11")!) && !calendar.isWorkingDay(CalendarDay("2027-02-13")!))
        // Thursday 02-04 17:00 + 1 working hour: half an hour that day, then Thursday 02-11 09:00.
        #expect(calendar.adding(workingMinutes: 60, to: Self.at("2027-02-04 17:00")) == Self.at("2027-02-11 09:00"))
    }

    @Test func measuresWorkingTimeUsedWithPausesAndLights() {
        let calendar = Self.calendar
        let start = Self.at("2026-11-26 16:00")
        let limit = TimeLimit(4, .workingHours)
        let deadline = calendar.deadline(of: limit, from: start)
        #expect(calendar.used(of: limit, from: start, at: deadline).used == 4 * 3_600_000)
        // Used and deadline agree everywhere along the way.
        for minutes in stride(from: 0, through: 4 * 60, by: 15) {
            let instant = calendar.adding(workingMinutes: minutes, to: start)
            #expect(calendar.workingMilliseconds(from: start, to: instant) == Int64(minutes) * 60_000, "\(minutes)")
        }
        // A suspension over Friday morning stops the clock.
        let pause = Self.at("2026-11-27 08:00")..<Self.at("2026-11-27 12:00")
        #expect(calendar.workingMilliseconds(from: start, to: Self.at("2026-11-27 15:00"), pausedDuring: [pause]) == 150 * 60_000)
        let (used, whole) = calendar.used(of: limit, from: start, at: Self.at("2026-11-27 10:30"))
        #expect(DeadlineLight(used: used, limit: whole) == .yellow)
        #expect(DeadlineLight(used: 0, limit: whole) == .green)
        #expect(DeadlineLight(used: whole * 3 / 4, limit: whole) == .yellow)
        #expect(DeadlineLight(used: whole, limit: whole) == .yellow)
        #expect(DeadlineLight(used: whole + 1, limit: whole) == .red)
    }

    @Test func clockHoursCountOverlappingPausesOnce() {
        let calendar = Self.calendar
        let start = Self.at("2026-11-26 10:00")
        let pauses = [Self.at("2026-11-26 11:00")..<Self.at("2026-11-26 13:00"), Self.at("2026-11-26 12:00")..<Self.at("2026-11-26 14:00")]
        let (used, limit) = calendar.used(of: TimeLimit(8, .clockHours), from: start, at: Self.at("2026-11-26 16:00"), pausedDuring: pauses)
        #expect(used == 3 * 3_600_000 && limit == 8 * 3_600_000)
        // A limit of nothing ends where it starts, never before.
        #expect(calendar.deadline(of: TimeLimit(-2, .workingHours), from: Self.at("2026-11-26 10:00")) == Self.at("2026-11-26 10:00"))
        #expect(calendar.deadline(of: TimeLimit(-2, .clockHours), from: start) == start)
    }

    @Test func refusesABrokenSchedule() {
        var calendar = WorkingCalendar()
        let cases: [(String, String)] = [
            (#"{"year": 2027, "off": ["2027-02-30"], "work": []}"#, "off"),
            (#"{"year": 2027, "off": ["2026-12-31"], "work": []}"#, "off"),
            (#"{"year": 2027, "off": ["2027-02-10..2027-02-05"], "work": []}"#, "off"),
            (#"{"year": 2027, "off": ["2027-02-06"], "work": ["2027-02-06"]}"#, "work"),
            (#"{"year": 2027, "off": [], "work": ["2027-02-08"]}"#, "work"),
            (#"{"year": 2027, "off": []}"#, "schedule"),
        ]
        for (text, field) in cases {
            #expect(throws: FieldProblem.self) { try calendar.add(schedule: Array(text.utf8)) }
            do {
                try calendar.add(schedule: Array(text.utf8))
            } catch let problem as FieldProblem {
                #expect(problem.field == field, "\(text): \(problem)")
            } catch {
                Issue.record("\(text): \(error)")
            }
        }
        #expect(calendar.coveredYears.isEmpty && calendar.holidays.isEmpty)
    }
}
