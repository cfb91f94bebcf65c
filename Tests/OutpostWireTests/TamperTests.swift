import OutpostSigning
import Testing

@testable import OutpostWire

@Suite("Tampered frames")
struct TamperTests {
    let golden = Fixtures.read("Golden/frame-v1.bin")

    @Test("One flipped bit anywhere is caught: CRC, or magic/version where those bits sit")
    func everySingleBitFlip() throws {
        let verifier = try GoldenFrame.verifier()
        let decoder = FrameDecoder()
        for bit in 0..<(golden.count * 8) {
            var bytes = golden
            bytes[bit / 8] ^= 1 << UInt8(bit % 8)
            do {
                _ = try decoder.decode(bytes, verifier: verifier)
                Issue.record("flipping bit \(bit) went unnoticed")
            } catch {
                switch (bit / 8, error) {
                case (0..<4, .badMagic), (4, .unknownVersion), (_, .crcMismatch): break
                default: Issue.record("bit \(bit): unexpected \(error)")
                }
            }
        }
    }

    @Test("With the CRC recomputed, every flipped bit is still refused, mostly by the signature")
    func forgedWithValidCRC() throws {
        let verifier = try GoldenFrame.verifier()
        let decoder = FrameDecoder()
        var signatureRefusals = 0
        let signed = golden.count - 4
        for byte in 5..<signed {
            var bytes = Array(golden.prefix(signed))
            bytes[byte] ^= 1 << UInt8(byte % 8)
            withUnsafeBytes(of: CRC32C.checksum(bytes).littleEndian) { bytes.append(contentsOf: $0) }
            do {
                _ = try decoder.decode(bytes, verifier: verifier)
                Issue.record("a forged byte \(byte) was accepted")
            } catch {
                if case .badSignature = error { signatureRefusals += 1 }
            }
        }
        // Only the bytes read before the signature check (flags, gateway id) can fail otherwise.
        #expect(signatureRefusals >= signed - 5 - 1 - 1 - GoldenFrame.gateway.utf8.count)
    }
}
