import OutpostWire

/// The wire format: what the hub reads from the broker and HTTP, and what agents read back.
enum WireFuzz {
    /// Accepts every signature, so the fuzzer reaches the body parser instead of stopping at ECDSA.
    struct AnySignature: FrameVerifier {
        func rejection(
            of signature: ArraySlice<UInt8>, algorithm: SignatureAlgorithm, message: ArraySlice<UInt8>, gateway: String
        ) -> SignatureRejection? { nil }
    }

    static let limits = FrameLimits(maxFrameBytes: 1 << 20, maxSamplesPerChunk: 100_000, maxSamplesPerFrame: 1_000_000)

    /// The input as a frame (its CRC made valid, so mutations get past the checksum), a bare
    /// chunk record, JSON, and an acknowledgement.
    static func frame(_ bytes: [UInt8]) -> FuzzOutcome {
        var framed = bytes
        if framed.count >= 4 + 69 {
            framed.removeLast(4)
            withUnsafeBytes(of: CRC32C.checksum(framed).littleEndian) { framed.append(contentsOf: $0) }
        }
        var outcomes: [FuzzOutcome] = []
        do {
            let frame = try FrameDecoder(limits: limits).decode(framed, verifier: AnySignature())
            outcomes.append(decodedFrame(frame))
        } catch {
            outcomes.append(.refused("frame: \(error)"))
        }
        if let chunk = try? Chunk(record: bytes, limits: limits) {
            _ = chunk.payloadProblem()
        }
        _ = try? FrameJSON.parse(bytes, limits: limits)
        // An agent reads this from the broker: refused, or read and written back unchanged.
        if let acknowledgement = Acknowledgement(json: bytes),
            Acknowledgement(json: acknowledgement.encoded()) != acknowledgement
        {
            outcomes.append(.violated("an acknowledgement changed on its way through encoded()"))
        }
        // The hub reads this from a gateway's live topic: refused, or read and written back unchanged.
        let resolutions: [Resolution?] = [nil, Resolution(parsing: "0.1"), Resolution(parsing: "1")]
        if let live = try? LiveFrame(bytes: [LiveFrame.marker] + bytes, resolutions: { _ in resolutions }) {
            let kinds = live.catalog.map { $0.map(\.resolution) } ?? resolutions
            let again = try? LiveFrame(bytes: live.encoded(seriesCount: kinds.count), resolutions: { _ in kinds })
            if again.map({ Self.sameLive($0, live) }) != true {
                outcomes.append(.violated("a compact live frame changed on its way through encoded()"))
            }
        }
        return .combined(outcomes)
    }

    /// Equal, raw doubles compared by their bits (a NaN is itself here).
    private static func sameLive(_ a: LiveFrame, _ b: LiveFrame) -> Bool {
        guard a.key == b.key, a.catalogID == b.catalogID, a.catalog == b.catalog, a.time == b.time,
            a.entries.count == b.entries.count
        else { return false }
        return zip(a.entries, b.entries).allSatisfy { x, y in
            switch (x.value, y.value) {
            case (.raw(let p), .raw(let q)): x.index == y.index && p.bitPattern == q.bitPattern
            default: x == y
            }
        }
    }

    /// What a frame that decoded promises: its chunks decode, its JSON rendering parses, and what
    /// this library encodes it decodes, with an encoding stable across that decode.
    private static func decodedFrame(_ frame: BatchFrame) -> FuzzOutcome {
        for entry in frame.chunks where (try? entry.chunk.decode()) == nil {
            return .violated("a validated chunk of series \(entry.seriesID) failed to decode")
        }
        if let json = try? FrameJSON.render(frame, pretty: false), (try? FrameJSON.parse(json, limits: limits)) == nil {
            return .violated("the JSON rendering of a valid frame does not parse")
        }
        if let once = try? frame.encoded(signer: UnsignedFrameSigner()) {
            guard let again = try? FrameDecoder(limits: limits).decode(once, verifier: AnySignature()),
                let twice = try? again.encoded(signer: UnsignedFrameSigner())
            else { return .violated("a frame this library encoded does not decode") }
            if once != twice { return .violated("encoding is not stable across a decode") }
        }
        return .accepted
    }
}
