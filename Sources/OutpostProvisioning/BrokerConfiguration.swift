import Crypto
import Foundation
import OutpostSystem
import X509

/// What `outpostctl broker-config` writes: the broker's key and certificate from the fleet CA,
/// the CA certificate and revocation list, and Mosquitto's listener configuration and ACL,
/// filled in from the templates in `provisioning/mosquitto/`.
package struct BrokerConfiguration {
    /// The names (DNS or IP) clients reach the broker by: the certificate's subject alternative names.
    package var hosts: [String]
    /// The TLS port.
    package var port: Int = 8883
    /// The address to listen on (empty: all).
    package var bind: String = ""
    /// Where the files will live on the broker (the paths written into the configuration).
    package var installDirectory: String
    /// The hub's identity (its client certificate's CN).
    package var hubIdentity: String = Self.defaultHubIdentity
    /// The hub's identity unless told otherwise: reserved in every CA.
    package static let defaultHubIdentity = "outpost-hub"

    /// Creates a configuration for a broker reached as `hosts`, installed into `installDirectory`.
    package init(hosts: [String], installDirectory: String) {
        self.hosts = hosts
        self.installDirectory = installDirectory
    }

    /// Writes the files into `folder`: `broker.key` (0600), `broker.pem`, `ca.pem`, `crl.pem`,
    /// `acl` and `outpost.conf`.
    package func write(to folder: String, authority: CertificateAuthority, templates: String) throws {
        try FileIO.makeDirectory(folder)
        guard !authority.issuedNames().contains(hubIdentity) || authority.reservedNames().contains(hubIdentity) else {
            throw ProvisioningError(
                .reserved,
                "'\(hubIdentity)' was already given to a gateway by this CA: choose another --hub-identity, or revoke that gateway first and pick a new name"
            )
        }
        let brokerName = "broker-" + (hosts.first ?? "broker")
        // Names the ACL trusts: no gateway may be provisioned under them afterwards.
        try authority.reserve(hubIdentity)
        try authority.reserve(brokerName)
        let key = P256.Signing.PrivateKey()
        let certificate = try authority.issue(
            commonName: brokerName, publicKey: key.publicKey, use: .server(names: hosts))
        try FileIO.write(Array(key.pemRepresentation.utf8), to: folder + "/broker.key", mode: 0o600)
        try FileIO.write(Array(try certificate.serializeAsPEM().pemString.utf8), to: folder + "/broker.pem")
        try FileIO.write(try FileIO.read(authority.certificatePath), to: folder + "/ca.pem")
        try FileIO.write(try FileIO.read(authority.revocationListPath), to: folder + "/crl.pem")
        let values = [
            "{{DIR}}": installDirectory, "{{PORT}}": String(port), "{{BIND}}": bind, "{{HUB}}": hubIdentity,
        ]
        for name in ["outpost.conf", "acl"] {
            var text = String(decoding: try FileIO.read(templates + "/mosquitto/" + name), as: UTF8.self)
            for (placeholder, value) in values { text = text.replacingOccurrences(of: placeholder, with: value) }
            try FileIO.write(Array(text.utf8), to: folder + "/" + name)
        }
    }

    /// A client identity (the hub's) issued by `authority`: its key (0600) and certificate.
    package static func writeClientIdentity(
        _ name: String, authority: CertificateAuthority, to folder: String
    ) throws {
        try FileIO.makeDirectory(folder)
        let key = P256.Signing.PrivateKey()
        let certificate = try authority.issue(commonName: name, publicKey: key.publicKey, use: .client)
        try FileIO.write(Array(key.pemRepresentation.utf8), to: folder + "/\(name).key", mode: 0o600)
        try FileIO.write(Array(try certificate.serializeAsPEM().pemString.utf8), to: folder + "/\(name).pem")
    }
}
