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

    /// Replaces what it knows with the store's gateways; the gateways enrolled, re-keyed or
    /// revoked since the last reload (by the API or by `outpost-hub enrol` beside the hub).
    @discardableResult
    package func reload(from store: any HubStore) async throws -> Set<String> {
        let entries = try await store.enrolledKeys().mapValues {
            GatewayKeyVerifier.Entry(publicKey: $0.publicKey, revoked: $0.revoked)
        }
        let before = verifier.withLock { verifier in
            defer { verifier = GatewayKeyVerifier(entries: entries) }
            return verifier.entries
        }
        return Set(entries.keys.filter { before[$0] != entries[$0] } + before.keys.filter { entries[$0] == nil })
    }

    package func rejection(
        of signature: ArraySlice<UInt8>, algorithm: SignatureAlgorithm, message: ArraySlice<UInt8>, gateway: String
    ) -> SignatureRejection? {
        verifier.withLock { $0 }.rejection(of: signature, algorithm: algorithm, message: message, gateway: gateway)
    }

    /// The enrolled, unrevoked key of `gateway` (raw `04‖x‖y`): what its signed answers are
    /// checked with; nil for a gateway unknown or revoked.
    package func publicKey(of gateway: String) -> [UInt8]? {
        verifier.withLock { verifier in
            verifier.entries[gateway].flatMap { $0.revoked ? nil : $0.publicKey }
        }
    }

    /// Enrolled and not revoked: its status and live documents are taken.
    package func knows(gateway: String) -> Bool { verifier.withLock { $0.knows(gateway: gateway) } }
}
