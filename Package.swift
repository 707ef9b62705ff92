// swift-tools-version:6.2
import PackageDescription

/// Build policy stays out of what a dependent compiles: no setting here reaches a package that
/// depends on TernClient (or any other product) unless it asks for it.
///
/// Two settings make the shipped `ternd` and `tern-bench` faster: release builds of the modules
/// on the per-message path (framing, TLS, broker, client) skip Swift's run-time exclusivity
/// checks (the compiler still proves exclusivity statically; debug builds keep the checks; about
/// a sixth of the broker's instructions per message, most of it in NIO's inlined ByteBuffer code),
/// and the executables link the Swift runtime and Foundation statically (about a tenth more).
///
/// They apply when this repository is built itself (its own release builds, CI, the benchmarks
/// and the fuzzer, which depend on it by path), and never when SwiftPM builds it as a dependency,
/// from a checkout: a service that depends on TernClient compiles it with every check on. Such a
/// service may still ask for the first with the `UncheckedExclusivity` trait, off by default.
let isBuiltAsDependency = Context.packageDirectory.split(separator: "/").contains("checkouts")

let hotPathSettings: [SwiftSetting] = [
    isBuiltAsDependency
        ? .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release, traits: ["UncheckedExclusivity"]))
        : .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

/// Links the Swift runtime (and Foundation) into the shipped executables: calls into the runtime
/// (reference counting, task allocation) go straight to their code rather than through the
/// dynamic linker's tables. Only where this repository is built itself.
let staticRuntimeSettings: [LinkerSetting] = isBuiltAsDependency
    ? [] : [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))]

/// What a module of those executables that imports Foundation also needs: compiled against the
/// static Foundation, it names the libraries that one depends on for the linker.
let staticFoundationSettings: [SwiftSetting] = isBuiltAsDependency
    ? [] : [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))]

let package = Package(
    name: "tern",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TernProtocol", targets: ["TernProtocol"]),
        .library(name: "TernTLS", targets: ["TernTLS"]),
        .library(name: "TernClient", targets: ["TernClient"]),
        .library(name: "TernSchema", targets: ["TernSchema"]),
        // For the fuzz package in Tests/Fuzz, which drives the broker's connection state machine.
        .library(name: "TernBroker", targets: ["TernBroker"]),
    ],
    traits: [
        .trait(
            name: "UncheckedExclusivity",
            description: "In a package that depends on Tern: release builds of Tern's per-message path skip Swift's run-time exclusivity checks."
        ),
        .default(enabledTraits: []),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        // Without its default trait, which adds Foundation's `Data` as input and output.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2", traits: []),
        // Read through ConfigReader from providers built into the package (environment
        // variables, an in-memory table, files): none of its traits is needed.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: []),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // Durable file writes and the data directory's lock, for TernTLS and TernBroker.
        .target(
            name: "TernFiles",
            dependencies: [
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .testTarget(
            name: "TernFilesTests",
            dependencies: ["TernFiles", "TernChildProcesses", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // Sizes and durations as people write them, for command lines and settings.
        .target(name: "TernSettingValues"),
        // OpenSSL told, before `main`, to leave its global state to the process's end.
        .target(name: "COpenSSLExitPolicy", dependencies: ["COpenSSL"]),
        .target(
            name: "TernTLS",
            dependencies: [
                "COpenSSL",
                "COpenSSLExitPolicy",
                "TernFiles",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: hotPathSettings
        ),
        .target(
            name: "TernPolling",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: hotPathSettings
        ),
        .target(
            name: "TernProtocol",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: hotPathSettings
        ),
        .target(
            name: "TernClient",
            dependencies: [
                "TernPolling",
                "TernProtocol",
                "TernSchema",
                "TernTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            swiftSettings: hotPathSettings
        ),
        // The JSON the broker's monitoring listener serves, and a client that reads it.
        .target(
            name: "TernMonitoring",
            dependencies: [
                "TernProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "tern",
            dependencies: [
                "TernClientOptions",
                "TernClient",
                "TernCluster",
                "TernCommandSupport",
                "TernEtcd",
                "TernFiles",
                "TernMonitoring",
                "TernProtocol",
                "TernSchema",
                "TernTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "TernClientTests",
            dependencies: [
                "TernClient",
                "TernProtocol",
                "TernTestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        // glibc's malloc_trim, which Swift's Glibc module does not export.
        .target(name: "CFreedMemory"),
        // Linux's sched_setattr, a variadic syscall that Swift cannot call.
        .target(name: "CSchedulerSlice"),
        .target(
            name: "TernBroker",
            dependencies: [
                "CFreedMemory",
                "TernFiles",
                "TernPolling",
                "TernProtocol",
                "TernSchema",
                "TernCluster",
                "TernEtcd",
                "TernSettingValues",
                "TernTLS",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "TernMonitoring",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: hotPathSettings
        ),
        .target(
            name: "TernCommandSupport",
            dependencies: [
                "TernProtocol",
                "TernSettingValues",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "TernClientOptions",
            dependencies: [
                "TernClient",
                "TernCommandSupport",
                "TernFiles",
                "TernSettingValues",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "ternd",
            dependencies: [
                "CFreedMemory",
                "CSchedulerSlice",
                "TernBroker",
                "TernCommandSupport",
                "TernProtocol",
                "TernSchema",
                "TernSettingValues",
                "TernTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                "TernFiles",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: staticFoundationSettings,
            linkerSettings: staticRuntimeSettings
        ),
        .testTarget(
            name: "TernBrokerTests",
            dependencies: [
                "TernBroker",
                "TernChildProcesses",
                "TernCluster",
                "TernEtcd",
                "TernFiles",
                "TernProtocol",
                "TernPolling",
                "TernSchema",
                "TernSettingValues",
                "TernTestSupport",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "CSchedulerSlice",
                "TernBroker",
                "TernClient",
                "TernProtocol",
                "TernSchema",
                "TernTLS",
                "ternd",
                "tern",
                "tern-bench",
                "TernChildProcesses",
                "TernMonitoring",
                "TernEtcd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TernTLSTests",
            dependencies: [
                "TernTLS",
                "COpenSSLExitPolicy",
                "TernChildProcesses",
                "TernTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TernProtocolTests",
            dependencies: [
                "TernProtocol",
                "TernTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "tern-bench",
            dependencies: [
                "TernClient",
                "TernClientOptions",
                "TernCommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/TernBench",
            swiftSettings: hotPathSettings + staticFoundationSettings,
            linkerSettings: staticRuntimeSettings
        ),
        .target(name: "TernSchema"),
        // etcd's v3 API over its HTTP/JSON gateway, for clusters of brokers.
        .target(
            name: "TernEtcd",
            dependencies: [
                "TernTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "TernEtcdTests", dependencies: ["TernEtcd", "TernChildProcesses", "TernTLS"]),
        // What a cluster keeps in etcd: its keys and member records.
        .target(name: "TernCluster", dependencies: ["TernEtcd"]),
        .testTarget(name: "TernClusterTests", dependencies: ["TernCluster", "TernEtcd"]),
        .testTarget(name: "TernSchemaTests", dependencies: ["TernSchema", "TernTestSupport"]),
        // What more than one test target uses.
        .target(name: "TernTestSupport", path: "Tests/TernTestSupport"),
        // Programs the tests run: the built executables, openssl, flock.
        .target(
            name: "TernChildProcesses",
            dependencies: [
                "TernTLS",
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Tests/TernChildProcesses"
        ),
    ],
    swiftLanguageModes: [.v6]
)
