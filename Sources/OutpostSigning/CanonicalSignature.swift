import Crypto
import OutpostWire

/// The one check of a frame's P-256 signature, used by every verifier (the hub's registry and
/// the command-line tools): the algorithm, the key, the signature's form, and the match.
///
/// ECDSA signatures are malleable: (r, s) and (r, n − s) both verify. Frames are signed with the
/// low form (s ≤ n/2, as Bitcoin's BIP 62 and libsecp256k1 require) and a high one is refused, so
/// one frame has exactly one valid signature.
package enum FrameSignatureCheck {
    /// Why `signature` over `message` is refused for the raw P-256 `publicKey`, or nil.
    package static func rejection(
        of signature: ArraySlice<UInt8>, algorithm: SignatureAlgorithm, message: ArraySlice<UInt8>, publicKey: [UInt8]
    ) -> String? {
        guard algorithm == .ecdsaP256SHA256 else { return "algorithm '\(algorithm.name)' is not accepted" }
        guard let key = try? P256.Signing.PublicKey(rawRepresentation: publicKey) else {
            return "the enrolled key is not a P-256 key"
        }
        guard signature.count == 64, let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else {
            return "signature is not a P-256 signature"
        }
        guard LowS.isLow(signature.dropFirst(32)) else {
            return "signature is in its high-S form (s > n/2); a frame has one valid signature, the low-S one"
        }
        return key.isValidSignature(parsed, for: message) ? nil : "signature does not match what was signed"
    }
}
