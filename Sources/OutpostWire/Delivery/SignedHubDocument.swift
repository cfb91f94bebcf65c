#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the hub sends a gateway that changes what the gateway does (a `WatchDocument`; fleet
/// configuration later), signed with the fleet key: `{"payload":"<the document's JSON>",
/// "signature":"<base64>"}`. The signature (P-256, SHA-256, low-S, raw r‖s) covers the topic and
/// the payload (`signedMessage`), so a document for one gateway or one purpose is worthless on
/// another topic. The broker's ACL already keeps gateways from writing these topics; the
/// signature keeps a broker or a stolen broker credential from steering the fleet.
package struct SignedHubDocument: Codable, Sendable, Hashable {
    /// The document's JSON, as signed.
    package var payload: String
    /// The signature, base64.
    package var signature: String

    /// The largest envelope read.
    package static let maxBytes = 64 * 1024

    /// Wraps `payload` and its signature.
    package init(payload: String, signature: [UInt8]) {
        self.payload = payload
        self.signature = Data(signature).base64EncodedString()
    }

    /// The bytes the signature covers: a fixed tag, the topic, and the payload.
    package static func signedMessage(topic: String, payload: String) -> [UInt8] {
        Array("outpost hub document v1\n\(topic)\n".utf8) + Array(payload.utf8)
    }

    /// The signature's bytes; nil when it is not base64.
    package var signatureBytes: [UInt8]? { Data(base64Encoded: signature).map(Array.init) }

    /// The JSON form.
    package func encoded() -> [UInt8] { DocumentJSON.encode(self) ?? [] }

    /// Reads the JSON form (at most `maxBytes`); the signature is checked by `FleetVerifier`.
    package init(json: [UInt8]) throws(DocumentError) {
        self = try DocumentJSON.decode(json, maxBytes: Self.maxBytes, what: "signed hub document")
    }
}
