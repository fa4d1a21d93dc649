import Foundation
import MinqingCore
import SQLKit
import Synchronization

/// What the measures are asked about: a period of report days, and optionally an area subtree,
/// classes and a department.
public struct MeasureFilter: Sendable, Hashable {
    /// Report days, from the first to the day before `untilDay`.
    public var fromDay: CalendarDay
    public var untilDay: CalendarDay
    /// The area subtree asked about; `nil` for the whole city.
    public var area: MeasureArea?
    /// The classes asked about (a major class with its subclasses); `nil` for all.
    public var classes: [String]?
    public var department: String?

    public init(fromDay: CalendarDay, untilDay: CalendarDay, area: MeasureArea? = nil, classes: [String]? = nil, department: String? = nil) {
        self.fromDay = fromDay
        self.untilDay = untilDay
        self.area = area
        self.classes = classes
        self.department = department
    }
}

/// An area subtree the measures are asked about.
public struct MeasureArea: Sendable, Hashable {
    /// Every area of the subtree, its root first: the open cases are counted by their own areas.
    public var codes: [String]
    /// Whether the root keeps sums of its own (``AreaLevel/keepsCaseSums``): then they are read at
    /// the root; else the sums of every area of the subtree are added.
    public var rootKeepsSums: Bool

    /// The subtree of an area as the tree stands; `nil` for an unknown code.
    public init?(_ code: String, in tree: AreaTree) {
        guard let root = tree.area(code: code) else { return nil }
        codes = tree.subtreeCodes(code: code)
        rootKeepsSums = root.level.keepsCaseSums
    }
}

/// How the sums move, added up per table (``Store/sumTables``, in its order) and sorted by key, rows
/// that move nothing left out: work that needs no database, done before the writer's transaction
/// when it can be (``Store/importCases(_:city:actor:now:)``).
public struct CountMoves: Sendable {
    var tables: [[(CountKey, CaseCounters)]]

    init(_ changes: [(CountKey, CaseCounters)]) {
        tables = Store.sumTables.map { table in
            var sums: [CountKey: CaseCounters] = [:]
            for (key, counters) in changes {
                for place in table.project(key) { sums[place, default: .zero] += counters }
            }
            // In key order: two writers lock the rows they share in the same order, so neither waits on the other in a cycle.
            return sums.filter { !$0.value.isZero }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        }
    }
}

/// One place the measures' sums are kept: a case's report day, area, class and a department (or
/// `""`), with the counters its facts add there.
struct CountKey: Hashable, Comparable {
    var city: String
    var area: String
    /// The town and county above `area` that count the case too (``CaseRecord/areasAbove``).
    var above: [String] = []
    var day: Int64
    var classCode: String
    var department: String

    /// By bytes, the same order in every process (PostgreSQL writers lock rows in it), without the
    /// cost of comparing strings by Unicode rules.
    static func < (a: CountKey, b: CountKey) -> Bool {
        func order(_ x: String, _ y: String) -> Bool? { x == y ? nil : x.utf8.lexicographicallyPrecedes(y.utf8) }
        if let first = order(a.city, b.city) ?? order(a.area, b.area) { return first }
        if a.day != b.day { return a.day < b.day }
        return order(a.classCode, b.classCode) ?? order(a.department, b.department) ?? false
    }
}

extension Store {
    /// The working-time calendar that the measures' facts are counted on (the response limit). The
    /// server sets the city's calendar before it starts.
    public var calendar: WorkingCalendar { calendarBox.withLock { $0 } }

    public func use(calendar: WorkingCalendar) { calendarBox.withLock { $0 = calendar } }

    /// How the sums move when a case's log grows from `before` (nil for a new case) to `after`.
    func countChanges(
        from before: (record: CaseRecord, events: [CaseEvent])?,
        to after: (record: CaseRecord, events: [CaseEvent])
    ) -> [(
        CountKey, CaseCounters
    )] {
        let calendar = self.calendar
        let old = before.map { CaseFacts(record: $0.record, events: $0.events, calendar: calendar) } ?? CaseFacts()
        let new = CaseFacts(record: after.record, events: after.events, calendar: calendar)
        let record = after.record
        let day = Int64(calendar.day(of: record.reportedAt).number)
        return new.delta(from: old).map { department, counters in
            (
                CountKey(
                    city: record.cityCode,
                    area: record.areaCode,
                    above: record.areasAbove,
                    day: day,
                    classCode: record.classCode,
                    department: department
                ), counters
            )
        }
    }

