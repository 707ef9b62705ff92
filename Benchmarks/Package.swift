// swift-tools-version:6.1
import PackageDescription

// Microbenchmarks of the broker's per-message path, with package-benchmark: a package of its own,
// so that the main package builds without it. Run them with `Benchmarks/check-microbenchmarks`
// (see README.md here).

let package = Package(
    name: "TernMicrobenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "tern", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "HotPath",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TernBroker", package: "tern"),
                .product(name: "TernProtocol", package: "tern"),
                .product(name: "TernTLS", package: "tern"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/HotPath",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
