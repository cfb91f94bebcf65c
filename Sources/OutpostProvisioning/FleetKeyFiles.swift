import Crypto
import Foundation
import OutpostSystem

/// The fleet key, kept with the CA: a P-256 key whose private half the hub signs its documents
/// to gateways with (`fleet-key.pem`, mode 0600, installed on the hub by `broker-config`) and
/// whose public half every gateway checks them with (`fleet.pem`, in each provisioning bundle).
/// It is not the CA's key: the hub holds it online, and the CA stays offline.
extension CertificateAuthority {
    package var fleetKeyPath: String { folder + "/fleet-key.pem" }
    package var fleetPublicKeyPath: String { folder + "/fleet.pem" }

    /// The fleet key's private and public PEM; made and kept the first time it is asked for
    /// (a CA from before the fleet key gets one then).
    @discardableResult
    package func fleetKey() throws -> (privatePEM: String, publicPEM: String) {
        if access(fleetKeyPath, F_OK) != 0 {
            let key = P256.Signing.PrivateKey()
            try FileIO.write(Array(key.pemRepresentation.utf8), to: fleetKeyPath, mode: 0o600)
            try FileIO.write(Array(key.publicKey.pemRepresentation.utf8), to: fleetPublicKeyPath, mode: 0o644)
        }
        let privatePEM = String(decoding: try FileIO.read(fleetKeyPath), as: UTF8.self)
        do {
            let key = try P256.Signing.PrivateKey(pemRepresentation: privatePEM)
            return (privatePEM, key.publicKey.pemRepresentation)
        } catch {
            throw ProvisioningError(.invalidCA, "\(fleetKeyPath) is not a P-256 key in PEM form: \(error)")
        }
    }
}