    /// One table of sums: its key columns, and what of a case's place it keeps (the rest summed over).
    struct SumTable: Sendable {
        var name: String
        var keyColumns: [String]

        /// The keys a case's place sums into here: its own area and each above it where the table
        /// keeps areas; columns the table lacks are left empty.
        func project(_ key: CountKey) -> [CountKey] {
            let areas = keyColumns.contains("area_code") ? [key.area] + key.above : [""]
            return areas.map { area in
                CountKey(
                    city: key.city,
                    area: area,
                    day: key.day,
                    classCode: keyColumns.contains("class_code") ? key.classCode : "",
                    department: keyColumns.contains("department_code") ? key.department : ""
                )
            }
        }

        func values(_ key: CountKey) -> [any SQLExpression] {
            keyColumns.map { column -> any SQLExpression in
                switch column {
                case "city_code": SQLBind(key.city)
                case "area_code": SQLBind(key.area)
                case "day": SQLBind(key.day)
                case "class_code": SQLBind(key.classCode)
                default: SQLBind(key.department)
                }
            }
        }
    }

    /// By area (each case under its grid, its town and its county) for any area subtree; by class and department for the whole city; by day alone for
    /// the city's own figures, whose rows do not grow with the number of cases (366 a year).
    static let sumTables = [
        SumTable(name: "case_counts_by_area", keyColumns: ["city_code", "area_code", "day", "class_code", "department_code"]),
        SumTable(name: "case_counts_by_day", keyColumns: ["city_code", "day", "class_code", "department_code"]),
        SumTable(name: "case_counts_by_city_day", keyColumns: ["city_code", "day"]),
    ]

    /// Adds changes to every table of sums, in the caller's transaction.
    func moveCounts(_ changes: [(CountKey, CaseCounters)], db: any SQLDatabase) async throws {
        try await moveCounts(CountMoves(changes), db: db)
    }

    /// Adds changes already added up per table to every table of sums, in the caller's transaction.
    func moveCounts(_ moves: CountMoves, db: any SQLDatabase) async throws {
        for (table, entries) in zip(Self.sumTables, moves.tables) where !entries.isEmpty {
            // Only the counters some row moved (a report moves one or two of the 28): the others are neither
            // bound nor updated.
            let columns = CaseCounters.columns.filter { column in entries.contains { $0.1[keyPath: column.keyPath] != 0 } }
            let names = columns.map(\.name)
            let rows: [any SQLExpression] = entries.map { key, counters in
                SQLGroupExpression(table.values(key) + columns.map { SQLBind(counters[keyPath: $0.keyPath]) })
            }
            let updates = names.map { "\($0) = \(table.name).\($0) + excluded.\($0)" }.joined(separator: ", ")
            // At most 900 rows of 33 values a statement: under SQLite's 32,766 bound values.
            for start in stride(from: 0, to: rows.count, by: 900) {
                try await db.raw(
                    """
                    INSERT INTO \(ident: table.name) (\(unsafeRaw: (table.keyColumns + names).joined(separator: ", ")))
                    VALUES \(SQLList(Array(rows[start..<min(start + 900, rows.count)])))
                    ON CONFLICT (\(unsafeRaw: table.keyColumns.joined(separator: ", "))) DO UPDATE SET \(unsafeRaw: updates)
                    """
                ).run()
            }
        }
    }

    /// Open cases whose clock runs (``CaseMeasures/isOverdueOpen(_:at:)`` without the time), as the
    /// partial index `cases_overdue` states it: constants, never data.
    static let overdueOpenCondition =
        "paused_at IS NULL AND state IN (\([CaseState.dispatched, .signed, .extensionRequested].map { "'\($0.rawValue)'" }.joined(separator: ", ")))"

