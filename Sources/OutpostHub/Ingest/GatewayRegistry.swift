import OutpostSigning
import OutpostWire
import Synchronization

/// The enrolled gateways' public keys, as ingest checks signatures against them: loaded from the
/// store, changed by enrolment and revocation without a restart.
public final class GatewayRegistry: FrameVerifier {
    private let entries = Mutex<[String: (publicKey: [UInt8], revoked: Bool)]>([:])

    /// Creates an empty registry; `reload(from:)` fills it.
    public init() {}

    /// Replaces what it knows with the store's gateways.
    public func reload(from store: any HubStore) throws {
        let keys = try store.enrolledKeys()
        entries.withLock { $0 = keys }
    }

    public func rejection(
        of signature: ArraySlice<UInt8>, algorithm: SignatureAlgorithm, message: ArraySlice<UInt8>, gateway: String
    ) -> SignatureRejection? {
        let entry = entries.withLock { $0[gateway] }
        guard let entry else { return SignatureRejection(.unknownGateway, "gateway is not enrolled") }
        guard !entry.revoked else { return SignatureRejection(.revokedGateway, "gateway was revoked") }
        return FrameSignatureCheck.rejection(
            of: signature, algorithm: algorithm, message: message, publicKey: entry.publicKey
        ).map { SignatureRejection(.badSignature, $0) }
    }

    /// Enrolled and not revoked: its status and live documents are taken.
    public func knows(gateway: String) -> Bool { entries.withLock { $0[gateway].map { !$0.revoked } ?? false } }
}
