/// The signature schemes a frame may carry.
package enum SignatureAlgorithm: UInt8, Sendable, CaseIterable {
    /// No signature: the 64 signature bytes are zero. Accepted only by verifiers that say so
    /// (debugging tools); the hub refuses unsigned frames.
    case none = 0
    /// ECDSA over P-256 with SHA-256; the signature is the raw 64-byte `r ‖ s`.
    case ecdsaP256SHA256 = 1

    /// The name used in the JSON rendering.
    package var name: String {
        switch self {
        case .none: "none"
        case .ecdsaP256SHA256: "ecdsa-p256-sha256"
        }
    }

    /// Parses `name`.
    package init?(name: String) {
        guard let algorithm = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = algorithm
    }

    /// The length of every signature field on the wire.
    package static let signatureByteCount = 64
}

/// Signs frames on behalf of one gateway. Implemented with the gateway's private key in
/// `OutpostSigning`; the wire library itself holds no cryptography.
package protocol FrameSigner: Sendable {
    /// The scheme this signer produces.
    var algorithm: SignatureAlgorithm { get }
    /// The 64-byte signature of `message`.
    func signature(for message: ArraySlice<UInt8>) throws -> [UInt8]
}

/// Why a verifier refused a frame's signature: the code ingest counts it under (an unknown or
/// revoked sender is its own code), and a message for people.
package struct SignatureRejection: Sendable, Hashable {
    /// `bad_signature`, `unknown_gateway` or `revoked_gateway`.
    package var code: RefusalCode
    /// What is wrong: "gateway is not enrolled", "signature does not match".
    package var message: String

    /// A rejection under `code`.
    package init(_ code: RefusalCode = .badSignature, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// Decides whether a frame's signature is genuine.
package protocol FrameVerifier: Sendable {
    /// Whether `signature`, made with `algorithm`, is valid for `message` from `gateway`.
    /// Returns why when it is not (unknown gateway, revoked key, wrong algorithm, mismatch).
    func rejection(
        of signature: ArraySlice<UInt8>, algorithm: SignatureAlgorithm, message: ArraySlice<UInt8>, gateway: String
    ) -> SignatureRejection?

    /// Whether `gateway` is one this verifier holds a valid key for: refusals of senders it
    /// does not know are counted together, so invented ids cannot fill the refusal table.
    func knows(gateway: String) -> Bool
}

extension FrameVerifier {
    /// By default every claimed gateway counts as known.
    package func knows(gateway: String) -> Bool { true }
}

/// Produces unsigned frames (zero signature, algorithm `none`): for tests and debugging only.
package struct UnsignedFrameSigner: FrameSigner {
    /// Creates the signer.
    package init() {}
    package var algorithm: SignatureAlgorithm { .none }
    package func signature(for message: ArraySlice<UInt8>) throws -> [UInt8] {
        [UInt8](repeating: 0, count: SignatureAlgorithm.signatureByteCount)
    }
}

/// Accepts any frame, signed or not, without checking: for debugging tools that only inspect.
package struct AcceptAnySignature: FrameVerifier {
    /// Creates the verifier.
    package init() {}
    package func rejection(
        of signature: ArraySlice<UInt8>, algorithm: SignatureAlgorithm, message: ArraySlice<UInt8>, gateway: String
    ) -> SignatureRejection? {
        nil
    }
}
