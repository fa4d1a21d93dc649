import Foundation
import Hummingbird
import MinqingCore
import MinqingStore

/// `POST /api/v1/grids/import`: written by hand because the file is read as raw bytes (see
/// openapi-generator-config.yaml); its contract is in openapi.yaml with the rest.
struct GridImportController {
    let store: Store
    let grids: GridIndex
    /// Read again after an import: a new city's first grids bring its catalog.
    let cases: CaseCatalog
    let maximumBytes: Int

    func addRoutes(to router: Router<AppRequestContext>) {
        router.group(context: SignedInRequestContext.self).post("/api/v1/grids/import", use: importGrids)
    }

    @Sendable func importGrids(_ request: Request, context: SignedInRequestContext) async throws -> Response {
        let actor = context.actor
        // An empty server takes the city of the caller's account; another city's account may not write here.
        let city = grids.city ?? actor.cityCode
        try context.caller.authorize(.importGrids, Resource(city: city), areas: grids.tree ?? .empty)
        let options = try Self.options(request.uri.queryParameters)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBytes)
        } catch {
            throw Problem(status: .contentTooLarge, kind: "too-large", title: "Too large", detail: "a grid file may be at most \(maximumBytes) bytes")
        }
        var validator = GridTreeValidator()
        // Values were checked against openapi.yaml by QueryValidationMiddleware.
        if let tolerance = request.uri.queryParameters["tolerance_m"].flatMap({ Double(String($0)) }) { validator.toleranceMetres = tolerance }
        let file = Array(buffer: body)
        let summary = try await store.importAreas(
            city: city,
            file: file,
            options: options,
            validator: validator,
            actor: actor.username,
            source: "api",
            address: context.remoteAddress
        )
        guard let importID = summary.importID else {
            if summary.report.isAcceptable {
                throw Problem(
                    status: .unprocessableContent,
                    kind: "empty-grid-file",
                    title: "The grid file is empty",
                    detail: "the file holds no features",
                    issues: []
                )
            }
            throw Problem(
                status: .unprocessableContent,
                kind: "invalid-grid-file",
                title: "The grid file was refused",
                detail: "\(summary.report.errors.count) problem(s); nothing was imported",
                issues: summary.report.issues
            )
        }
        grids.adopt(city: city)
        try await grids.load()
        try await cases.load(city: city)
        struct Summary: Encodable {
            var import_id: Int64
            var features: Int
            var created: Int
            var changed: Int
            var unchanged: Int
            var warnings: [Problem.IssueBody]
        }
        let out = Summary(
            import_id: importID,
            features: summary.features,
            created: summary.created,
            changed: summary.changed,
            unchanged: summary.unchanged,
            warnings: summary.report.warnings.map(Problem.IssueBody.init)
        )
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.api.encode(out)))
        )
    }

    static func options(_ query: Parameters) throws -> GridFileOptions {
        var options = GridFileOptions()
        func text(_ name: String) -> String? {
            guard let value = query[Substring(name)], !value.isEmpty else { return nil }
            return String(value)
        }
        if let level = text("level") {
            guard let parsed = AreaLevel(rawValue: level) else {
                throw Problem.badRequest("level must be city, county, town, village or grid, not \(level)")
            }
            options.level = parsed
        }
        options.parentCode = text("parent")
        if let crs = text("crs") {
            guard let parsed = CoordinateSystem(rawValue: crs) else { throw Problem.badRequest("crs must be wgs84, gcj02 or bd09, not \(crs)") }
            options.coordinateSystem = parsed
        }
        if let rule = text("code_rule") {
            guard let parsed = AreaCodeRule(rawValue: rule) else { throw Problem.badRequest("code_rule must be standard or free, not \(rule)") }
            options.codeRule = parsed
        }
        for (name, keyPath) in [
            ("code_property", \GridFileOptions.codeProperty), ("name_property", \.nameProperty), ("level_property", \.levelProperty),
            ("parent_property", \.parentProperty),
        ] {
            if let value = text(name) {
                guard value.count <= 64 else { throw Problem.badRequest("\(name) may be at most 64 characters") }
                options[keyPath: keyPath] = value
            }
        }
        return options
    }
}
