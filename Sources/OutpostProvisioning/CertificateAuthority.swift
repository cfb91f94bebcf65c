import Crypto
import Foundation
import OutpostSystem
import OutpostWire
import SwiftASN1
import X509

/// The fleet's offline certificate authority: a P-256 key and a self-signed certificate in a
/// folder (`ca.key` mode 0600, `ca.pem`), the certificates it issued (`issued/NAME.pem`, the
/// latest per name, and `issued.txt`, every serial ever issued with its name), the names kept for
/// the hub and the broker (`reserved.txt`) and the serials it revoked (`revoked.txt`, from which
/// `crl.pem` is written). Made with swift-certificates and swift-crypto; nothing shells out to
/// openssl.
package struct CertificateAuthority {
    /// The folder.
    package let folder: String
    /// The CA's certificate.
    package let certificate: Certificate
    private let key: P256.Signing.PrivateKey

    package var keyPath: String { folder + "/ca.key" }
    package var certificatePath: String { folder + "/ca.pem" }
    package var revocationListPath: String { folder + "/crl.pem" }
    var revokedPath: String { folder + "/revoked.txt" }
    var ledgerPath: String { folder + "/issued.txt" }
    var reservedPath: String { folder + "/reserved.txt" }
    /// How long a revocation list is valid: Mosquitto refuses every client once it has expired,
    /// so `ca renew-crl` (its timer runs weekly) writes a new one long before.
    package static let revocationListValidity: TimeInterval = 365 * 86_400

    /// Creates a new CA in `folder`; refuses to replace an existing one unless `force`.
    package static func create(in folder: String, name: String = "Outpost fleet CA", force: Bool = false) throws
        -> CertificateAuthority
    {
        if !force, access(folder + "/ca.key", F_OK) == 0 {
            throw ProvisioningError(
                .exists,
                "\(folder)/ca.key exists: a CA is already there (use --force to replace it, and re-issue every certificate)"
            )
        }
        try FileIO.makeDirectory(folder)
        try FileIO.makeDirectory(folder + "/issued")
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("Outpost")
            CommonName(name)
        }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(20 * 365 * 86_400),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            }, issuerPrivateKey: .init(key))
        try FileIO.write(Array(key.pemRepresentation.utf8), to: folder + "/ca.key", mode: 0o600)
        try FileIO.write(Array(try certificate.serializeAsPEM().pemString.utf8), to: folder + "/ca.pem", mode: 0o644)
        let authority = CertificateAuthority(folder: folder, certificate: certificate, key: key)
        try authority.writeRevocationList()
        if force { unlink(authority.fleetKeyPath) }  // a new CA, a new fleet key
        try authority.fleetKey()
        return authority
    }

    /// Opens the CA in `folder`.
    package static func open(_ folder: String) throws -> CertificateAuthority {
        let keyPEM = String(decoding: try FileIO.read(folder + "/ca.key"), as: UTF8.self)
        let certificatePEM = String(decoding: try FileIO.read(folder + "/ca.pem"), as: UTF8.self)
        do {
            return CertificateAuthority(
                folder: folder, certificate: try Certificate(pemEncoded: certificatePEM),
                key: try P256.Signing.PrivateKey(pemRepresentation: keyPEM))
        } catch {
            throw ProvisioningError(.invalidCA, "\(folder) does not hold a readable CA (ca.key, ca.pem): \(error)")
        }
    }

    /// What a certificate is for.
    package enum Use: Sendable {
        /// A TLS server (the broker) reachable as these DNS names and IP addresses.
        case server(names: [String])
        /// A TLS client (a gateway, the hub): its identity is the CN.
        case client
    }

    /// Issues a certificate for `commonName` over `publicKey`, valid for `years`; keeps a copy in
    /// `issued/`.
    package func issue(
        commonName: String, publicKey: P256.Signing.PublicKey, use: Use, years: Int = 10
    ) throws -> Certificate {
        let now = Date()
        let subject = try DistinguishedName {
            OrganizationName("Outpost")
            CommonName(commonName)
        }
        let issued = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(UInt64.random(in: 1...UInt64(Int64.max))),
            publicKey: .init(publicKey), notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(Double(years) * 365 * 86_400), issuer: certificate.subject,
            subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
                switch use {
                case .server(let names):
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(names.map(Self.alternativeName))
                case .client:
                    try ExtendedKeyUsage([.clientAuth])
                }
                AuthorityKeyIdentifier(keyIdentifier: try? certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            }, issuerPrivateKey: .init(key))
        try FileIO.makeDirectory(folder + "/issued")
        // Every serial is kept with its name, so revoking a name revokes each certificate it was
        // ever given, not only the last one.
        let ledger = (try? FileIO.read(ledgerPath)) ?? []
        try FileIO.write(
            ledger + Array("\(Hex.encode(issued.serialNumber.bytes)) \(commonName)\n".utf8), to: ledgerPath)
        try FileIO.write(Array(try issued.serializeAsPEM().pemString.utf8), to: folder + "/issued/\(commonName).pem")
        return issued
    }

    private static func alternativeName(_ name: String) -> GeneralName {
        var address = in_addr()
        if inet_pton(AF_INET, name, &address) == 1 {
            return .ipAddress(
                ASN1OctetString(contentBytes: ArraySlice(withUnsafeBytes(of: address.s_addr) { Array($0) })))
        }
        return .dnsName(name)
    }

    /// Revokes every certificate this CA issued to `commonName` (the ledger's serials, and the
    /// latest in `issued/`, which a CA made before the ledger also has) and rewrites `crl.pem`.
    /// Returns how many were revoked now; 0 when this CA issued none to that name.
    @discardableResult
    package func revoke(commonName: String) throws -> Int {
        var serials = Self.entries(ledgerPath).filter { $0.name == commonName }.map(\.serial)
        if let pem = try? FileIO.read(folder + "/issued/\(commonName).pem"),
            let issued = try? Certificate(pemEncoded: String(decoding: pem, as: UTF8.self))
        {
            serials.append(Hex.encode(issued.serialNumber.bytes))
        }
        var lines = revokedEntries().map { "\($0.serial) \($0.name)" }
        var added = Set<String>()
        for serial in serials
        where !lines.contains(where: { $0.hasPrefix(serial + " ") }) && added.insert(serial).inserted {
            lines.append("\(serial) \(commonName)")
        }
        guard !serials.isEmpty else { return 0 }
        try FileIO.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: revokedPath)
        try writeRevocationList()
        return Set(serials).count
    }

    /// The serials (hex) and names revoked so far.
    package func revokedEntries() -> [(serial: String, name: String)] { Self.entries(revokedPath) }

    /// Lines of `SERIAL NAME`.
    private static func entries(_ path: String) -> [(serial: String, name: String)] {
        guard let bytes = try? FileIO.read(path) else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return (String(parts[0]), String(parts[1]))
        }
    }

    /// Writes `crl.pem`: the revoked serials, signed by the CA, valid for
    /// `revocationListValidity` (Mosquitto reads it at start and on reload). Returns when it expires.
    @discardableResult
    package func writeRevocationList(now: Date = Date()) throws -> Date {
        let revoked = revokedEntries().compactMap { entry in Hex.decode(entry.serial) }
        let expiry = now.addingTimeInterval(Self.revocationListValidity)
        let der = try RevocationList.der(
            issuer: certificate.subject, revokedSerials: revoked, thisUpdate: now.addingTimeInterval(-60),
            nextUpdate: expiry, key: key)
        let pem = PEMDocument(type: "X509 CRL", derBytes: der).pemString
        try FileIO.write(Array((pem + "\n").utf8), to: revocationListPath)
        return expiry
    }

    /// The names no gateway may be given: the hub's identities and the broker's, which the ACL
    /// lets read every gateway's batches and write acknowledgements.
    package func reservedNames() -> Set<String> {
        let kept = (try? FileIO.read(reservedPath)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return Set(kept.split(separator: "\n").map(String.init)).union([BrokerConfiguration.defaultHubIdentity])
    }

    /// Every name this CA has issued a certificate to.
    package func issuedNames() -> Set<String> { Set(Self.entries(ledgerPath).map(\.name)) }

    /// Keeps `name` for the hub or the broker: `provision` refuses it from now on.
    package func reserve(_ name: String) throws {
        var names = reservedNames()
        guard names.insert(name).inserted else { return }
        try FileIO.write(Array((names.sorted().joined(separator: "\n") + "\n").utf8), to: reservedPath)
    }

    private init(folder: String, certificate: Certificate, key: P256.Signing.PrivateKey) {
        self.folder = folder
        self.certificate = certificate
        self.key = key
    }
}
