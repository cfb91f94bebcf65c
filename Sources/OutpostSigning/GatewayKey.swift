import Crypto
import OutpostWire

/// Signs batch frames with a gateway's ECDSA P-256 private key.
///
/// Holds the key in memory (as raw bytes: swift-crypto's key types are not `Sendable` on Linux);
/// `description` never shows it.
package struct GatewayFrameSigner: FrameSigner, CustomStringConvertible {
    private let rawKey: [UInt8]

    /// Creates a signer from a private key.
    package init(privateKey: P256.Signing.PrivateKey) {
        rawKey = Array(privateKey.rawRepresentation)
    }

    private var key: P256.Signing.PrivateKey {
        // The bytes came from a valid key in `init`, so this cannot fail.
        guard let key = try? P256.Signing.PrivateKey(rawRepresentation: rawKey) else {
            preconditionFailure("a stored P-256 key no longer parses")
        }
        return key
    }

    /// Creates a signer from a PEM private key (PKCS#8 or SEC1, as `openssl` and `outpostctl` write).
    package init(privateKeyPEM: String) throws(SigningError) {
        do {
            rawKey = Array(try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM).rawRepresentation)
        } catch {
            throw SigningError(.invalidKey, "the private key is not a P-256 key in PEM form")
        }
    }

    /// A signer with a freshly generated key: for tests and benchmarks.
    package static func generate() -> GatewayFrameSigner {
        GatewayFrameSigner(privateKey: P256.Signing.PrivateKey())
    }

    /// The matching public key, for enrolment at the hub.
    package var publicKey: P256.Signing.PublicKey { key.publicKey }

    package var algorithm: SignatureAlgorithm { .ecdsaP256SHA256 }

    /// The low-S form (see `FrameSignatureCheck`): the only one the hub accepts.
    package func signature(for message: ArraySlice<UInt8>) throws -> [UInt8] {
        LowS.normalized(Array(try key.signature(for: message).rawRepresentation))
    }

    package var description: String { "GatewayFrameSigner(P-256)" }
}

/// Verifies frames against the public keys of enrolled gateways: the one verifier, used by the
/// tools with a key file and by the hub's registry with every enrolled key.
///
/// Keys are held as raw bytes (swift-crypto's key types are not `Sendable` on Linux).
package struct GatewayKeyVerifier: FrameVerifier {
    /// What is known of one enrolled gateway.
    package struct Entry: Sendable, Hashable {
        /// Its raw P-256 public key (64 bytes, as the hub stores it).
        package var publicKey: [UInt8]
        /// Revoked: its frames are refused as such, not as unknown.
        package var revoked: Bool

        /// Creates an entry.
        package init(publicKey: [UInt8], revoked: Bool = false) {
            self.publicKey = publicKey
            self.revoked = revoked
        }
    }

    /// The gateways it knows.
    package let entries: [String: Entry]

    /// Creates a verifier for these gateways.
    package init(entries: [String: Entry]) {
        self.entries = entries
    }

    /// Creates a verifier for the given gateways' public keys.
    package init(keys: [String: P256.Signing.PublicKey]) {
        self.init(entries: keys.mapValues { Entry(publicKey: Array($0.rawRepresentation)) })
    }

    /// Creates a verifier for one gateway.
    package init(gateway: String, publicKey: P256.Signing.PublicKey) {
        self.init(keys: [gateway: publicKey])
    }

    package func rejection(
        of signature: ArraySlice<UInt8>, algorithm: SignatureAlgorithm, message: ArraySlice<UInt8>, gateway: String
    ) -> SignatureRejection? {
        guard let entry = entries[gateway] else {
            return SignatureRejection(.unknownGateway, "gateway is not enrolled")
        }
        guard !entry.revoked else { return SignatureRejection(.revokedGateway, "gateway was revoked") }
        return FrameSignatureCheck.rejection(
            of: signature, algorithm: algorithm, message: message, publicKey: entry.publicKey
        )
        .map { SignatureRejection(.badSignature, $0) }
    }

    /// Enrolled and not revoked.
    package func knows(gateway: String) -> Bool { entries[gateway].map { !$0.revoked } ?? false }
}

/// Why a key could not be used.
package struct SigningError: Error, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String {
            case invalidKey = "invalid_key"
            case invalidDocument = "invalid_document"
        }
        let value: Value
        package static let invalidKey = Code(value: .invalidKey)
        package static let invalidDocument = Code(value: .invalidDocument)
        package var description: String { value.rawValue }
    }

    /// The code.
    package let code: Code
    /// A message a person can act on; never contains key material.
    package let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}

extension GatewayKeyVerifier {
    /// Creates a verifier for one gateway from its PEM public key.
    package init(gateway: String, publicKeyPEM: String) throws(SigningError) {
        do {
            self.init(gateway: gateway, publicKey: try P256.Signing.PublicKey(pemRepresentation: publicKeyPEM))
        } catch {
            throw SigningError(.invalidKey, "the public key is not a P-256 key in PEM form")
        }
    }

    /// The raw form (as the hub stores it) of a PEM public key.
    package static func rawPublicKey(pem: String) throws(SigningError) -> [UInt8] {
        do {
            return Array(try P256.Signing.PublicKey(pemRepresentation: pem).rawRepresentation)
        } catch {
            throw SigningError(.invalidKey, "the public key is not a P-256 key in PEM form")
        }
    }
}
