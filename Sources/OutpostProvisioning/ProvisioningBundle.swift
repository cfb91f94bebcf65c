import Crypto
import Foundation
import OutpostSystem
import OutpostWire
import X509

/// Everything one gateway needs, made by `outpostctl provision`: its key (which both
/// authenticates it to the broker and signs its frames) and certificate (CN = its id), the CA
/// certificate, the fleet key's public half (`fleet.pem`: what the hub's documents are checked
/// with), the release key's public half when one is given (`release.pem`: what agent releases
/// are checked with), a complete `agent.toml`, and `first-boot.sh`, which installs the rest.
package struct ProvisioningBundle {
    /// A file of the bundle.
    package struct File: Sendable {
        /// Its name in the bundle.
        package var name: String
        /// Its bytes.
        package var bytes: [UInt8]
        /// Its mode.
        package var mode: mode_t
    }

    /// The gateway.
    package let gatewayID: String
    /// The files.
    package let files: [File]
    /// The gateway's certificate (what `outpostctl enroll` registers at the hub).
    package let certificate: Certificate

    /// Characters a gateway id may not hold: they would break MQTT topics or the broker's ACL.
    package static func checkGatewayID(_ id: String, reserved: [String] = ["outpost-hub"]) throws {
        guard BatchFrame.isValidGatewayID(id) else {
            throw ProvisioningError(
                .invalidGatewayID,
                "'\(id)' is not a gateway id: use 1-128 of A-Z a-z 0-9 . _ - (no '/', '+', '#' or spaces: they would break topics and ACLs)"
            )
        }
        guard !reserved.contains(id), !id.hasPrefix("broker-") else {
            throw ProvisioningError(.invalidGatewayID, "'\(id)' is reserved for the hub's or the broker's identity")
        }
    }

    /// Makes the bundle of `gatewayID` for `broker` (an `mqtts://` URL) with the sources in
    /// `sourcesTOML` (its `[[modbus]]`, `[[gpio]]`, `[[serial]]` tables), trusting releases
    /// signed by the key whose public half is `releaseKeyPEM`, if given.
    package static func make(
        gatewayID: String, broker: String, sourcesTOML: String, sourcesName: String,
        authority: CertificateAuthority, templates: String, configDirectory: String = "/etc/outpost",
        dataDirectory: String = "/var/lib/outpost", releaseKeyPEM: String? = nil
    ) throws -> ProvisioningBundle {
        if let releaseKeyPEM, (try? P256.Signing.PublicKey(pemRepresentation: releaseKeyPEM)) == nil {
            throw ProvisioningError(
                .invalidKey,
                "the release key is not a P-256 public key in PEM form (release.pem from outpostctl release keygen)")
        }
        try checkGatewayID(gatewayID)
        // The hub's and the broker's names are trusted by the ACL with every gateway's topics: a
        // gateway given one could read every batch and forge acknowledgements.
        guard !authority.reservedNames().contains(gatewayID), !gatewayID.hasPrefix("broker-") else {
            throw ProvisioningError(
                .reserved,
                "'\(gatewayID)' is reserved for the hub or the broker (see \(authority.folder)/reserved.txt): give the gateway another id"
            )
        }
        guard broker.hasPrefix("mqtts://") else {
            throw ProvisioningError(
                .invalidBroker, "'\(broker)' is not an mqtts:// URL: gateways connect over TLS only")
        }
        let key = P256.Signing.PrivateKey()
        let certificate = try authority.issue(commonName: gatewayID, publicKey: key.publicKey, use: .client)
        var agent = String(decoding: try FileIO.read(templates + "/agent.toml"), as: UTF8.self)
        // First: its value holds {{ETC}}.
        agent = agent.replacingOccurrences(
            of: "{{RELEASE_KEY}}",
            with: releaseKeyPEM == nil
                ? "# release_key = \"{{ETC}}/release.pem\"" : "release_key = \"{{ETC}}/release.pem\"")
        let values = [
            "{{ID}}": gatewayID, "{{BROKER}}": broker, "{{SOURCES}}": sourcesName, "{{ETC}}": configDirectory,
            "{{DATA}}": dataDirectory,
        ]
        for (placeholder, value) in values {
            agent = agent.replacingOccurrences(of: placeholder, with: value)
        }
        agent += sourcesTOML.hasSuffix("\n") ? sourcesTOML : sourcesTOML + "\n"
        var files = [
            File(name: "\(gatewayID).key", bytes: Array(key.pemRepresentation.utf8), mode: 0o600),
            File(name: "\(gatewayID).pem", bytes: Array(try certificate.serializeAsPEM().pemString.utf8), mode: 0o644),
            File(name: "ca.pem", bytes: try FileIO.read(authority.certificatePath), mode: 0o644),
            File(name: "fleet.pem", bytes: Array(try authority.fleetKey().publicPEM.utf8), mode: 0o644),
            File(name: "agent.toml", bytes: Array(agent.utf8), mode: 0o640),
            File(name: "first-boot.sh", bytes: try FileIO.read(templates + "/first-boot.sh"), mode: 0o755),
        ]
        if let releaseKeyPEM { files.append(File(name: "release.pem", bytes: Array(releaseKeyPEM.utf8), mode: 0o644)) }
        return ProvisioningBundle(gatewayID: gatewayID, files: files, certificate: certificate)
    }

    /// The certificate, PEM.
    package var certificatePEM: [UInt8] { files.first { $0.name == "\(gatewayID).pem" }?.bytes ?? [] }

    /// Writes the bundle as files in `folder`, or as a gzip'd tar when `path` ends in `.tar.gz`.
    package func write(to path: String) throws {
        if path.hasSuffix(".tar.gz") || path.hasSuffix(".tgz") {
            let archive = try TarArchive.gzipped(files.map { ("outpost/" + $0.name, $0.bytes, $0.mode) })
            try FileIO.write(archive, to: path, mode: 0o600)
            return
        }
        try FileIO.makeDirectory(path)
        for file in files { try FileIO.write(file.bytes, to: path + "/" + file.name, mode: file.mode) }
    }
}
