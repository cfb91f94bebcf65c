import Crypto
import OutpostSigning
import OutpostWire

/// A gateway's signing identity: its id and P-256 key pair, in the PEM forms `outpostctl`
/// writes into a provisioning bundle (private key) and enrols at the hub (public key).
package struct GatewayIdentity: Sendable {
    /// The gateway id (the certificate CN and the frame's gateway id).
    package let gatewayID: String
    /// The private key, PKCS#8 PEM. Secret: never log it.
    package let privateKeyPEM: String
    /// The public key, SubjectPublicKeyInfo PEM.
    package let publicKeyPEM: String

    /// Generates a new identity for `gatewayID`.
    package static func generate(gatewayID: String) throws(ProvisioningError) -> GatewayIdentity {
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
package struct ProvisioningError: Error, Hashable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: String {
            case invalidGatewayID = "invalid_gateway_id"
            case io = "io"
            case exists = "exists"
            case invalidCA = "invalid_ca"
            case invalidBroker = "invalid_broker"
            case reserved = "reserved"
            case invalidKey = "invalid_key"
        }
        let value: Value
        package static let invalidGatewayID = Code(value: .invalidGatewayID)
        package static let io = Code(value: .io)
        package static let exists = Code(value: .exists)
        package static let invalidCA = Code(value: .invalidCA)
        package static let invalidBroker = Code(value: .invalidBroker)
        /// The name belongs to the hub or the broker.
        package static let reserved = Code(value: .reserved)
        /// A key given on the command line is not one.
        package static let invalidKey = Code(value: .invalidKey)
        package var description: String { value.rawValue }
    }

    /// The code.
    package let code: Code
    /// A message a person can act on.
    package let message: String

    /// Creates an error.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}
