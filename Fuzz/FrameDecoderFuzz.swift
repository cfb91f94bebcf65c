// libFuzzer entry point for the batch-frame decoder, the chunk decoder, the JSON parser and the
// hub's acknowledgement message.
// Built by `make fuzz` together with the OutpostWire sources as one module (no package build),
// with -sanitize=fuzzer,address. Any crash, hang or sanitizer report is a bug; `make fuzz` copies
// the input into Tests/OutpostWireTests/FuzzRegressions so the test suite keeps it forever.

/// Accepts every signature, so the fuzzer reaches the body parser instead of stopping at ECDSA.
struct FuzzVerifier: FrameVerifier {
    func rejection(
        of signature: ArraySlice<UInt8>, algorithm: SignatureAlgorithm, message: ArraySlice<UInt8>, gateway: String
    ) -> String? { nil }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = FrameLimits(maxFrameBytes: 1 << 20, maxSamplesPerChunk: 100_000, maxSamplesPerFrame: 1_000_000)
    // 1. The input as a frame whose CRC is made valid, so mutations get past the checksum.
    var framed = bytes
    if framed.count >= 4 + 69 {
        framed.removeLast(4)
        withUnsafeBytes(of: CRC32C.checksum(framed).littleEndian) { framed.append(contentsOf: $0) }
    }
    if let frame = try? FrameDecoder(limits: limits).decode(framed, verifier: FuzzVerifier()) {
        for entry in frame.chunks {
            if (try? entry.chunk.decode()) == nil { fatalError("a validated chunk failed to decode") }
        }
        if let json = try? FrameJSON.render(frame, pretty: false), (try? FrameJSON.parse(json, limits: limits)) == nil {
            fatalError("the JSON rendering of a valid frame does not parse")
        }
        // What this library encodes, it decodes, and encoding is stable across that decode.
        if let once = try? frame.encoded(signer: UnsignedFrameSigner()) {
            guard let again = try? FrameDecoder(limits: limits).decode(once, verifier: FuzzVerifier()),
                let twice = try? again.encoded(signer: UnsignedFrameSigner())
            else { fatalError("a frame this library encoded does not decode") }
            if once != twice { fatalError("encoding is not stable across a decode") }
        }
    }
    // 2. The input as a bare chunk record.
    if let chunk = try? Chunk(record: bytes, limits: limits) {
        _ = chunk.payloadProblem()
    }
    // 3. The input as JSON.
    _ = try? FrameJSON.parse(bytes, limits: limits)
    // 4. The input as the hub's acknowledgement (what an agent reads from the broker): refused,
    //    or read and written back unchanged.
    if let acknowledgement = Acknowledgement(json: bytes), Acknowledgement(json: acknowledgement.encoded()) != acknowledgement {
        fatalError("an acknowledgement changed on its way through encoded()")
    }
    return 0
}
