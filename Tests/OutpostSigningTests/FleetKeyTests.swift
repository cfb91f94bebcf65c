import Foundation
import OutpostProvisioning
import OutpostSigning
import OutpostWire
import Testing

@Suite("Documents signed with the fleet key")
struct FleetKeyTests {
    let fleet: GatewayIdentity
    let signer: FleetSigner
    let verifier: FleetVerifier
    let topic = GatewayTopics(gateway: "gw-1").watch

    init() throws {
        fleet = try GatewayIdentity.generate(gatewayID: "fleet")
        signer = try FleetSigner(privateKeyPEM: fleet.privateKeyPEM)
        verifier = try FleetVerifier(publicKeyPEM: fleet.publicKeyPEM)
    }

    func refusal(_ envelope: [UInt8], topic: String? = nil, verifier: FleetVerifier? = nil) -> String? {
        do throws(DocumentError) {
            _ = try (verifier ?? self.verifier).open(envelope, topic: topic ?? self.topic, as: WatchDocument.self)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("A watch document opens with the fleet's public key on its own topic, and nowhere else")
    func signAndOpen() throws {
        let document = WatchDocument(
            gateway: "gw-1", issuedAt: 1_790_000_000_000_000_000, until: 1_790_000_090_000_000_000)
        let envelope = try signer.sign(document, topic: topic)
        #expect(try verifier.open(envelope, topic: topic, as: WatchDocument.self) == document)
        #expect(signer.publicKeyPEM == fleet.publicKeyPEM)
        // Another gateway's topic, another purpose's topic, another fleet's key.
        #expect(
            refusal(envelope, topic: GatewayTopics(gateway: "gw-2").watch)?.contains("not signed by this fleet's key")
                == true)
        #expect(refusal(envelope, topic: GatewayTopics(gateway: "gw-1").ack) != nil)
        let other = try FleetVerifier(publicKeyPEM: try GatewayIdentity.generate(gatewayID: "other").publicKeyPEM)
        #expect(refusal(envelope, verifier: other)?.contains("signature does not match") == true)
    }

    @Test("Tampered, forged and malformed envelopes are refused with a reason, never opened")
    func hostileEnvelopes() throws {
        let document = WatchDocument(
            gateway: "gw-1", issuedAt: 1_790_000_000_000_000_000, until: 1_790_000_090_000_000_000)
        let envelope = try SignedHubDocument(json: try signer.sign(document, topic: topic))
        // The payload changed after signing: a longer watch.
        var longer = envelope
        longer.payload = longer.payload.replacingOccurrences(of: "1790000090", with: "1790009990")
        #expect(longer.payload != envelope.payload)
        #expect(refusal(longer.encoded()) != nil)
        // The high-S twin of the same signature verifies in plain ECDSA; it is refused here.
        var bytes = try #require(envelope.signatureBytes)
        let order: [UInt8] = [
            0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
        ]
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            let difference = Int(order[index]) - Int(bytes[32 + index]) - borrow
            bytes[32 + index] = UInt8((difference + 256) % 256)
            borrow = difference < 0 ? 1 : 0
        }
        #expect(
            refusal(SignedHubDocument(payload: envelope.payload, signature: bytes).encoded())?.contains("high-S")
                == true)
        // Not base64, empty, too short, not JSON, too big, empty payload.
        #expect(refusal(Array(#"{"payload":"{}","signature":"***"}"#.utf8)) == "its signature is not base64")
        #expect(refusal(SignedHubDocument(payload: envelope.payload, signature: []).encoded()) != nil)
        #expect(refusal(SignedHubDocument(payload: envelope.payload, signature: [1, 2, 3]).encoded()) != nil)
        #expect(refusal([]) != nil)
        #expect(refusal(Array("not json".utf8)) != nil)
        #expect(refusal([UInt8](repeating: 0x20, count: SignedHubDocument.maxBytes + 1))?.contains("above") == true)
        let emptyPayload = try signer.sign([String: Int](), topic: topic)
        #expect(refusal(emptyPayload)?.contains("'gateway' missing") == true, "signed, but not a watch document")
    }

    @Test("A signed watch document with times no clock can hold is refused: Int64.min, Int64.max, centuries away")
    func hostileTimes() throws {
        for (issued, until) in [
            (Int64.min, Int64.max), (0, Int64.max), (1_790_000_000_000_000_000, 9_000_000_000_000_000_000),
        ] {
            let envelope = try signer.sign(WatchDocument(gateway: "gw-1", issuedAt: issued, until: until), topic: topic)
            #expect(refusal(envelope)?.contains("outside") == true, "\(issued) \(until)")
        }
        // A gateway id that is empty, huge or full of quotes is carried and compared, not trusted.
        for gateway in ["", String(repeating: "g", count: 10_000), "gw-1\"},\"until\":1"] {
            let envelope = try signer.sign(
                WatchDocument(gateway: gateway, issuedAt: 1_790_000_000_000_000_000, until: 1_790_000_000_000_000_001),
                topic: topic)
            #expect(try verifier.open(envelope, topic: topic, as: WatchDocument.self).gateway == gateway)
        }
    }
}
