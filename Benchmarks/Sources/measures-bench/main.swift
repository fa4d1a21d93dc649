// The measures figure of BENCHMARKS.md (issue 4) at ten million cases: a year of the demo's history
// (DemoHistory, the reference city) summed into the measures' tables exactly as the live writer sums
// each case, the open cases written whole (the overdue count reads them), then the measures queried
// for the whole city, a county, a town, a department and a major class. In process: the query alone.
// Usage: measures-bench DATA|postgres://… CALENDARS-FOLDER [cases, default 10000000]
import Foundation
import Logging
import MinqingCore
@_spi(Benchmarks) import MinqingStore

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: measures-bench DATA|postgres://… CALENDARS-FOLDER [cases]\n".utf8))
    exit(2)
}
let count = arguments.count > 3 ? Int(arguments[3])! : 10_000_000
let location: DatabaseLocation = arguments[1].hasPrefix("postgres") ? .postgres(url: arguments[1]) : .sqlite(path: arguments[1] + "/minqing.sqlite")
var logger = Logger(label: "measures-bench")
logger.logLevel = .warning
let calendar = try {
    var calendar = WorkingCalendar()
    for name in try FileManager.default.contentsOfDirectory(atPath: arguments[2]).sorted() where name.hasSuffix(".json") {
        try calendar.add(schedule: Array(try Data(contentsOf: URL(fileURLWithPath: arguments[2] + "/" + name))))
    }
    return calendar
}()
let plan = DemoCityPlan.reference
let areas = DemoCityBuilder(plan: plan).build()
let tree = AreaTree(areas: areas)
let end = Int64(Date().timeIntervalSince1970 * 1000)
let history = DemoHistory(
    plan: plan,
    grids: areas.filter { $0.level == .grid },
    classes: StandardCatalog.caseClasses,
    routes: CaseRoutes(),
    tree: tree,
    calendar: calendar,
    start: end - 365 * 86_400_000,
    end: end,
    count: count
)
let started = ContinuousClock.now
try await Store.with(location, logger: logger) { store in
    try await store.migrate()
    store.use(calendar: calendar)
    let batch = 100_000
    var open = 0
    for first in stride(from: 0, to: count, by: batch) {
        // Two halves generated at once, one per core.
        let cases = try await withThrowingTaskGroup(of: (Int, [DemoCase]).self) { group in
            for half in 0..<2 {
                let from = first + half * batch / 2
                let to = min(first + (half + 1) * batch / 2, count)
                guard from < to else { continue }
                group.addTask { (half, history.cases(from..<to)) }
            }
            return try await group.reduce(into: [(Int, [DemoCase])]()) { $0.append($1) }.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
        // Finished cases into the sums alone; open ones written whole (which sums them too).
        try await store.addToMeasureSums(cases.filter { $0.record.state.isFinished }.map { ($0.record, $0.events) })
        let unfinished = cases.filter { !$0.record.state.isFinished }.map { HistoricCase(record: $0.record, events: $0.events) }
        open += unfinished.count
        try await store.importCases(unfinished, city: plan.cityCode, actor: "bench", now: end)
        if first % 1_000_000 == 0 { print("… \(first + cases.count) cases summed (\(ContinuousClock.now - started))") }
    }
    print("summed \(count) cases (\(open) open, written whole) in \(ContinuousClock.now - started)")
    let today = calendar.day(of: end)
    let year = MeasureFilter(fromDay: CalendarDay(number: today.number - 364), untilDay: CalendarDay(number: today.number + 1))
    let grid = areas.first { $0.level == .grid }!.code
    let county = tree.path(code: grid)[3].code
    let town = tree.path(code: grid)[2].code
    var questions: [(String, MeasureFilter)] = [("the whole city", year)]
    var filter = year
    filter.area = MeasureArea(county, in: tree)
    questions.append(("a county (\(filter.area!.codes.count) areas)", filter))
    filter.area = MeasureArea(town, in: tree)
    questions.append(("a town (\(filter.area!.codes.count) areas)", filter))
    filter.area = MeasureArea(tree.path(code: grid)[1].code, in: tree)
    questions.append(("a village (\(filter.area!.codes.count) areas)", filter))
    filter = year
    filter.department = "cgj"
    questions.append(("a department (cgj)", filter))
    filter = year
    filter.classes = ["C01"] + StandardCatalog.caseClasses.filter { $0.parentCode == "C01" }.map(\.code)
    questions.append(("a major class (C01)", filter))
    for (name, filter) in questions {
        var times: [Duration] = []
        var reports: Int64 = 0
        for _ in 0..<11 {
            let clock = ContinuousClock.now
            let (counters, _) = try await store.measureCounts(city: plan.cityCode, filter)
            times.append(ContinuousClock.now - clock)
            reports = counters.reports
        }
        times.sort()
        print("\(name): \(reports) reports; median \(times[5]), slowest \(times[10]) (11 runs)")
    }
}
