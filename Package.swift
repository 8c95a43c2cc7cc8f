// swift-tools-version: 6.1
import PackageDescription

/// QuietWire: a network sensor with process correlation.
/// Modules are layered; dependencies only point down the list (see STYLE.md).
/// Release builds drop the runtime exclusivity checks: on the per-packet path they cost about
/// 16% of decode time (measured with scripts/bench and perf). Debug builds, which run the test
/// suite, keep them, so a violation still fails there.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "QuietWire",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "quietwire", targets: ["quietwire"]),
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "Capture", targets: ["Capture"]),
        .library(name: "FuzzHarness", targets: ["FuzzHarness"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"]), .brew(["libpcap"])]
        ),
        .target(name: "SensorCore", swiftSettings: hotPath),
        .target(name: "Capture", dependencies: ["SensorCore", "CPcap"], swiftSettings: hotPath),
        .target(name: "Wire", dependencies: ["SensorCore"], swiftSettings: hotPath),
        .target(
            name: "AppProtocols",
            dependencies: [
                "SensorCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: hotPath),
        // SHA-1 on the x86 SHA extensions, for Community IDs (Flows falls back to Swift).
        .target(name: "CSHA1"),
        .target(
            name: "Flows",
            dependencies: ["SensorCore", "Wire", "AppProtocols", "CSHA1", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: hotPath),
        .target(name: "Attribution", dependencies: ["SensorCore", "Flows"]),
        .target(name: "Collector", dependencies: ["SensorCore", "Attribution",
                                                 .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                                 .product(name: "NIOCore", package: "swift-nio"),
                                                 .product(name: "NIOHTTP1", package: "swift-nio"),
                                                 .product(name: "NIOSSL", package: "swift-nio-ssl")]),
        .target(name: "Detection", dependencies: ["SensorCore", "Flows", "Attribution"],
                exclude: ["Resources/README.md"], resources: [.copy("Resources/public_suffix_list.dat")]),
        .target(name: "Coverage", dependencies: ["SensorCore", "Flows", "Attribution", "Detection"]),
        .target(name: "Store", dependencies: ["Detection", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Config", dependencies: ["Flows", "Attribution", "Detection", "Coverage", .product(name: "Yams", package: "Yams")]),
        .target(name: "Outputs", dependencies: ["SensorCore", "Wire", "Flows", "Attribution", "Detection", "Coverage"], swiftSettings: hotPath),
        .target(name: "Pipeline", dependencies: ["SensorCore", "Capture", "Wire", "Flows", "Attribution", "Detection", "Outputs"], swiftSettings: hotPath),
        .target(
            name: "Sensor",
            dependencies: ["SensorCore", "Capture", "Wire", "Flows", "Attribution", "Detection", "Coverage", "Store", "Config", "Outputs", "Pipeline",
                           .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: hotPath),
        .target(
            name: "FeedServer",
            dependencies: ["Attribution", "Config", "Sensor",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdCore", package: "hummingbird"),
                           .product(name: "HummingbirdTLS", package: "hummingbird"),
                           .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                           .product(name: "HTTPTypes", package: "swift-http-types"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Metrics", package: "swift-metrics"),
                           .product(name: "CompressNIO", package: "compress-nio"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "quietwire",
            dependencies: [
                "Pipeline", "Capture", "Outputs", "Flows", "Wire", "SensorCore", "Attribution", "Collector", "Detection", "Config", "Store", "Coverage",
                "Sensor", "FeedServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "ScenarioTool", dependencies: ["TestSupport"]),
        .executableTarget(
            name: "FeedLoad",
            dependencies: ["FeedServer", "Sensor", "Attribution", "Config",
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio")]),
        .executableTarget(name: "DecodeBenchmark", dependencies: ["Capture", "Wire", "Flows", "SensorCore"], swiftSettings: hotPath),
        .executableTarget(name: "DetectionBenchmark", dependencies: ["Detection", "Attribution", "Flows", "SensorCore"]),
        .executableTarget(name: "AttributionBenchmark", dependencies: ["Attribution", "Flows", "SensorCore"], swiftSettings: hotPath),
        .target(name: "FuzzHarness", dependencies: ["SensorCore", "Wire", "Flows", "AppProtocols", "Attribution"]),
        .target(name: "TestSupport", dependencies: ["SensorCore", "Wire", "Capture", "Attribution"]),
        .testTarget(name: "SensorCoreTests", dependencies: ["SensorCore"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Capture", "TestSupport"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "TestSupport"]),
        .testTarget(name: "FlowsTests", dependencies: ["Flows", "Wire", "TestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "AttributionTests", dependencies: ["Attribution", "Collector", "Flows", "SensorCore", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "DetectionTests", dependencies: ["Detection", "Config", "Store", "Attribution", "Flows", "SensorCore",
                                                          .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "AppProtocolsTests", dependencies: ["AppProtocols", "Capture", "Wire", "TestSupport"]),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "Capture", "Wire", "Flows", "Attribution", "Detection", "Coverage", "Outputs", "FuzzHarness", "TestSupport",
                           "Sensor", "FeedServer", "Collector", "Config", "Store"],
            resources: []
        ),
    ],
    swiftLanguageModes: [.v6]
)
