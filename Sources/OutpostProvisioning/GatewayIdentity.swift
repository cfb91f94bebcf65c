import Crypto
import OutpostSigning
import OutpostWire

/// A gateway's signing identity: its id and P-256 key pair, in the PEM forms `outpostctl`
/// writes into a provisioning bundle (private key) and enrols at the hub (public key).
public struct GatewayIdentity: Sendable {
    /// The gateway id (the certificate CN and the frame's gateway id).
    public let gatewayID: String
    /// The private key, PKCS#8 PEM. Secret: never log it.
    public let privateKeyPEM: String
    /// The public key, SubjectPublicKeyInfo PEM.
    public let publicKeyPEM: String

    /// Generates a new identity for `gatewayID`.
    public static func generate(gatewayID: String) throws(ProvisioningError) -> GatewayIdentity {
        guard BatchFrame.isValidGatewayID(gatewayID) else {
            throw ProvisioningError(
                .invalidGatewayID, "'\(gatewayID)' is not a gateway id: use 1-128 of A-Z a-z 0-9 . _ -")
        }
        let key = P256.Signing.PrivateKey()
        return GatewayIdentity(
            gatewayID: gatewayID, privateKeyPEM: key.pemRepresentation, publicKeyPEM: key.publicKey.pemRepresentation)
    }
}

/// Why a provisioning step failed.
public struct ProvisioningError: Error, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String {
            case invalidGatewayID = "invalid_gateway_id"
            case io = "io"
            case exists = "exists"
            case invalidCA = "invalid_ca"
            case invalidBroker = "invalid_broker"
            case reserved = "reserved"
        }
        let value: Value
        public static let invalidGatewayID = Code(value: .invalidGatewayID)
        public static let io = Code(value: .io)
        public static let exists = Code(value: .exists)
        public static let invalidCA = Code(value: .invalidCA)
        public static let invalidBroker = Code(value: .invalidBroker)
        /// The name belongs to the hub or the broker.
        public static let reserved = Code(value: .reserved)
        public var description: String { value.rawValue }
    }

    /// The code.
    public let code: Code
    /// A message a person can act on.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
