import Foundation
import MinqingCore
import Testing

struct DemoCityTests {
    @Test func hasExactlyThePlannedAreasAndIsAValidTree() {
        let plan = DemoCityPlan.scaled(down: 10)
        let areas = DemoCityBuilder(plan: plan).build()
        let counts = Dictionary(grouping: areas, by: \.level).mapValues(\.count)
        #expect(counts[.city] == 1)
        #expect(counts[.county] == plan.counties)
        #expect(counts[.town] == plan.towns)
        #expect(counts[.village] == plan.villages)
        #expect(counts[.grid] == plan.grids)
        // Small grids tile the city: no overlaps, no gaps, every child inside its parent, codes by the rule.
        let report = GridTreeValidator().validate(incoming: areas.enumerated().map { ($0, $1) }, existing: [])
        #expect(report.issues.isEmpty, "\(report.issues.prefix(5).map(\.line))")
        for area in areas {
            #expect(AreaCodeRule.standard.problem(code: area.code, level: area.level, parentCode: area.parentCode) == nil)
        }
        // Boundaries are not rectangles: a small grid has many corners.
        let grids = areas.filter { $0.level == .grid }
        #expect(grids.allSatisfy { $0.shape.polygons[0].exterior.count > 12 })
        #expect(Set(areas.map(\.name)).count > areas.count / 2)
    }

    @Test func isTheSameCityForTheSameSeed() {
        let plan = DemoCityPlan.scaled(down: 40)
        #expect(DemoCityBuilder(plan: plan).build() == DemoCityBuilder(plan: plan).build())
        var other = plan
        other.seed = 7
        #expect(DemoCityBuilder(plan: other).build() != DemoCityBuilder(plan: plan).build())
    }

    @Test func numbersChildrenFromNorthWestInReadingOrder() throws {
        let areas = DemoCityBuilder(plan: .scaled(down: 10)).build()
        let tree = AreaTree(areas: areas)
        let town = try #require(areas.first { $0.level == .town })
        let villages = tree.children(code: town.code)
        #expect(villages.count >= 3)
        // Numbered 001, 002, … with no gaps.
        #expect(villages.map { String($0.code.suffix(3)) } == (1...villages.count).map { String(format: "%03d", $0) })
        // The first village's middle lies north of the last village's.
        func middle(_ area: Area) -> Double { area.shape.boundingBox.map { ($0.minLatitude + $0.maxLatitude) / 2 }! }
        #expect(middle(villages.first!) > middle(villages.last!))
    }
}
