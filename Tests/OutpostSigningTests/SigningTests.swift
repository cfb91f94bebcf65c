import OutpostProvisioning
import OutpostSigning
import OutpostWire
import Testing

@Suite("Frame signing")
struct SigningTests {
    func frame(gateway: String) throws -> BatchFrame {
        let columns = SampleColumns(timestamps: [1, 2, 3], values: [1, 2, 3])
        return BatchFrame(
            gatewayID: gateway, sequence: 1, bootID: .zero, clockState: .synchronised, createdAt: 0,
            createdMonotonic: 0,
            series: [SeriesDescriptor(id: 0, name: "s")],
            chunks: [
                FrameChunk(seriesID: 0, chunk: try Chunk(encoding: columns, resolution: nil, clockSynchronised: true))
            ])
    }

    @Test("A frame signed with a generated identity verifies with its public key, and only with it")
    func signAndVerify() throws {
        let identity = try GatewayIdentity.generate(gatewayID: "gw-7")
        let signer = try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM)
        let bytes = try frame(gateway: "gw-7").encoded(signer: signer)
        let verifier = try GatewayKeyVerifier(gateway: "gw-7", publicKeyPEM: identity.publicKeyPEM)
        #expect(try FrameDecoder().decode(bytes, verifier: verifier).gatewayID == "gw-7")

        let other = try GatewayIdentity.generate(gatewayID: "gw-7")
        let wrong = try GatewayKeyVerifier(gateway: "gw-7", publicKeyPEM: other.publicKeyPEM)
        #expect(throws: WireError.self) { try FrameDecoder().decode(bytes, verifier: wrong) }
    }

    @Test("A gateway cannot sign for another: the key is looked up by the id in the frame")
    func impersonation() throws {
        let mallory = GatewayFrameSigner.generate()
        let victim = GatewayFrameSigner.generate()
        let verifier = GatewayKeyVerifier(keys: ["victim": victim.publicKey, "mallory": mallory.publicKey])
        let forged = try frame(gateway: "victim").encoded(signer: mallory)
        #expect { try FrameDecoder().decode(forged, verifier: verifier) } throws: { error in
            guard case .badSignature(let gateway, _, _) = error as? WireError else { return false }
            return gateway == "victim"
        }
    }

    @Test("One verifier says why: unknown gateway, revoked gateway (its own key, still refused), bad signature")
    func refusalCodes() throws {
        let signer = GatewayFrameSigner.generate()
        let raw = Array(signer.publicKey.rawRepresentation)
        let bytes = try frame(gateway: "gw-1").encoded(signer: signer)
        func code(_ entries: [String: GatewayKeyVerifier.Entry]) -> RefusalCode? {
            do {
                _ = try FrameDecoder().decode(bytes, verifier: GatewayKeyVerifier(entries: entries))
                return nil
            } catch {
                return error.reasonCode
            }
        }
        #expect(code(["gw-1": .init(publicKey: raw)]) == nil)
        #expect(code(["gw-2": .init(publicKey: raw)]) == .unknownGateway)
        #expect(code(["gw-1": .init(publicKey: raw, revoked: true)]) == .revokedGateway)
        let other = Array(GatewayFrameSigner.generate().publicKey.rawRepresentation)
        #expect(code(["gw-1": .init(publicKey: other)]) == .badSignature)
        let verifier = GatewayKeyVerifier(entries: [
            "gw-1": .init(publicKey: raw), "gw-9": .init(publicKey: raw, revoked: true),
        ])
        #expect(verifier.knows(gateway: "gw-1") && !verifier.knows(gateway: "gw-9") && !verifier.knows(gateway: "gw-2"))
    }

    @Test("Keys that are not P-256 PEM are refused with a message that shows no key material")
    func badKeys() {
        #expect {
            try GatewayFrameSigner(privateKeyPEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
        } throws: { error in
            (error as? SigningError)?.code == .invalidKey && !"\(error)".contains("AAAA")
        }
        #expect(throws: SigningError.self) { try GatewayKeyVerifier(gateway: "g", publicKeyPEM: "garbage") }
        #expect(!"\(GatewayFrameSigner.generate())".contains("BEGIN"))
    }

    @Test("Gateway ids are checked before a key is made")
    func badGatewayID() {
        #expect { try GatewayIdentity.generate(gatewayID: "../etc/passwd") } throws: { error in
            (error as? ProvisioningError)?.code == .invalidGatewayID
        }
    }
}
