import OutpostHub
import OutpostSigning
import OutpostWire
import Testing

@Suite("Frame intake")
struct FrameIntakeTests {
    let signer = GatewayFrameSigner.generate()

    func frame() throws -> BatchFrame {
        BatchFrame(
            gatewayID: "site-3", sequence: 9, bootID: .zero, clockState: .synchronised, createdAt: 0,
            createdMonotonic: 0,
            series: [SeriesDescriptor(id: 0, name: "p", unit: "bar", resolution: Resolution(0.01))],
            chunks: [
                FrameChunk(
                    seriesID: 0,
                    chunk: try Chunk(
                        encoding: SampleColumns(timestamps: [10, 20], values: [1.25, 1.26]),
                        resolution: Resolution(0.01), clockSynchronised: true))
            ])
    }

    @Test("Binary and JSON frames pass the same checks")
    func acceptsBoth() throws {
        let intake = FrameIntake(verifier: GatewayKeyVerifier(gateway: "site-3", publicKey: signer.publicKey))
        let binary = try frame().encoded(signer: signer)
        let accepted = try intake.accept(binary: binary)
        #expect(accepted.sequence == 9)
        let json = try FrameJSON.render(accepted)
        #expect(try intake.accept(json: json).sequence == 9)
    }

    @Test("Refusals carry a reason code and the claimed gateway")
    func refusals() throws {
        let intake = FrameIntake(verifier: GatewayKeyVerifier(keys: [:]))
        let binary = try frame().encoded(signer: signer)
        #expect { try intake.accept(binary: binary) } throws: { error in
            guard let refusal = error as? FrameIntake.Refusal else { return false }
            return refusal.reason == .unknownGateway && refusal.claimedGateway == "site-3"
        }
        var corrupted = binary
        corrupted[20] ^= 4
        #expect { try intake.accept(binary: corrupted) } throws: { error in
            (error as? FrameIntake.Refusal)?.reason == .crcMismatch
        }
        #expect { try intake.accept(json: Array("{}".utf8)) } throws: { error in
            (error as? FrameIntake.Refusal)?.reason == .invalidJSON
        }
    }
}
