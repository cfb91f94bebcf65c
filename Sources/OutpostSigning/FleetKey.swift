import Crypto
import OutpostWire

/// Signs what the hub sends gateways (`SignedHubDocument`) with the fleet key: a P-256 key that
/// `outpostctl` keeps with the CA and installs on the hub, whose public half every gateway gets
/// in its provisioning bundle (`fleet.pem`).
package typealias FleetSigner = DocumentSigner

/// Checks documents from the hub against the fleet's public key, on the agent.
package typealias FleetVerifier = DocumentVerifier

/// Signs a document for a topic (`SignedHubDocument`'s envelope) with a P-256 key: the hub's with
/// the fleet key (`FleetSigner`), a gateway's answers to diagnostics with its signing key.
package struct DocumentSigner: Sendable, CustomStringConvertible {
    private let signer: GatewayFrameSigner

    /// A signer from the fleet key's PEM.
    package init(privateKeyPEM: String) throws(SigningError) {
        signer = try GatewayFrameSigner(privateKeyPEM: privateKeyPEM)
    }

    /// A signer with a fresh key: for tests.
    package static func generate() -> DocumentSigner { DocumentSigner(signer: .generate()) }

    private init(signer: GatewayFrameSigner) { self.signer = signer }

    /// The public half, PEM: what gateways verify with.
    package var publicKeyPEM: String { signer.publicKey.pemRepresentation }

    /// `document` as JSON, signed for `topic`, as the envelope's bytes.
    package func sign(_ document: some Encodable, topic: String) throws -> [UInt8] {
        guard let json = DocumentJSON.encode(document) else {
            throw SigningError(.invalidDocument, "the document cannot be written as JSON")
        }
        let payload = String(decoding: json, as: UTF8.self)
        let message = SignedHubDocument.signedMessage(topic: topic, payload: payload)
        let signature = try signer.signature(for: message[...])
        return SignedHubDocument(payload: payload, signature: signature).encoded()
    }

    package var description: String { "DocumentSigner(P-256)" }
}

/// Checks signed documents against one public key: the fleet's on the agent (`FleetVerifier`), a
/// gateway's enrolled key on the hub.
package struct DocumentVerifier: Sendable {
    private let publicKey: [UInt8]

    /// A verifier for a public key, PEM.
    package init(publicKeyPEM: String) throws(SigningError) {
        publicKey = try GatewayKeyVerifier.rawPublicKey(pem: publicKeyPEM)
    }

    /// A verifier for a raw public key (`04‖x‖y`, as the hub stores enrolled keys).
    package init(rawPublicKey: [UInt8]) { publicKey = rawPublicKey }

    /// The document in `envelope`, received on `topic`, once its signature holds; otherwise
    /// why not, in words an operator can act on.
    package func open<Document: Decodable>(
        _ envelope: [UInt8], topic: String, as type: Document.Type, signer: String = "this fleet's key"
    ) throws(DocumentError) -> Document {
        let signed = try SignedHubDocument(json: envelope)
        guard let signature = signed.signatureBytes else { throw DocumentError("its signature is not base64") }
        let message = SignedHubDocument.signedMessage(topic: topic, payload: signed.payload)
        if let rejection = FrameSignatureCheck.rejection(
            of: signature[...], algorithm: .ecdsaP256SHA256, message: message[...], publicKey: publicKey)
        {
            throw DocumentError("not signed by \(signer) for \(topic): \(rejection)")
        }
        return try DocumentJSON.decode(
            Array(signed.payload.utf8), maxBytes: SignedHubDocument.maxBytes, what: "hub document")
    }
}
