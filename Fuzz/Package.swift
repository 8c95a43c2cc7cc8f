// swift-tools-version: 6.1
import PackageDescription

/// libFuzzer targets, one executable per parser. Built only by scripts/fuzz, with
/// `-sanitize=fuzzer,address`; not part of the main package's build.
let package = Package(
    name: "QuietWireFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "QuietWire", path: "..")],
    targets: [
        .executableTarget(
            name: "DecoderFuzzer",
            dependencies: [.product(name: "FuzzHarness", package: "QuietWire")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
