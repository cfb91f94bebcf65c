import Crypto
import Foundation
import OutpostSystem
import SwiftASN1
import X509

/// Enrolment by certificate: the hub trusts the fleet CA (`[hub] ca`), and a gateway's
/// certificate is accepted when it chains to that CA, is valid now, and names the gateway in its
/// CN. Its P-256 key is what the gateway's frames are then verified with.
package struct GatewayCertificates: Sendable {
    let roots: [Certificate]

    /// Trusts the CA certificates in the PEM file at `path`.
    package init(caFile path: String) throws {
        let text = String(decoding: try FileIO.read(path), as: UTF8.self)
        do {
            roots = try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
        } catch {
            throw GatewayCertificateError("\(path) holds no readable CA certificate: \(error)")
        }
        guard !roots.isEmpty else { throw GatewayCertificateError("\(path) holds no CA certificate") }
    }

    /// The raw P-256 public key of `pem`, once it is shown to be `gateway`'s certificate from the CA.
    package func publicKey(of pem: String, gateway: String) async throws -> [UInt8] {
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: pem)
        } catch {
            throw GatewayCertificateError("certificate: not a PEM certificate (\(error))")
        }
        let names = certificate.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }
            .map { String(describing: $0.value) }
        guard names.contains(gateway) else {
            throw GatewayCertificateError(
                "certificate: issued to '\(names.first ?? "?")', not to '\(gateway)' (its CN must be the gateway id)")
        }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy() }
        switch await verifier.validate(leaf: certificate, intermediates: CertificateStore()) {
        case .validCertificate:
            break
        case .couldNotValidate(let failures):
            let reason = failures.first.map { "\($0.policyFailureReason)" } ?? "no chain to the CA"
            throw GatewayCertificateError(
                "certificate: does not chain to the hub's fleet CA, or is not valid now (\(reason))")
        }
        guard let key = P256.Signing.PublicKey(certificate.publicKey) else {
            throw GatewayCertificateError("certificate: its key is not a P-256 key")
        }
        return Array(key.rawRepresentation)
    }
}

/// Why a gateway certificate was refused.
package struct GatewayCertificateError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
