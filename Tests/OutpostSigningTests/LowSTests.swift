import OutpostProvisioning
import OutpostSigning
import OutpostWire
import Testing

/// A frame's raw (r ‖ s) signature: the 64 bytes before the CRC.
private func signature(of frame: [UInt8]) -> [UInt8] { Array(frame[(frame.count - 68)..<(frame.count - 4)]) }

/// `frame` with its signature's s replaced by n − s (the other valid form) and the CRC written anew.
private func highForm(_ frame: [UInt8]) -> [UInt8] {
    let flipped = LowS.complement(signature(of: frame))
    let body = Array(frame[..<(frame.count - 68)]) + flipped
    let crc = CRC32C.checksum(body)
    return body + [UInt8(crc & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 24)]
}

@Suite("One valid signature per frame: low S")
struct LowSTests {
    func frame(_ sequence: UInt64) throws -> BatchFrame {
        BatchFrame(
            gatewayID: "gw-s", sequence: sequence, bootID: .zero, clockState: .synchronised, createdAt: 0,
            createdMonotonic: 0,
            series: [SeriesDescriptor(id: 0, name: "s")],
            chunks: [
                FrameChunk(
                    seriesID: 0,
                    chunk: try Chunk(
                        encoding: SampleColumns(timestamps: [1, 2], values: [1, Double(sequence)]), resolution: nil,
                        clockSynchronised: true))
            ])
    }

    @Test("The signer writes only low-S signatures; the high form of each is refused, and LowS.frame turns it back")
    func highSRefused() throws {
        let identity = try GatewayIdentity.generate(gatewayID: "gw-s")
        let signer = try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM)
        let verifier = try GatewayKeyVerifier(gateway: "gw-s", publicKeyPEM: identity.publicKeyPEM)
        for sequence in 1...64 {
            let bytes = try frame(UInt64(sequence)).encoded(signer: signer)
            #expect(LowS.isLow(signature(of: bytes)[32...]), "frame \(sequence) was signed high-S")
            #expect(try FrameDecoder().decode(bytes, verifier: verifier).sequence == UInt64(sequence))
            let high = highForm(bytes)
            #expect(!LowS.isLow(signature(of: high)[32...]))
            #expect { try FrameDecoder().decode(high, verifier: verifier) } throws: { error in
                guard case .badSignature(_, let why, _) = error as? WireError else { return false }
                return why.contains("high-S")
            }
            #expect(LowS.frame(high) == bytes, "the low form is the signer's own")
            #expect(LowS.frame(bytes) == bytes, "a low-S frame is left as it is")
        }
    }

    @Test("A frame whose CRC does not match is not re-formed: its damage stays visible")
    func damagedFrameLeftAlone() throws {
        let signer = GatewayFrameSigner.generate()
        var high = highForm(try frame(1).encoded(signer: signer))
        high[10] ^= 0x01
        #expect(LowS.frame(high) == high)
        #expect(LowS.frame([1, 2, 3]) == [1, 2, 3])
        #expect(LowS.isLow(LowS.half) && !LowS.isLow(LowS.order) && !LowS.isLow([UInt8](repeating: 0, count: 31)))
    }
}
