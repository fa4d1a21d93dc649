import Foundation

/// The size and place of a synthetic city. The reference is Shanwei's (DOMAIN.md §1): 4 counties,
/// 56 towns and streets, 864 villages and communities, 4,509 small grids, 9,311 grid workers.
public struct DemoCityPlan: Sendable, Hashable {
    public var seed: UInt64 = 2026
    public var cityCode = "449900"
    public var cityName = "汕海市"
    public var counties = 4
    public var towns = 56
    public var villages = 864
    public var grids = 4509
    public var gridWorkers = 9311
    /// Hexagonal base cells per small grid: more gives finer boundaries and a slower build.
    public var cellsPerGrid = 11
    /// Hexagon circumradius in metres.
    public var cellSize = 190.0
    public var centre = GeoPoint(longitude: 115.55, latitude: 22.95)

    public init() {}

    public static let reference = DemoCityPlan()

    /// The reference city divided by `divisor` at every level below the counties (for quick tries and tests).
    public static func scaled(down divisor: Int) -> DemoCityPlan {
        var plan = DemoCityPlan()
        guard divisor > 1 else { return plan }
        plan.towns = max(plan.counties, plan.towns / divisor)
        plan.villages = max(plan.towns, plan.villages / divisor)
        plan.grids = max(plan.villages, plan.grids / divisor)
        plan.gridWorkers = max(plan.grids, plan.gridWorkers / divisor)
        return plan
    }
}

/// Builds a city whose small grids tile it with no gap or overlap, by growing regions over a mesh of
/// jittered hexagons: every level is a union of whole cells, so neighbours share their boundary
/// position for position, and boundaries wander like surveyed ones instead of running straight.
public struct DemoCityBuilder {
    public let plan: DemoCityPlan
    private let names: DemoNames

    public init(plan: DemoCityPlan) {
        self.plan = plan
        names = DemoNames(seed: plan.seed)
    }

    public func build() -> [Area] {
        var random = SeededGenerator(seed: plan.seed)
        let mesh = HexMesh(plan: plan)
        let allCells = Array(0..<mesh.cellCount)
        var areas = [
            Area(
                code: plan.cityCode,
                name: plan.cityName,
                level: .city,
                parentCode: nil,
                shape: mesh.shape(of: allCells),
                responsibleParty: "\(plan.cityName)委"
            )
        ]

        struct Region {
            var code: String
            var name: String
            var cells: [Int]
            var urban: Bool
        }
        // Each level is apportioned by size over the whole city, so its total comes out exact.
        func children(
            of parents: [Region],
            total: Int,
            level: AreaLevel,
            random: inout SeededGenerator,
            _ make: (Region, Int, [Int]) -> Region
        ) -> [Region] {
            let counts = Self.apportion(total, over: parents.map(\.cells.count))
            var regions: [Region] = []
            for (parent, count) in zip(parents, counts) {
                for (index, cells) in mesh.ordered(mesh.split(parent.cells, into: min(count, parent.cells.count), random: &random)).enumerated() {
                    let child = make(parent, index, cells)
                    areas.append(
                        Area(
                            code: child.code,
                            name: child.name,
                            level: level,
                            parentCode: parent.code,
                            shape: mesh.shape(of: cells),
                            responsibleParty: Self.responsibleParty(child.name, level)
                        )
                    )
                    regions.append(child)
                }
            }
            return regions
        }
        let city = Region(code: plan.cityCode, name: plan.cityName, cells: allCells, urban: true)
        let counties = children(of: [city], total: plan.counties, level: .county, random: &random) { _, index, cells in
            Region(
                code: String(plan.cityCode.prefix(4)) + String(format: "%02d", index + 2),
                name: names.county(index),
                cells: cells,
                urban: index == 0
            )
        }
        var townNumber = 0
        let towns = children(of: counties, total: plan.towns, level: .town, random: &random) { county, index, cells in
            // Town codes: 001–099 streets (街道) in the urban district, 100–199 towns (镇) elsewhere.
            defer { townNumber += 1 }
            return Region(
                code: county.code + String(format: "%03d", (county.urban ? 1 : 100) + index),
                name: names.town(townNumber, street: county.urban),
                cells: cells,
                urban: county.urban
            )
        }
        let villages = children(of: towns, total: plan.villages, level: .village, random: &random) { town, index, cells in
            let community = town.urban || index == 0
            return Region(
                code: town.code + String(format: "%03d", index + 1),
                name: names.village(townCode: town.code, index: index, community: community),
                cells: cells,
                urban: community
            )
        }
        _ = children(of: villages, total: plan.grids, level: .grid, random: &random) { village, index, cells in
            Region(code: village.code + String(format: "%03d", index + 1), name: "\(village.name)第\(index + 1)网格", cells: cells, urban: village.urban)
        }
        return areas
    }

    private static func responsibleParty(_ name: String, _ level: AreaLevel) -> String? {
        switch level {
        case .city, .county: "\(name)委"
        case .town: "\(name)党(工)委"
        case .village: "\(name)党支部"
        case .grid: nil
        }
    }

    /// Splits `total` into parts proportional to `weights`, largest remainders first, each at least 1.
    static func apportion(_ total: Int, over weights: [Int]) -> [Int] {
        let sum = Double(weights.reduce(0, +))
        let exact = weights.map { Double($0) * Double(total) / sum }
        var parts = exact.map { max(1, Int($0)) }
        var order = exact.indices.sorted { exact[$0] - exact[$0].rounded(.down) > exact[$1] - exact[$1].rounded(.down) }
        while parts.reduce(0, +) < total, !order.isEmpty { parts[order.removeFirst()] += 1 }
        while parts.reduce(0, +) > total, let largest = parts.indices.max(by: { parts[$0] < parts[$1] }) { parts[largest] -= 1 }
        return parts
    }
}
