// swift-tools-version:5.9
// PeerlogKit: the Peerlog core for iOS apps.
//
// - PeerlogCoreFFI: the core as a static library in an XCFramework (C header + module map
//   `peerlog_coreFFI`), made by ../build-xcframework.sh;
// - PeerlogCore: the Swift bindings uniffi generates (copied in by the same script);
// - PeerlogKit: the small hand-written Swift layer (async/await client, Keychain secret store,
//   os.Logger log sink, background sync).
//
// Run ../build-xcframework.sh once before opening the package in Xcode; the XCFramework and
// Sources/PeerlogCore/peerlog_core.swift are build products and not committed.
import PackageDescription

let package = Package(
    name: "PeerlogKit",
    defaultLocalization: "en",
    platforms: [.iOS(.v17)],
    products: [
        .library(name: "PeerlogKit", targets: ["PeerlogKit"]),
    ],
    targets: [
        .binaryTarget(
            name: "PeerlogCoreFFI",
            path: "PeerlogCoreFFI.xcframework"
        ),
        .target(
            name: "PeerlogCore",
            dependencies: ["PeerlogCoreFFI"],
            path: "Sources/PeerlogCore",
            exclude: ["README.md"],
            linkerSettings: [
                // The static library's system dependencies (rustls certificate handling and
                // reqwest's network configuration use these on Apple platforms).
                .linkedFramework("Security"),
                .linkedFramework("SystemConfiguration"),
            ]
        ),
        .target(
            name: "PeerlogKit",
            dependencies: ["PeerlogCore"],
            path: "Sources/PeerlogKit"
        ),
        .testTarget(
            name: "PeerlogKitTests",
            dependencies: ["PeerlogKit"],
            path: "Tests/PeerlogKitTests"
        ),
    ]
)
