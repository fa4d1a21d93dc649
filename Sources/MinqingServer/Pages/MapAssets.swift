import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// What a page needs to draw a map: the map library (Leaflet, from Debian's `libjs-leaflet`, as
/// DESIGN.md chose), served from its installed folder and never copied into the repository, and the
/// outlines of the city's towns and villages. A page shows a map only when the library is there;
/// without it the page works as before (the location typed, or found by the phone).
struct MapAssets: Sendable {
    /// The library's files a page asks for, under `/static/leaflet/`, with their types: nothing else
    /// of the folder is served. `leaflet.js` is the minified build where the folder has it (a third
    /// of the size).
    static let files: [String: String] = [
        "leaflet.js": "text/javascript; charset=utf-8", "leaflet.css": "text/css; charset=utf-8",
        "images/marker-icon.png": "image/png", "images/marker-icon-2x.png": "image/png", "images/marker-shadow.png": "image/png",
        "images/layers.png": "image/png", "images/layers-2x.png": "image/png",
        // What the minified script and the style name as their source maps, for a browser's tools.
        "leaflet.min.js.map": "application/json", "leaflet.css.map": "application/json",
    ]

    static let root = "/static/leaflet"
    static let outlinesPath = "/map/outlines.geojson"

    /// The files found, read once at start.
    let library: [String: ByteBuffer]
    let grids: GridIndex

    /// Reads the library from `folder` (``ServerConfiguration/mapLibraryDirectory``); says so in the
    /// log when it is not there.
    init(folder: String?, grids: GridIndex, logger: Logger) {
        var library: [String: ByteBuffer] = [:]
        if let folder {
            for name in Self.files.keys {
                let candidates = name == "leaflet.js" ? ["leaflet.min.js", name] : [name]
                if let bytes = candidates.lazy.compactMap({ FileManager.default.contents(atPath: folder + "/" + $0) }).first {
                    library[name] = ByteBuffer(bytes: bytes)
                }
            }
        }
        if library["leaflet.js"] == nil || library["leaflet.css"] == nil {
            library = [:]
            logger.notice(
                "no map library: pages show no map (install Debian's libjs-leaflet, or name its folder in MINQING_MAP_LIBRARY)",
                metadata: ["folder": "\(folder ?? "none")"]
            )
        }
        self.library = library
        self.grids = grids
    }

    /// Whether pages may draw a map.
    var available: Bool { !library.isEmpty }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("\(Self.root)/:file") { _, context in try serve(context.parameters.get("file") ?? "") }
        router.get("\(Self.root)/images/:file") { _, context in try serve("images/" + (context.parameters.get("file") ?? "")) }
        router.get(RouterPath(Self.outlinesPath)) { _, _ in
            guard let outlines = grids.outlines() else { throw Problem.unavailable("the grid index is still loading") }
            return Response(
                status: .ok,
                headers: [.contentType: "application/geo+json", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: outlines)
            )
        }
    }

    private func serve(_ name: String) throws -> Response {
        guard let bytes = library[name], let type = Self.files[name] else { throw Problem.notFound("no such file: \(name)") }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=86400"], body: .init(byteBuffer: bytes))
    }
}
