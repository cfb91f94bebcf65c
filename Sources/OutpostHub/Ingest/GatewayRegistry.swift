import OutpostSigning
import OutpostWire
import Synchronization

/// The enrolled gateways' public keys, as ingest checks signatures against them: loaded from the
/// store, changed by enrolment and revocation without a restart. The checking is
/// `GatewayKeyVerifier`'s; this holds the current one.
package final class GatewayRegistry: FrameVerifier {
    private let verifier = Mutex(GatewayKeyVerifier(entries: [:]))

    /// Creates an empty registry; `reload(from:)` fills it.
    package init() {}

    /// Replaces what it knows with the store's gateways.
    package func reload(from store: any HubStore) throws {
        let entries = try store.enrolledKeys().mapValues {
            GatewayKeyVerifier.Entry(publicKey: $0.publicKey, revoked: $0.revoked)
        }
        verifier.withLock { $0 = GatewayKeyVerifier(entries: entries) }
    }

    package func rejection(
        of signature: ArraySlice<UInt8>, algorithm: SignatureAlgorithm, message: ArraySlice<UInt8>, gateway: String
    ) -> SignatureRejection? {
        verifier.withLock { $0 }.rejection(of: signature, algorithm: algorithm, message: message, gateway: gateway)
    }

    /// Enrolled and not revoked: its status and live documents are taken.
    package func knows(gateway: String) -> Bool { verifier.withLock { $0.knows(gateway: gateway) } }
}
