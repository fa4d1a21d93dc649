import Benchmark
import Foundation
import Logging
import MinqingCore
import MinqingStore

/// The grid benchmarks of BENCHMARKS.md. Inputs come from `bench-data` (scripts/bench runs it first).
let folder = ProcessInfo.processInfo.environment["MINQING_BENCH_DATA"] ?? ".build/bench"

func read(_ name: String) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: folder + "/" + name) else {
        fatalError("missing \(folder)/\(name): run scripts/bench, which makes it with bench-data")
    }
    return [UInt8](data)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(warmupIterations: 1, maxDuration: .seconds(10))

    // Point location in the whole tree, as the server holds it: the deepest area for random points in
    // the city's bounding box, one core. Points outside every grid also ask the top level.
    Benchmark(
        "Point location, whole tree of 4,509 grids",
        configuration: .init(metrics: [.throughput, .wallClock, .cpuTotal], scalingFactor: .mega, maxIterations: 20)
    ) { (benchmark: Benchmark, setup: (tree: AreaTree, points: [GeoPoint])) in
        let (tree, points) = setup
        var index = 0
        for _ in benchmark.scaledIterations {
            blackHole(tree.locateSlot(points[index]))
            index = index &+ 1 == points.count ? 0 : index &+ 1
        }
    } setup: {
        let areas = ["upper.geojson", "grids.geojson"].flatMap { GeoJSON.readAreas(read($0), options: .init()).areas }
        let raw = read("points.f64")
        let points = stride(from: 0, to: raw.count, by: 16).map { offset in
            raw.withUnsafeBytes { bytes in
                GeoPoint(
                    Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))),
                    Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
                )
            }
        }
        return (tree: AreaTree(areas: areas.map(\.area)), points: points)
    }

    // The policy's answer for a grid worker reading a resident of a grid in their village, as every
    // request asks it: the ancestry walk in the whole tree included.
    Benchmark(
        "Policy.decide, grid worker, resident in their village",
        configuration: .init(metrics: [.throughput, .wallClock], scalingFactor: .mega, maxIterations: 20)
    ) { (benchmark: Benchmark, setup: (tree: AreaTree, actor: Actor, resources: [Resource])) in
        var index = 0
        for _ in benchmark.scaledIterations {
            blackHole(Policy.decide(setup.actor, .readPerson, setup.resources[index], areas: setup.tree))
            index = index &+ 1 == setup.resources.count ? 0 : index &+ 1
        }
    } setup: {
        let areas = ["upper.geojson", "grids.geojson"].flatMap { GeoJSON.readAreas(read($0), options: .init()).areas }.map(\.area)
        let tree = AreaTree(areas: areas)
        let village = areas.first { $0.level == .village }!
        let grids = tree.children(code: village.code)
        let actor = Actor(
            accountID: 1,
            username: "wgy",
            cityCode: village.code.prefix(6).description,
            grants: [Grant(.gridWorker, area: village.code)]
        )
        return (tree, actor, grids.map { Resource(city: actor.cityCode, area: $0.code) })
    }

    // Reading and validating the grid file against the tree above it (no database).
    Benchmark("Grid file read and validated, 4,509 grids", configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxIterations: 10)) {
        (benchmark: Benchmark, setup: (file: [UInt8], upper: [Area])) in
        for _ in benchmark.scaledIterations {
            let (file, upper) = setup
            blackHole(GridImport.prepare(file, options: .init(), existing: upper, validator: GridTreeValidator()))
        }
    } setup: {
        (file: read("grids.geojson"), upper: GeoJSON.readAreas(read("upper.geojson"), options: .init()).areas.map(\.area))
    }

    // The whole import into SQLite: open the file, read, validate against the tree above, write,
    // commit. Each iteration starts from a copy of a database that holds only the levels above.
    Benchmark("Grid import into SQLite, 4,509 grids", configuration: .init(metrics: [.wallClock], maxIterations: 10)) {
        (benchmark: Benchmark, template: String) async throws in
        let grids = read("grids.geojson")
        for _ in benchmark.scaledIterations {
            let copy = template + "-\(UInt64.random(in: 0..<UInt64.max)).sqlite"
            try FileManager.default.copyItem(atPath: template, toPath: copy)
            defer { try? FileManager.default.removeItem(atPath: copy) }
            let summary = try await Store.with(.sqlite(path: copy), logger: quiet) { store in
                try await store.importAreas(
                    city: "449900",
                    file: grids,
                    options: .init(),
                    validator: GridTreeValidator(),
                    actor: "bench",
                    source: "grids"
                )
            }
            precondition(summary.created == 4509, "the import refused the file: \(summary.report.errors.prefix(3))")
        }
    } setup: {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minqing-bench-\(UInt64.random(in: 0..<UInt64.max))").path
        let template = folder + "/upper.sqlite"
        let upper = read("upper.geojson")
        try await Store.with(.sqlite(path: template), logger: quiet) { store in
            try await store.migrate()
            _ = try await store.importAreas(
                city: "449900",
                file: upper,
                options: .init(),
                validator: GridTreeValidator(),
                actor: "bench",
                source: "upper"
            )
        }
        return template
    }
}

let quiet: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()
