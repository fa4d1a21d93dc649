import Foundation
import Hummingbird
import MinqingCore
import Mustache
import NIOCore

/// The front page: what this server holds and where its interfaces are.
struct HomePage {
    struct Level {
        var name: String
        var chinese: String
        var count: Int
    }

    /// What the template shows; built from the tree alone, so it is tested without a server.
    struct Model {
        var cityName: String
        var cityCode: String?
        var levels: [Level]
        var locateExample: String

        init(tree: AreaTree) {
            let city = tree.areas(of: .city).first
            cityName = city?.name ?? "未导入网格 no grids yet"
            cityCode = city?.code
            levels = AreaLevel.allCases.map { Level(name: $0.rawValue, chinese: $0.chineseName, count: tree.count(of: $0)) }
            let centre = tree.areas(of: .grid).first?.shape.boundingBox.map {
                GeoPoint(($0.minLongitude + $0.maxLongitude) / 2, ($0.minLatitude + $0.maxLatitude) / 2)
            }
            locateExample = "/api/v1/locate?lat=\(centre?.latitude ?? 22.95)&lng=\(centre?.longitude ?? 115.55)"
        }
    }

    let library: MustacheLibrary
    let grids: GridIndex

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/") { _, _ in
            guard let html = library.render(Model(tree: grids.tree ?? .empty), withTemplate: "home") else {
                throw Problem.unavailable("the home page template is missing")
            }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
        }
    }

    /// The templates shipped with the server.
    static func templates() async throws -> MustacheLibrary {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil)?.path else {
            throw Problem.unavailable("the server's templates are missing")
        }
        return try await MustacheLibrary(directory: folder)
    }
}