    /// The counters summed over a filter, and the open cases overdue now within it: what
    /// ``CaseMeasures/init(counters:overdueOpen:)`` needs.
    public func measureCounts(city: String, _ filter: MeasureFilter) async throws -> (counters: CaseCounters, overdueOpen: Int64) {
        let now = nowMilliseconds
        let calendar = self.calendar
        return try await backend.read { db in
            let table =
                filter.area != nil
                ? "case_counts_by_area" : filter.classes == nil && filter.department == nil ? "case_counts_by_city_day" : "case_counts_by_day"
            var sums = db.select().from(table).where("city_code", .equal, city)
                .where("day", .greaterThanOrEqual, Int64(filter.fromDay.number)).where("day", .lessThan, Int64(filter.untilDay.number))
            for column in CaseCounters.columns {
                // PostgreSQL sums BIGINTs as NUMERIC: back to BIGINT, which no city's counts outgrow.
                sums = sums.column(SQLRaw("CAST(COALESCE(SUM(\(column.name)), 0) AS BIGINT) AS \(column.name)"))
            }
            var overdue = db.select().column(SQLAlias(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")).from("cases")
                .where("city_code", .equal, city)
                // Written as in the partial index `cases_overdue` (migration 0016), so that both engines use it.
                .where(SQLRaw(Self.overdueOpenCondition))
                .where("due_at", .lessThan, now)
                .where("reported_at", .greaterThanOrEqual, calendar.start(of: filter.fromDay))
                .where("reported_at", .lessThan, calendar.start(of: filter.untilDay))
            if let area = filter.area {
                sums = area.rootKeepsSums ? sums.where("area_code", .equal, area.codes[0]) : sums.where("area_code", .in, area.codes)
                overdue = overdue.where("area_code", .in, area.codes)
            }
            if let classes = filter.classes {
                sums = sums.where("class_code", .in, classes)
                overdue = overdue.where("class_code", .in, classes)
            }
            if let department = filter.department {
                sums = sums.where("department_code", .equal, department)
                overdue = overdue.where("lead_department", .equal, department)
            }
            var counters = CaseCounters.zero
            if let row = try await sums.first() {
                for column in CaseCounters.columns { counters[keyPath: column.keyPath] = try row.decode(column: column.name, as: Int64.self) }
            }
            let overdueOpen = try await overdue.first()?.decode(column: "n", as: Int64.self) ?? 0
            return (counters, overdueOpen)
        }
    }

    /// The sums as the log says they should be: every case's facts computed afresh from its events.
    /// Compared with the kept sums by ``checkMeasureCounts(city:)``; written by ``rebuildMeasureCountsIfMissing(city:)``.
    func recountFromLog(city: String, db: any SQLDatabase) async throws -> [CountKey: CaseCounters] {
        var sums: [CountKey: CaseCounters] = [:]
        var lastID: Int64 = 0
        while true {
            // A page of cases at a time, with their events.
            let records = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.caseColumns.joined(separator: ", ")) FROM cases
                WHERE city_code = \(bind: city) AND id > \(bind: lastID) ORDER BY id LIMIT 2000
                """
            ).all().map(Self.caseRecord)
            guard let last = records.last else { return sums }
            lastID = last.id
            let byCase = try await events(caseIDs: records.map(\.id), db: db)
            for record in records {
                for (key, counters) in countChanges(from: nil, to: (record, byCase[record.id] ?? [])) {
                    sums[key, default: .zero] += counters
                }
            }
        }
    }

    /// The sums a table keeps, without rows that sum to nothing.
    private func keptCounts(_ table: SumTable, city: String, db: any SQLDatabase) async throws -> [CountKey: CaseCounters] {
        let rows = try await db.raw("SELECT * FROM \(ident: table.name) WHERE city_code = \(bind: city)").all()
        var kept: [CountKey: CaseCounters] = [:]
        for row in rows {
            var counters = CaseCounters.zero
            for column in CaseCounters.columns { counters[keyPath: column.keyPath] = try row.decode(column: column.name, as: Int64.self) }
            guard !counters.isZero else { continue }
            func text(_ column: String) throws -> String {
                table.keyColumns.contains(column) ? try row.decode(column: column, as: String.self) : ""
            }
            let key = CountKey(
                city: city,
                area: try text("area_code"),
                day: try row.decode(column: "day", as: Int64.self),
                classCode: try text("class_code"),
                department: try text("department_code")
            )
            kept[key] = counters
        }
        return kept
    }

    /// Whether every table of sums holds exactly what the log says; the first difference if not.
    public func checkMeasureCounts(city: String) async throws -> String? {
        try await backend.read { db in
            let fromLog = try await recountFromLog(city: city, db: db)
            for table in Self.sumTables {
                var expected: [CountKey: CaseCounters] = [:]
                for (key, counters) in fromLog {
                    for place in table.project(key) { expected[place, default: .zero] += counters }
                }
                expected = expected.filter { !$0.value.isZero }
                let kept = try await keptCounts(table, city: city, db: db)
                for key in Set(expected.keys).union(kept.keys) where expected[key] != kept[key] {
                    let place = table.keyColumns.contains("area_code") ? "area \(key.area), " : ""
                    return
                        "\(table.name): \(place)day \(key.day), class '\(key.classCode)', department '\(key.department)': the log says \(expected[key] ?? .zero), the sums hold \(kept[key] ?? .zero)"
                }
            }
            return nil
        }
    }

    /// Writes each case's ``CaseRecord/areasAbove`` from the tree as it stands, where the case has none
    /// (cases from before migration 0018): run before ``rebuildMeasureCountsIfMissing(city:)``. One statement
    /// per area holding such cases.
    public func fillAreasAbove(city: String, tree: AreaTree) async throws {
        try await backend.transaction { db in
            let rows = try await db.raw("SELECT DISTINCT area_code FROM cases WHERE city_code = \(bind: city) AND areas_above = '[]'").all()
            for row in rows {
                let area = try row.decode(column: "area_code", as: String.self)
                let above = tree.areasAbove(code: area)
                guard !above.isEmpty else { continue }
                try await db.raw(
                    """
                    UPDATE cases SET areas_above = \(bind: JSONValue.array(above.map(JSONValue.string)).serialized)
                    WHERE city_code = \(bind: city) AND area_code = \(bind: area) AND areas_above = '[]'
                    """
                ).run()
            }
        }
    }

    /// Whether a city has cases but no sums yet (a database migrated from before the sums).
    public func measureCountsMissing(city: String) async throws -> Bool {
        try await backend.read { db in try await Self.countsMissing(city: city, db: db) }
    }

    private static func countsMissing(city: String, db: any SQLDatabase) async throws -> Bool {
        let cases = try await db.raw("SELECT 1 AS x FROM cases WHERE city_code = \(bind: city) LIMIT 1").first()
        let sums = try await db.raw("SELECT 1 AS x FROM case_counts_by_day WHERE city_code = \(bind: city) LIMIT 1").first()
        return cases != nil && sums == nil
    }

    /// Writes the sums from the log when they are missing, once however many processes start at
    /// the same time on one database: the sums' tables are locked against every other writer first
    /// (``ColumnTypes/lockForWriting(_:)``; SQLite's writers take turns anyway), and whether they
    /// are missing is asked again under the lock. A report committed by a process already serving
    /// is either in the log the rebuild reads, or waits for the lock and adds to the rebuilt sums.
    /// Whether this call rebuilt them.
    public func rebuildMeasureCountsIfMissing(city: String) async throws -> Bool {
        try await backend.transaction { db in
            if let lock = types.lockForWriting(Self.sumTables.map(\.name)) { try await db.raw("\(unsafeRaw: lock)").run() }
            guard try await Self.countsMissing(city: city, db: db) else { return false }
            // Whatever another table holds for the city (the three are written together; a restore
            // may not have) would be counted twice.
            for table in Self.sumTables { try await db.raw("DELETE FROM \(ident: table.name) WHERE city_code = \(bind: city)").run() }
            let sums = try await recountFromLog(city: city, db: db)
            try await moveCounts(Array(sums), db: db)
            return true
        }
    }

    /// Adds cases' facts to the measures' sums without writing the cases: for the benchmark that
    /// measures the sums of ten million cases, never for serving.
    @_spi(Benchmarks) public func addToMeasureSums(_ cases: [(record: CaseRecord, events: [CaseEvent])]) async throws {
        try await backend.transaction { db in
            try await moveCounts(cases.flatMap { countChanges(from: nil, to: ($0.record, $0.events)) }, db: db)
        }
    }
}
