// swift-tools-version:6.0
// Outpost: edge-gateway agent, hub, provisioning CLI, device simulator and benchmarks.
// Dependencies point one way: executables -> feature libraries -> Swift wrappers -> C shims.
// The agent and the hub agree only through OutpostWire, which depends on nothing.
import PackageDescription

let package = Package(
    name: "Outpost",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "outpost-agent", targets: ["outpost-agent"]),
        .executable(name: "outpost-hub", targets: ["outpost-hub"]),
        .executable(name: "outpostctl", targets: ["outpostctl"]),
        .executable(name: "outpost-sim", targets: ["outpost-sim"]),
        .executable(name: "outpost-bench", targets: ["outpost-bench"]),
        .executable(name: "outpost-fuzz", targets: ["outpost-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // The wire format: samples, chunks, batch frames, JSON rendering. No dependencies.
        .target(name: "OutpostWire"),
        // ECDSA P-256 signing and verification of batch frames, hub documents and releases (swift-crypto).
        .target(
            name: "OutpostSigning",
            dependencies: ["OutpostWire", "OutpostSystem", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // Thin C shims: module map + shim.h, glue only.
        .systemLibrary(
            name: "CMosquitto", path: "Sources/CMosquitto", pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(
            name: "CModbus", path: "Sources/CModbus", pkgConfig: "libmodbus",
            providers: [.apt(["libmodbus-dev"])]),
        .systemLibrary(
            name: "CGPIOD", path: "Sources/CGPIOD", pkgConfig: "libgpiod",
            providers: [.apt(["libgpiod-dev"])]),

        // The kernel's clock discipline state (adjtimex), which Glibc's module map leaves out.
        .target(name: "CClock"),
        .target(name: "CFiles"),

        // Safe Swift owners of the C handles, one per library.
        .target(name: "OutpostMQTT", dependencies: ["CMosquitto", "OutpostSystem"]),
        .target(name: "OutpostModbus", dependencies: ["CModbus", "OutpostSerial"]),
        // termios serial ports and pseudo-terminals (Glibc only).
        .target(name: "OutpostSerial"),
        .target(name: "OutpostGPIO", dependencies: ["CGPIOD"]),

        // The small system facilities every program uses: files, retry backoff, loopback ports,
        // the version. No dependencies.
        .target(name: "OutpostSystem"),

        // TOML files read with errors that name file, line and key.
        .target(name: "OutpostConfig", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),
        // Device profiles, board definitions, register codecs and request planning (pure Swift).
        .target(name: "OutpostDevices", dependencies: ["OutpostWire", "OutpostConfig"]),

        // The device simulator's model: values, faults, serving.
        .target(
            name: "OutpostSimulation",
            dependencies: ["OutpostWire", "OutpostDevices", "OutpostModbus", "OutpostSerial", "OutpostConfig"]),

        // Feature libraries.
        .target(
            name: "OutpostAgent",
            dependencies: [
                "OutpostWire", "OutpostSigning", "OutpostMQTT", "OutpostModbus", "OutpostGPIO", "OutpostSerial",
                "OutpostDevices", "OutpostConfig", "OutpostSystem", "CClock", "CFiles",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // Streaming anomaly detection: per-series detectors, pure Swift, no dependencies.
        .target(name: "OutpostDetect"),
        .target(
            name: "OutpostHub",
            dependencies: [
                "OutpostWire", "OutpostSigning", "OutpostMQTT", "OutpostConfig", "OutpostSystem", "OutpostDetect",
                // The checker of remote configurations is the agent's own (`RemoteOverlay`).
                "OutpostDevices", "OutpostAgent", "CFiles",
                .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        .target(
            name: "OutpostProvisioning",
            dependencies: [
                "OutpostWire", "OutpostSigning", "OutpostSystem", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "CompressNIO", package: "compress-nio"), .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .target(name: "OutpostDatasets", dependencies: ["OutpostWire"]),
        .target(
            name: "OutpostBench",
            dependencies: [
                "OutpostWire", "OutpostDatasets", "OutpostSigning", "OutpostAgent", "OutpostDevices", "OutpostModbus",
                "OutpostMQTT",
                "OutpostProvisioning", "OutpostSystem", "OutpostHub", "OutpostDetect", "OutpostSimulation",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]),
        // What the command-line programs share: failures printed without usage, number checks,
        // configuration files named in errors.
        .target(
            name: "OutpostCLI",
            dependencies: ["OutpostSystem", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Every parser of outside input as a fuzz target; `make fuzz` runs them under libFuzzer.
        .target(
            name: "OutpostFuzzing",
            dependencies: [
                "OutpostWire", "OutpostConfig", "OutpostDevices", "OutpostAgent", "OutpostHub", "OutpostDetect",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .target(name: "CFuzzDriver"),

        // Thin executables.
        .executableTarget(
            name: "outpost-agent",
            dependencies: [
                "OutpostAgent", "OutpostCLI", "OutpostSystem", "OutpostConfig", "OutpostMQTT", "OutpostWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "outpost-hub",
            dependencies: [
                "OutpostHub", "OutpostCLI", "OutpostSystem", "OutpostProvisioning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "outpostctl",
            dependencies: [
                "OutpostProvisioning", "OutpostCLI", "OutpostSystem", "OutpostConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "outpost-sim",
            dependencies: [
                "OutpostSimulation", "OutpostSerial", "OutpostCLI", "OutpostSystem", "OutpostWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "outpost-bench",
            dependencies: [
                "OutpostBench", "OutpostDatasets", "OutpostCLI", "OutpostSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        .executableTarget(name: "outpost-fuzz", dependencies: ["OutpostFuzzing", "CFuzzDriver"]),

        // Test support: child processes spawned safely, temporary folders, deadlines.
        .target(name: "OutpostTestSupport", dependencies: ["OutpostSystem"], path: "Tests/OutpostTestSupport"),
        .testTarget(
            name: "OutpostWireTests",
            dependencies: ["OutpostWire", "OutpostSigning", "OutpostDatasets", "OutpostTestSupport"],
            exclude: ["Golden"]),
        .testTarget(
            name: "OutpostSigningTests", dependencies: ["OutpostSigning", "OutpostWire", "OutpostProvisioning"]),
        .testTarget(
            name: "OutpostNativeTests", dependencies: ["OutpostMQTT", "OutpostModbus", "OutpostGPIO", "OutpostAgent"]),
        .testTarget(
            name: "OutpostDevicesTests", dependencies: ["OutpostDevices", "OutpostConfig", "OutpostTestSupport"]),
        .testTarget(
            name: "OutpostAgentTests",
            dependencies: [
                "OutpostAgent", "OutpostWire", "OutpostDevices", "OutpostModbus", "OutpostSigning", "OutpostMQTT",
                "OutpostProvisioning", "OutpostBench", "OutpostTestSupport", "OutpostSystem", "outpost-sim",
                "outpost-agent",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // To change an outbox as a newer release would, behind the agent's back.
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "OutpostSimulationTests",
            dependencies: ["OutpostSimulation", "OutpostAgent", "OutpostConfig", "OutpostTestSupport"]),
        .testTarget(name: "OutpostDetectTests", dependencies: ["OutpostDetect"]),
        .testTarget(name: "OutpostFuzzTests", dependencies: ["OutpostFuzzing", "OutpostTestSupport"]),
        .testTarget(
            name: "OutpostHubTests",
            dependencies: [
                "OutpostHub", "OutpostWire", "OutpostSigning", "OutpostProvisioning", "OutpostMQTT", "OutpostBench",
                "OutpostAgent", "OutpostDevices", "OutpostSystem", "OutpostTestSupport", "outpost-hub", "outpost-agent",
                "outpost-sim",
                "outpostctl",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"), .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(
            name: "OutpostCLITests",
            dependencies: [
                "OutpostTestSupport", "OutpostWire", "OutpostSigning", "OutpostProvisioning",
                "outpost-agent", "outpost-hub", "outpostctl", "outpost-sim", "outpost-bench",
            ]),
    ],
    swiftLanguageModes: [.v6]
)
