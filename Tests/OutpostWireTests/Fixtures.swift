import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

/// Files committed beside the tests, found from this source file's path.
enum Fixtures {
    static let folder: String = {
        let path = "\(#filePath)"
        return String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }()

    static func path(_ relative: String) -> String { folder + "/" + relative }

    static func read(_ relative: String) -> [UInt8] { readFileBytes(path(relative)) }

    static func text(_ relative: String) -> String { String(decoding: read(relative), as: UTF8.self) }
}

/// The frame the golden vectors freeze: a little of everything the format carries.
enum GoldenFrame {
    static let gateway = "golden-gw-01"

    static func make() throws -> BatchFrame {
        let base: Int64 = 1_767_225_600_000_000_000
        let second: Int64 = 1_000_000_000
        let series = [
            SeriesDescriptor(id: 0, name: "boiler/supply_temp", unit: "°C", kind: .gauge, resolution: Resolution(0.1)),
            SeriesDescriptor(id: 1, name: "meter/energy", unit: "Wh", kind: .counter, resolution: Resolution(1)),
            SeriesDescriptor(id: 7, name: "line/flow", unit: "m³/h", kind: .gauge, resolution: nil),
            SeriesDescriptor(id: 9, name: "pump/running", unit: "", kind: .state, resolution: Resolution(1)),
        ]
        let temperature = SampleColumns(
            timestamps: (0..<8).map { base + $0 * second },
            values: [21.3, 21.3, 21.4, 21.2, .nan, 21.3, -0.0, 85.0],
            qualities: [.good, .good, .good, .good, Quality(.bad, code: 3), .good, .good, Quality(.uncertain, code: 2)])
        let energy = SampleColumns(
            timestamps: [base, base + 10 * second, base + 20 * second, base + 15 * second, base + 30 * second],
            values: [1_200_345, 1_200_352, 1_200_360, 1_200_361, 0])
        let flow = SampleColumns(
            timestamps: (0..<6).map { base + $0 * 2 * second },
            values: [
                12.5, Double(Float(12.71)), .infinity, -.infinity, Double(bitPattern: 0x7FF0_0000_0000_0001),
                Double(bitPattern: 0x12688b70e62b) /* 1e-310, subnormal */,
            ])
        let running = SampleColumns(timestamps: [base], values: [1])
        return BatchFrame(
            gatewayID: gateway, sequence: 42,
            bootID: try #require(BootID(parsing: "5f0c2a8e-1b3d-4c6e-9f70-123456789abc")),
            clockState: .synchronised, createdAt: base + 60 * second, createdMonotonic: 3_600 * second, series: series,
            chunks: [
                FrameChunk(
                    seriesID: 0,
                    chunk: try Chunk(
                        encoding: temperature, resolution: Resolution(0.1), clockSynchronised: true,
                        firstMonotonic: 3_540 * second)),
                FrameChunk(
                    seriesID: 1,
                    chunk: try Chunk(
                        encoding: energy, resolution: Resolution(1), clockSynchronised: true,
                        firstMonotonic: 3_540 * second)),
                FrameChunk(
                    seriesID: 7,
                    chunk: try Chunk(
                        encoding: flow, resolution: nil, clockSynchronised: false, firstMonotonic: 3_541 * second)),
                FrameChunk(
                    seriesID: 9,
                    chunk: try Chunk(
                        encoding: running, resolution: Resolution(1), clockSynchronised: true,
                        firstMonotonic: 3_540 * second)),
            ])
    }

    static func signer() throws -> GatewayFrameSigner {
        try GatewayFrameSigner(privateKeyPEM: Fixtures.text("Golden/golden-gw-01.key"))
    }

    static func verifier() throws -> GatewayKeyVerifier {
        try GatewayKeyVerifier(gateway: gateway, publicKeyPEM: Fixtures.text("Golden/golden-gw-01.pub"))
    }
}
