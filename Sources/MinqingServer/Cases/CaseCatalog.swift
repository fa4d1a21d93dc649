import Foundation
import MinqingCore
import MinqingStore
import Synchronization

/// What intake and dispatch look up on every request, kept in memory: the city's case classes,
/// departments and routes, and the working-time calendar. Loaded before the server starts; a class
/// or department this process does not know makes it read the catalog again (another process, or the
/// admin API, may have added it), at most once a second.
final class CaseCatalog: Sendable {
    struct Contents: Sendable {
        var classes: [String: CaseClass] = [:]
        /// Departments and sections, by code; a section's `parentCode` is its department.
        var departments: [String: Department] = [:]
        var routes = CaseRoutes()
        var loadedAt = ContinuousClock.Instant.now

        /// A department's name in `language`; its code when this catalog does not know it.
        func departmentName(_ code: String, in language: Language) -> String {
            departments[code]?.name(in: language) ?? code
        }

        /// A class's name in `language`; its code when this catalog does not know it.
        func className(_ code: String, in language: Language) -> String {
            classes[code]?.name(in: language) ?? code
        }
    }

    private let contents = Mutex(Contents())
    private let store: Store
    let calendar: WorkingCalendar

    init(store: Store, calendar: WorkingCalendar) {
        self.store = store
        self.calendar = calendar
    }

    func load(city: String) async throws {
        let classes = try await store.caseClasses(city: city)
        let departments = try await store.departments(city: city)
        let routes = try await store.caseRoutes(city: city)
        contents.withLock {
            $0 = Contents(
                classes: Dictionary(uniqueKeysWithValues: classes.map { ($0.code, $0) }),
                departments: Dictionary(uniqueKeysWithValues: departments.map { ($0.code, $0) }),
                routes: routes
            )
        }
    }

    var current: Contents { contents.withLock { $0 } }

    /// How long a process goes on with its catalog before reading it again: what an administrator
    /// changed through another server on the same PostgreSQL (a class retired, a department made a
    /// section) is in force here within it.
    static let freshness: Duration = .seconds(30)

    /// The catalog, read again first when it lacks what `has` looks for and was not read in the last
    /// second, or when it is older than ``freshness`` (one request reads it; the others go on with
    /// what is here meanwhile).
    func current(city: String, having has: (Contents) -> Bool) async throws -> Contents {
        let known = current
        let age = ContinuousClock.now - known.loadedAt
        if age < .seconds(1) || (has(known) && age < Self.freshness) { return known }
        if has(known) {
            let claimed = contents.withLock { contents -> Bool in
                guard ContinuousClock.now - contents.loadedAt >= Self.freshness else { return false }
                contents.loadedAt = .now
                return true
            }
            guard claimed else { return known }
        }
        try await load(city: city)
        return current
    }

    /// China's official schedules shipped with the server (`Calendars/CN-*.json`), then the city's own
    /// files in `folder` (`*.json`, same form): a city's file for a year replaces the national one.
    static func calendar(cityFolder folder: String?) throws -> WorkingCalendar {
        var files: [Int: [UInt8]] = [:]
        func read(_ directory: URL) throws {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where name.hasSuffix(".json") {
                let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
                var probe = WorkingCalendar()
                do {
                    try probe.add(schedule: bytes)
                } catch let problem as FieldProblem {
                    throw FieldProblem("\(name) \(problem.field)", problem.message)
                }
                for year in probe.coveredYears { files[year] = bytes }
            }
        }
        guard let shipped = Bundle.module.url(forResource: "Calendars", withExtension: nil) else {
            throw Problem.unavailable("the server was built without its Calendars folder")
        }
        try read(shipped)
        if let folder { try read(URL(fileURLWithPath: folder)) }
        var calendar = WorkingCalendar()
        for year in files.keys.sorted() { try calendar.add(schedule: files[year]!) }
        return calendar
    }
}
