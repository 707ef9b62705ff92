// swift-tools-version:6.1
import Foundation
import PackageDescription

// The libFuzzer target of Tern: a package of its own, so that the main package builds and tests
// without `-sanitize=fuzzer`. Build and run it with `Tests/Fuzz/run` (see README.md here).

/// The main package two levels up; SwiftPM names a path dependency after its directory.
let tern = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent()
let ternIdentity = tern.lastPathComponent.lowercased()

let package = Package(
    name: "TernFuzz",
    dependencies: [
        .package(path: tern.path),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
    ],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "FuzzFrames",
            dependencies: [
                "CFuzzerDriver",
                .product(name: "TernBroker", package: ternIdentity),
                .product(name: "TernProtocol", package: ternIdentity),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
