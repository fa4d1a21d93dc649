import Foundation
import Hummingbird
import MinqingCore
import MinqingStore
import NIOCore
import Prometheus
import Yams

/// What operators and orchestrators call: liveness, readiness, metrics, and the API contract.
struct OperationsController {
    let store: Store
    let grids: GridIndex
    let registry: PrometheusCollectorRegistry
    /// openapi.yaml as JSON, read once.
    let openAPIDocument: Data

    init(store: Store, grids: GridIndex, registry: PrometheusCollectorRegistry) throws {
        self.store = store
        self.grids = grids
        self.registry = registry
        openAPIDocument = try Self.readOpenAPIDocument()
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/healthz") { _, _ in Self.json(.ok, ["status": "ok"]) }
        router.get("/readyz") { _, _ in await readiness() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: openAPIDocument)))
        }
    }

    /// Ready when the database answers, every migration is applied and the grid index is loaded.
    private func readiness() async -> Response {
        var checks: [String: String] = [:]
        do {
            try await store.ping()
            checks["database"] = "ok"
            let pending = try await store.pendingMigrations()
            checks["migrations"] = pending.isEmpty ? "ok" : "pending: " + pending.joined(separator: ", ")
        } catch {
            checks["database"] = "unreachable"
        }
        checks["grid_index"] = grids.tree.map { "ok: \($0.count) areas" } ?? "loading"
        let ready = checks.values.allSatisfy { $0.hasPrefix("ok") }
        return Self.json(ready ? .ok : .serviceUnavailable, ["status": ready ? "ready" : "not ready"].merging(checks) { first, _ in first })
    }

    private static func json(_ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
        let data = (try? JSONEncoder.api.encode(object)) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// openapi.yaml, the source of the generated types, served as JSON.
    static func readOpenAPIDocument() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw Problem.unavailable("openapi.yaml is missing from the server's resources")
        }
        let yaml = try String(contentsOf: url, encoding: .utf8)
        guard let object = try Yams.load(yaml: yaml) else { throw Problem.unavailable("openapi.yaml is empty") }
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
