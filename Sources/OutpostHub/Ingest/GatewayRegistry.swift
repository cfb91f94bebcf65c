import Crypto
import OutpostWire
import Synchronization

/// The enrolled gateways' public keys, as ingest checks signatures against them: loaded from the
/// store, changed by enrolment and revocation without a restart.
public final class GatewayRegistry: FrameVerifier {
    private let entries = Mutex<[String: (publicKey: [UInt8], revoked: Bool)]>([:])
    /// The rejection of a gateway the hub does not know.
    static let notEnrolled = "gateway is not enrolled"
    /// The rejection of a revoked gateway.
    static let revoked = "gateway was revoked"

    /// Creates an empty registry; `reload(from:)` fills it.
    public init() {}

    /// Replaces what it knows with the store's gateways.
    public func reload(from store: any HubStore) throws {
        let keys = try store.enrolledKeys()
        entries.withLock { $0 = keys }
    }

    public func rejection(
        of signature: ArraySlice<UInt8>, algorithm: SignatureAlgorithm, message: ArraySlice<UInt8>, gateway: String
    ) -> String? {
        let entry = entries.withLock { $0[gateway] }
        guard let entry else { return Self.notEnrolled }
        let raw = entry.publicKey
        guard !entry.revoked else { return Self.revoked }
        guard algorithm == .ecdsaP256SHA256 else { return "algorithm '\(algorithm.name)' is not accepted" }
        guard let key = try? P256.Signing.PublicKey(rawRepresentation: raw),
            let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
        else { return "signature is not a P-256 signature" }
        return key.isValidSignature(parsed, for: message) ? nil : "signature does not match the frame"
    }
}
