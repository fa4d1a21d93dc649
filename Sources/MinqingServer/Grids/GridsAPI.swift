import Foundation
import MinqingCore
import MinqingStore

/// The generated API's grid operations: each decodes, asks the tree or the store once, encodes.
extension APIHandler {
    func listGrids(_ input: Operations.ListGrids.Input) async throws -> Operations.ListGrids.Output {
        let tree = try loadedTree()
        let level = AreaLevel(input.query.level)
        // Ranges of page, per_page, lat and lng are checked against openapi.yaml by QueryValidationMiddleware.
        let page = input.query.page ?? 1
        let perPage = input.query.perPage ?? 100
        let matching: [Area]
        if let parent = input.query.parent {
            guard tree.area(code: parent) != nil else { throw Problem.notFound("no area has the code \(parent)") }
            matching = tree.children(code: parent).filter { $0.level == level }
        } else {
            matching = tree.areas(of: level)
        }
        let (offset, overflow) = (page - 1).multipliedReportingOverflow(by: perPage)
        let start = overflow ? matching.count : min(offset, matching.count)
        let items = matching[start..<min(start + perPage, matching.count)].map(Components.Schemas.AreaSummary.init)
        return .ok(.init(body: .json(.init(total: matching.count, page: page, perPage: perPage, items: items))))
    }

    func getGrid(_ input: Operations.GetGrid.Input) async throws -> Operations.GetGrid.Output {
        let tree = try loadedTree()
        let path = tree.path(code: input.path.code)
        guard let area = path.first else { throw Problem.notFound("no area has the code \(input.path.code)") }
        let crs = CoordinateSystem(input.query.crs)
        let coordinates = area.shape.polygons.map { polygon in
            polygon.rings.map { ring in ring.map { point in crs.fromWGS84(point) }.map { [$0.longitude, $0.latitude] } }
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        area: .init(area),
                        ancestors: path.dropFirst().map(Components.Schemas.AreaSummary.init),
                        children: tree.children(code: area.code).map(Components.Schemas.AreaSummary.init),
                        geometry: .init(_type: .multiPolygon, coordinates: coordinates),
                        crs: .init(crs)
                    )
                )
            )
        )
    }

    func getGridHistory(_ input: Operations.GetGridHistory.Input) async throws -> Operations.GetGridHistory.Output {
        _ = try loadedTree()
        guard let city = grids.city else { throw Problem.notFound("no area has the code \(input.path.code)") }
        let versions = try await store.areaHistory(city: city, code: input.path.code)
        guard !versions.isEmpty else { throw Problem.notFound("no area has the code \(input.path.code)") }
        return .ok(.init(body: .json(versions.map { .init(id: $0.id, area: .init($0.area), validFrom: $0.validFrom, validTo: $0.validTo) })))
    }

    func locate(_ input: Operations.Locate.Input) async throws -> Operations.Locate.Output {
        let tree = try loadedTree()
        let point = CoordinateSystem(input.query.crs).toWGS84(GeoPoint(longitude: input.query.lng, latitude: input.query.lat))
        switch tree.locate(point) {
        case .inside(let path):
            let summaries = path.map(Components.Schemas.AreaSummary.init)
            return .ok(.init(body: .json(.init(inside: true, area: summaries.first, path: summaries))))
        case .outside(let nearest, let distance):
            return .ok(.init(body: .json(.init(inside: false, path: [], nearest: .init(nearest), distanceM: (distance * 10).rounded() / 10))))
        case .noAreas:
            return .ok(.init(body: .json(.init(inside: false, path: []))))
        }
    }

    /// The tree, once the caller may read it: anyone with a role in this city (the tree holds no
    /// personal data, so scope does not narrow it).
    private func loadedTree() throws -> AreaTree {
        let actor = try Caller.current.actor()
        let tree = try currentTree()
        try Caller.current.authorize(.readAreas, Resource(city: grids.city ?? actor.cityCode), areas: tree, notFound: "no grid tree here")
        return tree
    }
}

extension Components.Schemas.AreaSummary {
    init(_ area: Area) {
        self.init(code: area.code, name: area.name, level: .init(area.level), parent: area.parentCode, responsibleParty: area.responsibleParty)
    }
}

extension Components.Schemas.Level {
    init(_ level: AreaLevel) { self = Self(rawValue: level.rawValue)! }
}

extension AreaLevel {
    init(_ level: Components.Schemas.Level) { self = Self(rawValue: level.rawValue)! }
}

extension CoordinateSystem {
    init(_ crs: Components.Schemas.Crs?) { self = crs.flatMap { Self(rawValue: $0.rawValue) } ?? .wgs84 }
}

extension Components.Schemas.Crs {
    init(_ crs: CoordinateSystem) { self = Self(rawValue: crs.rawValue)! }
}
