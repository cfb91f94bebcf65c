import OutpostSigning
import Testing

@testable import OutpostWire

/// The committed frame and its JSON freeze format version 1: if these fail after a change to the
/// encoder, the bytes on the wire changed, and `BatchFrame.formatVersion` must be bumped.
/// `scripts/write-golden.sh` writes them.
@Suite("Golden vectors")
struct GoldenVectorTests {
    let binary = Fixtures.read("Golden/frame-v1.bin")
    let json = Fixtures.read("Golden/frame-v1.json")

    @Test("The golden frame decodes and verifies with the gateway's key")
    func decodes() throws {
        let frame = try FrameDecoder().decode(binary, verifier: try GoldenFrame.verifier())
        #expect(frame.gatewayID == GoldenFrame.gateway && frame.sequence == 42)
        #expect(frame.signatureAlgorithm == .ecdsaP256SHA256)
        let expected = try GoldenFrame.make()
        #expect(frame.series == expected.series)
        for (decoded, built) in zip(frame.chunks, expected.chunks) {
            #expect(try decoded.chunk.decode().isIdentical(to: built.chunk.decode()))
        }
    }

    @Test("Encoding the same frame today gives the committed bytes (signature aside)")
    func encoderIsFrozen() throws {
        let fresh = try GoldenFrame.make().encoded(signer: try GoldenFrame.signer())
        let signed = BatchFrame.trailerByteCount - 1
        // ECDSA signatures are randomised: compare everything before the signature bytes.
        #expect(fresh.count == binary.count)
        #expect(Array(fresh.prefix(fresh.count - signed)) == Array(binary.prefix(binary.count - signed)))
    }

    @Test("The JSON rendering of the golden frame is the committed JSON")
    func rendersGoldenJSON() throws {
        let frame = try FrameDecoder().decode(binary, verifier: try GoldenFrame.verifier())
        let rendered = try FrameJSON.render(frame) + [0x0A]
        #expect(String(decoding: rendered, as: UTF8.self) == String(decoding: json, as: UTF8.self))
    }

    @Test("The committed JSON turns back into the committed bytes, signature included")
    func jsonRebuildsBinary() throws {
        #expect(try FrameJSON.binary(fromJSON: json) == binary)
    }
}
