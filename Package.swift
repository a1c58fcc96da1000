// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

/// The git revision `vitals --version` and `vitals_build_info` report: scripts/build/build-release.sh
/// sets VITALS_REVISION (from git, or the image's build argument). Not Context.gitInformation:
/// SwiftPM keeps the evaluated manifest across commits, so it would report an old revision,
/// while a changed environment variable makes it evaluate this file again. Only quotes-free
/// revision strings are taken, as they go into a C string literal.
let revision = Context.environment["VITALS_REVISION"].flatMap { $0.isEmpty || $0.contains("\"") || $0.contains("\\") ? nil : $0 } ?? "unknown"

let package = Package(
    name: "vitals",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vitals", targets: ["vitals"]),
        .library(name: "VitalsCore", targets: ["VitalsCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", exact: "2.1.1"),
    ],
    targets: [
        // C libraries from the system. Each shim header holds only typed wrappers and includes.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb", providers: [.apt(["libmariadb-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CAres", pkgConfig: "libcares", providers: [.apt(["libc-ares-dev"])]),
        // Linux headers Swift's Glibc module does not export (epoll, eventfd, statvfs, spawn).
        .target(name: "CVitalsSystem"),
        // The revision the binary was built from (one C file, so a new revision rebuilds only it).
        .target(name: "CVitalsBuild", cSettings: [.define("VITALS_REVISION", to: "\"\(revision)\"")]),

        // YAML -> typed, located config values. No I/O beyond reading the files it is given.
        // Mustache: notifier templates are compiled (and tried) when the config loads.
        .target(
            name: "VitalsConfig", dependencies: [.product(name: "Yams", package: "Yams"), .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: strict),
        // The domain: judgement, hysteresis, aggregation, history, scheduler. No sockets, no C.
        .target(name: "VitalsCore", dependencies: ["VitalsConfig"], swiftSettings: strict),
        // The I/O the probes, the alert transport and storage share: the epoll poller, the
        // blocking executor, TCP connections, the libcurl engine, libpq sessions, c-ares
        // lookups. With the shims and the probes, the only place where C is called.
        .target(name: "VitalsIO", dependencies: ["VitalsConfig", "CCurl", "CLibPQ", "CSQLite", "CAres", "CVitalsSystem"], swiftSettings: strict),
        // Storage backends behind VitalsCore's `Storage`: the SQLite schema and its migrations
        // (the backends themselves are issue 11's work in progress).
        // The peer reader and the service lock of replicas sharing PostgreSQL live here too.
        .target(
            name: "VitalsStorage",
            dependencies: [
                "VitalsConfig", "VitalsCore", "VitalsIO", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ], swiftSettings: strict),
        // One file per probe type, on VitalsIO (hiredis is the Redis probe's alone, libmariadb the MySQL probe's).
        .target(
            name: "VitalsProbes", dependencies: ["VitalsConfig", "VitalsCore", "VitalsIO", "CCurl", "CLibPQ", "CHiredis", "CMariaDB", "CVitalsSystem"],
            swiftSettings: strict),
        // Alert rules, notifier queues and payloads; the loop feeding them from the store.
        .target(
            name: "VitalsAlerting",
            dependencies: [
                "VitalsConfig", "VitalsCore", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ], swiftSettings: strict),
        // Routes and renderers over the published snapshot.
        .target(name: "VitalsServer", dependencies: [
            "VitalsConfig", "VitalsCore", "CVitalsSystem", "CVitalsBuild",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .executableTarget(name: "vitals", dependencies: [
            "VitalsConfig", "VitalsCore", "VitalsIO", "VitalsProbes", "VitalsAlerting", "VitalsServer", "VitalsStorage",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),

        // Helpers more than one test target uses (test servers from the environment, processes).
        .target(name: "VitalsTestSupport", path: "Tests/VitalsTestSupport", swiftSettings: strict),
        .testTarget(name: "VitalsConfigTests", dependencies: ["VitalsConfig"], swiftSettings: strict),
        .testTarget(name: "VitalsCoreTests", dependencies: ["VitalsCore", "VitalsConfig", "VitalsTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "VitalsProbesTests", dependencies: ["VitalsProbes", "VitalsIO", "VitalsTestSupport"],
            // Plugin scripts the tests run in place (found through #filePath), not resources.
            exclude: ["Fixtures"], swiftSettings: strict),
        // The I/O layer's own tests: the blocking lane, the DNS reply parser, echo packets and sockets.
        .testTarget(name: "VitalsIOTests", dependencies: ["VitalsIO", "VitalsTestSupport"], swiftSettings: strict),
        .testTarget(name: "VitalsStorageTests", dependencies: ["VitalsStorage", "VitalsIO", "VitalsTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "VitalsAlertingTests", dependencies: ["VitalsAlerting", "VitalsIO", "VitalsTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "VitalsServerTests",
            dependencies: [
                "VitalsServer", "VitalsTestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // Runs the built `vitals` binary as a process (the dependency makes `swift test` build it).
        .testTarget(name: "IntegrationTests", dependencies: ["vitals", "VitalsTestSupport", "VitalsIO", "VitalsStorage"], exclude: ["Fixtures"], swiftSettings: strict),
    ]
)

// libFuzzer targets (`make fuzz`, and briefly in `make test`): built only with VITALS_FUZZ set,
// by scripts/checks/fuzz.sh with `-sanitize=fuzzer,address`, which supplies their `main`.
if Context.environment["VITALS_FUZZ"] != nil {
    let fuzzers: [(String, [Target.Dependency])] = [
        ("FuzzConfig", ["VitalsConfig"]),
        ("FuzzPerfdata", ["VitalsProbes"]),
        ("FuzzRedisReply", ["VitalsProbes"]),
        ("FuzzDNSReply", ["VitalsIO"]),
        (
            "FuzzRequestHead",
            [
                "VitalsServer", "VitalsCore", "VitalsConfig", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
    ]
    package.targets.append(.target(name: "FuzzSupport", path: "Tests/Fuzz/FuzzSupport", swiftSettings: strict))
    for (name, dependencies) in fuzzers {
        package.targets.append(
            .executableTarget(
                name: name, dependencies: ["FuzzSupport"] + dependencies, path: "Tests/Fuzz/\(name)",
                swiftSettings: strict))
    }
}
