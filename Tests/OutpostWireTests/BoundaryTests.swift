import OutpostWire
import Testing

@Suite("Values at the edges: resolutions, the time window, saturating arithmetic, a JSON frame's gateway")
struct BoundaryTests {
    @Test(
        "Every resolution a binary frame carries reads back from its text exactly",
        arguments: [
            ("4294967295", 4_294_967_295, 0), ("0.004294967295", 4_294_967_295, -12), ("1234567891", 1_234_567_891, 0),
            ("0.1", 1, -1), ("0.10", 1, -1), ("25", 25, 0), ("1e-3", 1, -3), ("1E+12", 1, 12), ("5000", 5, 3),
            ("0.000000000001", 1, -12), ("007", 7, 0),
        ] as [(String, UInt32, Int8)])
    func resolutionText(text: String, mantissa: UInt32, exponent: Int8) throws {
        let parsed = try #require(Resolution(parsing: text), "\(text)")
        #expect(
            parsed.mantissa == mantissa && parsed.exponent == exponent, "\(text): \(parsed.mantissa)e\(parsed.exponent)"
        )
        #expect(Resolution(parsing: parsed.description) == parsed, "\(parsed.description) reads back")
    }

    @Test(
        "What is not a resolution is refused",
        arguments: ["4294967296", "0", "0.0", "-1", "", ".", "1e13", "1e-13", "abc", "1.2.3", "NaN", "inf"])
    func notResolutions(text: String) {
        #expect(Resolution(parsing: text) == nil, "\(text) was read as a resolution")
    }

    @Test("A frame whose resolution has a ten-digit mantissa goes through JSON and back to the same bytes")
    func tenDigitResolutionRoundTrip() throws {
        for text in ["4294967295", "0.004294967295"] {
            let resolution = try #require(Resolution(parsing: text))
            let step = resolution.step
            let frame = BatchFrame(
                gatewayID: "gw-r", sequence: 1, bootID: .zero, clockState: .synchronised, createdAt: 0,
                createdMonotonic: 0,
                series: [SeriesDescriptor(id: 0, name: "r", resolution: resolution)],
                chunks: [
                    FrameChunk(
                        seriesID: 0,
                        chunk: try Chunk(
                            encoding: SampleColumns(timestamps: [1, 2, 3], values: [step, 2 * step, 3 * step]),
                            resolution: resolution, clockSynchronised: true))
                ])
            let bytes = try frame.encoded(signer: UnsignedFrameSigner())
            let decoded = try FrameDecoder().decode(bytes, verifier: AcceptAnySignature())
            let json = try FrameJSON.render(decoded)
            #expect(String(decoding: json, as: UTF8.self).contains("\"\(text)\""))
            #expect(try FrameJSON.binary(fromJSON: json) == bytes, "\(text)")
        }
    }

    @Test("The time window: contains, clamp, and the saturating helpers at Int64's edges")
    func window() {
        #expect(TimeWindow.contains(0) && TimeWindow.contains(TimeWindow.upperBound))
        #expect(!TimeWindow.contains(-1) && !TimeWindow.contains(.min) && !TimeWindow.contains(.max))
        #expect(TimeWindow.clamp(Int64.min...Int64.max) == TimeWindow.plausible)
        #expect(
            TimeWindow.clamp(Int64.min...(-1)) == nil
                && TimeWindow.clamp((TimeWindow.upperBound + 1)...Int64.max) == nil)
        #expect(TimeWindow.clamp(5...7) == 5...7)
        #expect(Int64.max.addingSaturating(1) == .max && Int64.min.addingSaturating(-1) == .min)
        #expect(Int64.min.subtractingSaturating(1) == .min && Int64.max.subtractingSaturating(-1) == .max)
        #expect(Int64.max.multipliedSaturating(by: 2) == .max && Int64.min.multipliedSaturating(by: 2) == .min)
        #expect(Int64.min.multipliedSaturating(by: -1) == .max && (-3 as Int64).multipliedSaturating(by: 4) == -12)
        #expect(
            Int64.min.flooredMultiple(of: 60) == nil && Int64.max.flooredMultiple(of: 60) == Int64.max - Int64.max % 60)
        #expect((-1 as Int64).flooredMultiple(of: 60) == -60 && (59 as Int64).flooredMultiple(of: 60) == 0)
        #expect(Int64.min.flooredDivision(by: 1_000_000_000) == (-9_223_372_037, 145_224_192))
        #expect(Int64.max.flooredDivision(by: 1_000_000_000) == (9_223_372_036, 854_775_807))
    }

    @Test("A JSON frame's gateway is found at the top level only, cheaply, or not at all")
    func claimedGateway() {
        func claimed(_ text: String) -> String? { FrameJSON.claimedGateway(of: Array(text.utf8)) }
        #expect(claimed(#"{"version": 1, "gateway_id" : "gw-1", "chunks": []}"#) == "gw-1")
        #expect(claimed(#"{"chunks": [{"gateway_id": "decoy"}], "gateway_id": "real"}"#) == "real")
        #expect(claimed(#"{"note": "\"gateway_id\": \"fake\"", "gateway_id": "gw-2"}"#) == "gw-2")
        #expect(claimed(#"{"gateway_id": "esc\"aped"}"#) == nil)
        #expect(claimed(#"{"gateway_id": 12}"#) == nil)
        #expect(claimed(#"{"gateway_id": ""# + String(repeating: "a", count: 300) + "\"}") == nil)
        #expect(claimed("") == nil && claimed("[[[[[") == nil && claimed(#"{"gateway_id""#) == nil)
    }
}
