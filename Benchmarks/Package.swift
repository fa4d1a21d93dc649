// swift-tools-version:6.1
// Benchmarks live in their own package so that `make test` never builds them; `make bench` runs them.
import Foundation
import PackageDescription

// A path dependency is known by its folder's name, which depends on where the repository was cloned.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "minqing-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "GridBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MinqingCore", package: root),
                .product(name: "MinqingStore", package: root),
            ],
            path: "Benchmarks/GridBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "access-bench-server",
            dependencies: [
                .product(name: "MinqingCore", package: root),
                .product(name: "MinqingStore", package: root),
                .product(name: "MinqingServer", package: root),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/access-bench-server"
        ),
        .executableTarget(
            name: "intake-bench-server",
            dependencies: [
                .product(name: "MinqingCore", package: root),
                .product(name: "MinqingStore", package: root),
                .product(name: "MinqingServer", package: root),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Sources/intake-bench-server"
        ),
        .executableTarget(
            name: "scheduler-bench",
            dependencies: [
                .product(name: "MinqingCore", package: root),
                .product(name: "MinqingStore", package: root),
                .product(name: "MinqingServer", package: root),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Sources/scheduler-bench"
        ),
        .executableTarget(
            name: "measures-bench",
            dependencies: [
                .product(name: "MinqingCore", package: root),
                .product(name: "MinqingStore", package: root),
            ],
            path: "Sources/measures-bench"
        ),
        .executableTarget(
            name: "audit-bench",
            dependencies: [
                .product(name: "MinqingCore", package: root),
                .product(name: "MinqingStore", package: root),
            ],
            path: "Sources/audit-bench"
        ),
        .executableTarget(
            name: "bench-data",
            dependencies: [.product(name: "MinqingCore", package: root)],
            path: "Sources/bench-data"
        ),
    ]
)
