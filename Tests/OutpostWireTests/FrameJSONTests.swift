import OutpostDatasets
import OutpostSigning
import OutpostTestSupport
import Testing

@testable import OutpostWire

@Suite("JSON rendering")
struct FrameJSONTests {
    let golden = Fixtures.read("Golden/frame-v1.json")

    func replacing(_ old: String, with new: String) -> [UInt8] {
        let text = String(decoding: golden, as: UTF8.self)
        precondition(text.contains(old), "fixture no longer contains \(old)")
        return Array(text.replacingOccurrences(old, new).utf8)
    }

    func expectInvalid(_ json: [UInt8], path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try FrameJSON.parse(json)
            Issue.record("accepted", sourceLocation: sourceLocation)
        } catch {
            guard case .invalidJSON(let actual, _) = error else {
                Issue.record("expected invalidJSON at \(path), got \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(actual == path, sourceLocation: sourceLocation)
        }
    }

    @Test("Binary → JSON → binary is the identity on random frames")
    func roundTrip() throws {
        let signer = GatewayFrameSigner.generate()
        for (index, shape) in SampleShape.allCases.enumerated() {
            let columns = shape.columns(count: 50 + index, seed: UInt64(index))
            let series = [
                SeriesDescriptor(id: 3, name: "a/\(shape)", unit: "V", kind: .gauge, resolution: Resolution(0.01)),
                SeriesDescriptor(id: 4, name: "b/\(shape)", unit: "", kind: .gauge, resolution: nil),
            ]
            let frame = BatchFrame(
                gatewayID: "gw-\(index)", sequence: UInt64(index) << 40, bootID: .zero, clockState: .unsynchronised,
                createdAt: -1, createdMonotonic: 99, series: series,
                chunks: [
                    FrameChunk(
                        seriesID: 3,
                        chunk: try Chunk(encoding: columns, resolution: Resolution(0.01), clockSynchronised: false)),
                    FrameChunk(
                        seriesID: 4,
                        chunk: try Chunk(encoding: columns, resolution: nil, clockSynchronised: true, firstMonotonic: 7)
                    ),
                ])
            let binary = try frame.encoded(signer: signer)
            let decoded = try FrameDecoder().decode(
                binary, verifier: GatewayKeyVerifier(gateway: "gw-\(index)", publicKey: signer.publicKey))
            for pretty in [true, false] {
                let json = try FrameJSON.render(decoded, pretty: pretty)
                #expect(try FrameJSON.binary(fromJSON: json) == binary, "\(shape) pretty: \(pretty)")
            }
        }
    }

    @Test("A JSON frame without a summary or signature is accepted and gets them computed / unsigned")
    func optionalMembers() throws {
        var text = String(decoding: golden, as: UTF8.self)
        text = text.replacingSection(from: "\"signature\" : {", to: "}", with: "\"unused\" : {}")
        let frame = try FrameJSON.parse(Array(text.utf8))
        #expect(frame.signatureAlgorithm == .none)
    }

    @Test("Invalid members are refused with their JSON path")
    func invalidMembers() {
        expectInvalid(replacing("\"outpost-batch-frame\"", with: "\"other\""), path: "$.format")
        expectInvalid(replacing("\"version\" : 1", with: "\"version\" : 9"), path: "$.version")
        expectInvalid(replacing("\"synchronised\"", with: "\"sometimes\""), path: "$.clock_state")
        expectInvalid(replacing("\"5f0c2a8e-1b3d-4c6e-9f70-123456789abc\"", with: "\"not-a-uuid\""), path: "$.boot_id")
        expectInvalid(replacing("\"bad/3\"", with: "\"awful/3\""), path: "$.chunks[0].qualities[4]")
        expectInvalid(replacing("\"NaN\"", with: "\"NotANumber\""), path: "$.chunks[0].values[4]")
        expectInvalid(replacing("\"kind\" : \"counter\"", with: "\"kind\" : \"meter\""), path: "$.series[1].kind")
        expectInvalid(
            replacing("\"resolution\" : \"0.1\"", with: "\"resolution\" : \"-3\""), path: "$.series[0].resolution")
        expectInvalid(replacing("\"sum\" : 106.5", with: "\"sum\" : 107"), path: "$.chunks[0].summary")
        expectInvalid(replacing("\"series_id\" : 9", with: "\"series_id\" : 10"), path: "$.chunks[3].series_id")
        expectInvalid(replacing("\"sequence\" : 42", with: "\"sequence\" : \"42\""), path: "$.sequence")
        expectInvalid(
            replacing("\"gateway_id\" : \"golden-gw-01\"", with: "\"gateway_id\" : \"golden gw\""), path: "$.gateway_id"
        )
        expectInvalid(Array("{".utf8), path: "$")
        expectInvalid(Array("[]".utf8), path: "$")
    }

    @Test("Values that JSON numbers cannot carry use strings and come back bit for bit")
    func specialValues() throws {
        let specials: [Double] = [
            .nan, -.nan, .infinity, -.infinity, -0.0, Double(bitPattern: 0x7FF8_0000_0000_0ABC),
            Double.leastNonzeroMagnitude,
            1.7976931348623157e308,
        ]
        let frame = BatchFrame(
            gatewayID: "gw", sequence: 1, bootID: .zero, clockState: .unknown, createdAt: 0, createdMonotonic: 0,
            series: [SeriesDescriptor(id: 0, name: "x")],
            chunks: [
                FrameChunk(
                    seriesID: 0,
                    chunk: try Chunk(
                        encoding: SampleColumns(timestamps: specials.indices.map { Int64($0) }, values: specials),
                        resolution: nil, clockSynchronised: true))
            ])
        let decoded = try FrameDecoder().decode(
            try frame.encoded(signer: UnsignedFrameSigner()), verifier: AcceptAnySignature())
        let parsed = try FrameJSON.parse(try FrameJSON.render(decoded))
        #expect(try parsed.chunks[0].chunk.decode().values.map(\.bitPattern) == specials.map(\.bitPattern))
    }
}
