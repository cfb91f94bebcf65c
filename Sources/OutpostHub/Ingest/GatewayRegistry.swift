import OutpostSigning
import OutpostWire
import Synchronization

/// The enrolled gateways' public keys, as ingest checks signatures against them: loaded from the
/// store, changed by enrolment and revocation without a restart. The checking is
/// `GatewayKeyVerifier`'s; this holds the current one.
public final class GatewayRegistry: FrameVerifier {
    private let verifier = Mutex(GatewayKeyVerifier(entries: [:]))

    /// Creates an empty registry; `reload(from:)` fills it.
    public init() {}

    /// Replaces what it knows with the store's gateways.
    public func reload(from store: any HubStore) throws {
        let entries = try store.enrolledKeys().mapValues {
            GatewayKeyVerifier.Entry(publicKey: $0.publicKey, revoked: $0.revoked)
        }
        verifier.withLock { $0 = GatewayKeyVerifier(entries: entries) }
    }

    public func rejection(
        of signature: ArraySlice<UInt8>, algorithm: SignatureAlgorithm, message: ArraySlice<UInt8>, gateway: String
    ) -> SignatureRejection? {
        verifier.withLock { $0 }.rejection(of: signature, algorithm: algorithm, message: message, gateway: gateway)
    }

    /// Enrolled and not revoked: its status and live documents are taken.
    public func knows(gateway: String) -> Bool { verifier.withLock { $0.knows(gateway: gateway) } }
}
