import Foundation
import Logging
import MinqingCore
import MinqingStore
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The area tree in force, in memory, with its point index. Swapped whole when grids change, so a
/// request sees either the old tree or the new one, never half of each. A `Service`: it re-reads the
/// tree when another process has imported grids.
final class GridIndex: Service {
    private struct State {
        var city: String?
        var tree: AreaTree?
        var importID: Int64?
        /// ``outlines()`` of this tree, written with it.
        var outlines: ByteBuffer?
    }

    private let state = Mutex(State())
    private let store: Store
    private let refreshSeconds: Int
    private let logger: Logger
    private let registry: PrometheusCollectorRegistry

    init(store: Store, city: String?, refreshSeconds: Int, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.store = store
        self.refreshSeconds = refreshSeconds
        self.registry = registry
        self.logger = logger
        state.withLock { $0.city = city }
    }

    /// The jurisdiction, once known.
    var city: String? { state.withLock { $0.city } }

    /// The tree, once loaded.
    var tree: AreaTree? { state.withLock { $0.tree } }

    /// Reads the tree in force from the store and swaps it in.
    func load() async throws {
        var city = self.city
        if city == nil {
            let cities = try await store.cities()
            if cities.count == 1 { city = cities[0] }
            if cities.count > 1 { logger.warning("the database holds several cities; start with --city", metadata: ["cities": "\(cities)"]) }
        }
        guard let city else {
            state.withLock {
                $0.tree = .empty
                $0.outlines = Self.outlines(of: .empty)
            }
            return
        }
        let started = ContinuousClock.now
        let importID = try await store.latestAreaImportID(city: city)
        let tree = AreaTree(areas: try await store.currentAreas(city: city))
        let outlines = Self.outlines(of: tree)
        // Loads may finish out of order (an import's and the refresh's): never swap an older tree in.
        let swapped = state.withLock { state -> Bool in
            if let current = state.importID, (importID ?? .min) < current { return false }
            state = State(city: city, tree: tree, importID: importID, outlines: outlines)
            return true
        }
        guard swapped else { return }
        for level in AreaLevel.allCases {
            registry.makeGauge(
                descriptor: .init(namespace: "minqing", metricName: "areas", unitName: "", helpText: "Areas in force, by level"),
                labels: [("level", level.rawValue)]
            )
            .set(Int64(tree.count(of: level)))
        }
        registry.makeGauge(
            descriptor: .init(
                namespace: "minqing",
                metricName: "grid_index_load",
                unitName: "seconds",
                helpText: "Time to read the tree and build its point index"
            )
        )
        .set((ContinuousClock.now - started).seconds)
        logger.info("grid index loaded", metadata: ["city": "\(city)", "areas": "\(tree.count)", "duration": "\(ContinuousClock.now - started)"])
    }

    /// The outlines of the towns and villages in force, as GeoJSON (code, name, level, parent; not
    /// their responsible parties): what a public map draws. Written with each tree, before it is
    /// swapped in, so that no request writes them.
    func outlines() -> ByteBuffer? { state.withLock { $0.outlines } }

    /// Coordinates to six decimals (a tenth of a metre): a phone downloads them.
    private static func outlines(of tree: AreaTree) -> ByteBuffer {
        let areas = (tree.areas(of: .town) + tree.areas(of: .village)).map { area in
            var area = area
            area.responsibleParty = nil
            return area
        }
        return ByteBuffer(string: GeoJSON.write(areas, decimals: 6))
    }

    /// Adopts a city for an empty server (the first import names it).
    func adopt(city: String) {
        state.withLock { if $0.city == nil { $0.city = city } }
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(self.refreshSeconds))
                try await self.refreshIfChanged()
            }
        }
    }

    /// Reloads when the newest import is not the one the tree was built from.
    func refreshIfChanged() async throws {
        do {
            // A server that started empty looks for a first tree imported by another process.
            guard let city else { return try await load() }
            let latest = try await store.latestAreaImportID(city: city)
            if latest != state.withLock({ $0.importID }) { try await load() }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.warning("grid refresh failed", metadata: ["error": "\(error)"])
        }
    }
}

extension Duration {
    /// The duration in seconds, for gauges and logs.
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
