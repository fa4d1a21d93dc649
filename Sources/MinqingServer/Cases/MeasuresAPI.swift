import Foundation
import MinqingCore
import MinqingStore

/// 考核指标: `GET /api/v1/measures`, every measure of DOMAIN.md §3 with its formula, from the sums the
/// store keeps beside the case log.
extension APIHandler {
    /// The longest period asked at once.
    static let maximumMeasureDays = 3661

    func getMeasures(_ input: Operations.GetMeasures.Input) async throws -> Operations.GetMeasures.Output {
        let caller = Caller.current
        let actor = try caller.actor()
        let tree = try currentTree()
        let city = grids.city ?? actor.cityCode
        try caller.requireRole(for: .readMeasures, in: city)
        let query = input.query
        let calendar = cases.calendar
        func day(_ text: String?, _ field: String) throws -> CalendarDay? {
            guard let text, !text.isEmpty else { return nil }
            guard let day = CalendarDay(text) else { throw Problem.badRequest("\(field): \(text) is not a date (YYYY-MM-DD)") }
            return day
        }
        let today = calendar.day(of: store.nowMilliseconds)
        let last = try day(query.to, "to") ?? today
        let first = try day(query.from, "from") ?? CalendarDay(number: last.number - 29)
        guard first <= last else { throw Problem.badRequest("from: \(first) is after to: \(last)") }
        guard last.number - first.number < Self.maximumMeasureDays else {
            throw Problem.badRequest("from: a period is at most \(Self.maximumMeasureDays) days long")
        }
        // Without an area, the caller's own: a town's center asks about its town.
        let own = actor.grants.first { Policy.actions(of: $0.role).contains(.readMeasures) && $0.departmentCode == nil }?.areaCode
        let asked = query.area.flatMap { $0.isEmpty ? nil : $0 } ?? own
        var area: MeasureArea?
        if let code = asked {
            guard let subtree = MeasureArea(code, in: tree) else { throw Problem.notFound("no area has the code \(code)") }
            // The city itself is every area: the city-wide sums answer it without a list of areas.
            if tree.path(code: code).count > 1 { area = subtree }
        }
        let catalog = cases.current
        var classes: [String]?
        if let code = query._class, !code.isEmpty {
            guard catalog.classes[code] != nil else { throw Problem.badRequest("class: no class has the code \(code)") }
            classes = [code] + catalog.classes.values.filter { $0.parentCode == code }.map(\.code)
        }
        // Without a department or an area, a department's people ask about their department.
        let ownDepartment = actor.grants.first { Policy.actions(of: $0.role).contains(.readMeasures) && $0.departmentCode != nil }?.departmentCode
        let department = query.department.flatMap { $0.isEmpty ? nil : $0 } ?? (asked == nil ? ownDepartment : nil)
        if let department, catalog.departments[department] == nil {
            throw Problem.badRequest("department: no department has the code \(department)")
        }
        try caller.authorize(
            .readMeasures,
            Resource(city: city, area: asked ?? city, department: department),
            areas: tree,
            notFound: "no area has the code \(asked ?? city)"
        )
        let filter = MeasureFilter(
            fromDay: first,
            untilDay: CalendarDay(number: last.number + 1),
            area: area,
            classes: classes,
            department: department
        )
        let (counters, overdueOpen) = try await store.measureCounts(city: city, filter)
        let measures = CaseMeasures(counters: counters, overdueOpen: overdueOpen)
        return .ok(
            .init(
                body: .json(
                    .init(
                        from: first.description,
                        to: last.description,
                        area: asked,
                        department: department,
                        _class: query._class,
                        counters: .init(
                            additionalProperties: Dictionary(
                                uniqueKeysWithValues: CaseCounters.columns.map { ($0.name, counters[keyPath: $0.keyPath]) }
                            )
                        ),
                        overdueOpen: measures.overdueOpen,
                        dueForHandling: measures.dueForHandling,
                        dueForClosing: measures.dueForClosing,
                        measures: CaseMeasures.formulas.map { formula in
                            let ratio = measures[keyPath: formula.ratio]
                            return .init(
                                id: formula.id,
                                nameZh: formula.chineseName,
                                nameEn: formula.englishName,
                                numerator: formula.numerator,
                                denominator: formula.denominator,
                                numeratorValue: ratio.numerator,
                                denominatorValue: ratio.denominator,
                                rate: ratio.rate
                            )
                        }
                    )
                )
            )
        )
    }
}
