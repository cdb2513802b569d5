// swift-tools-version:6.1
// Feedwire: a news-feed daemon. See DEVELOPERS.md for the layout and the rules
// (C libraries stay inside their wrapper targets; FeedwireCore has no C imports).
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Feedwire",
    products: [
        .executable(name: "feedwire", targets: ["feedwire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"4.0.0"),
    ],
    targets: [
        // C libraries, each behind a module map and a header of typed shims.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // libcurl is not linked but loaded on first use (Sources/CCurl/CCurl.h), so no
        // pkgConfig here: it would add -lcurl. Its headers are in the default include path.
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // The only Swift code that touches each C library.
        .target(name: "FeedwireXML", dependencies: ["CLibXML2"], swiftSettings: strict),
        .target(name: "FeedwireSQLite", dependencies: ["CSQLite"], swiftSettings: strict),
        .target(name: "FeedwireCurl", dependencies: ["CCurl", "FeedwireCore"], swiftSettings: strict),

        // The pipeline: config → schedule → fetch → parse → track → store → publish / notify.
        .target(
            name: "FeedwireCore",
            dependencies: [
                "FeedwireXML", "FeedwireSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "feedwire",
            dependencies: [
                "FeedwireCore", "FeedwireCurl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // Fakes and helpers shared by the tests (clock, transport, sender, tool launchers).
        .target(
            name: "FeedwireTestSupport",
            dependencies: ["FeedwireCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),

        .testTarget(name: "FeedwireXMLTests", dependencies: ["FeedwireXML"], swiftSettings: strict),
        .testTarget(name: "FeedwireSQLiteTests", dependencies: ["FeedwireSQLite"], swiftSettings: strict),
        .testTarget(
            name: "FeedwireCoreTests",
            dependencies: ["FeedwireCore", "FeedwireTestSupport"],
            // Feed files the tests read through #filePath, not bundle resources.
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FeedwireCurlTests",
            dependencies: ["FeedwireCurl", "FeedwireCore", "FeedwireTestSupport"],
            exclude: ["Servers"],  // Python test servers, started by the tests
            swiftSettings: strict
        ),
        .testTarget(
            name: "FeedwireIntegrationTests",
            dependencies: ["feedwire", "FeedwireCore", "FeedwireCurl", "FeedwireTestSupport"],
            swiftSettings: strict
        ),
    ]
)
