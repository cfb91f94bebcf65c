import Crypto
import Foundation
import SwiftASN1
import X509

/// An X.509 v2 certificate revocation list (RFC 5280 §5), DER: swift-certificates reads and
/// writes certificates but not CRLs, so this writes the few fields Mosquitto (OpenSSL) needs.
package enum RevocationList {
    /// ecdsa-with-SHA256.
    static let signatureAlgorithm: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]

    /// The DER of a CRL listing `revokedSerials`, signed with `key`.
    static func der(
        issuer: DistinguishedName, revokedSerials: [[UInt8]], thisUpdate: Date, nextUpdate: Date,
        key: P256.Signing.PrivateKey
    ) throws -> [UInt8] {
        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)  // v2
            try algorithm(&coder)
            try coder.serialize(issuer)
            try coder.serialize(try time(thisUpdate))
            try coder.serialize(try time(nextUpdate))
            if !revokedSerials.isEmpty {
                try coder.appendConstructedNode(identifier: .sequence) { list in
                    for serial in revokedSerials {
                        try list.appendConstructedNode(identifier: .sequence) { entry in
                            entry.appendPrimitiveNode(identifier: .integer) { $0.append(contentsOf: serial) }
                            try entry.serialize(try time(thisUpdate))
                        }
                    }
                }
            }
        }
        let signature = try key.signature(for: tbs.serializedBytes).derRepresentation
        var list = DER.Serializer()
        try list.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(tbs.serializedBytes)
            try algorithm(&coder)
            try coder.serialize(ASN1BitString(bytes: ArraySlice(signature)))
        }
        return list.serializedBytes
    }

    /// When the revocation list in `pem` (a `X509 CRL` PEM document) expires: its `nextUpdate`.
    /// After that, OpenSSL (and so Mosquitto) refuses every client certificate of the CA.
    package static func nextUpdate(pem: String) throws -> Date {
        let document: PEMDocument
        do {
            document = try PEMDocument(pemString: pem)
        } catch {
            throw ProvisioningError(
                .invalidCA, "not a PEM file: a revocation list starts with -----BEGIN X509 CRL----- (the CA's crl.pem)")
        }
        guard document.discriminator == "X509 CRL" else {
            throw ProvisioningError(.invalidCA, "not a revocation list: the PEM block is '\(document.discriminator)'")
        }
        guard let root = try? DER.parse(document.derBytes), case .constructed(let outer) = root.content,
            let tbs = outer.first(where: { _ in true }),
            case .constructed(let fields) = tbs.content
        else { throw ProvisioningError(.invalidCA, "the revocation list's DER is not a CertificateList") }
        // version?, signature, issuer, thisUpdate, nextUpdate: the second time is nextUpdate.
        let times = fields.filter { $0.identifier == .utcTime || $0.identifier == .generalizedTime }
        guard times.count >= 2 else { throw ProvisioningError(.invalidCA, "the revocation list names no nextUpdate") }
        let node = times[1]
        var parts = DateComponents()
        if node.identifier == .utcTime, let time = try? UTCTime(derEncoded: node) {
            parts = DateComponents(
                year: time.year, month: time.month, day: time.day, hour: time.hours, minute: time.minutes,
                second: time.seconds)
        } else if let time = try? GeneralizedTime(derEncoded: node) {
            parts = DateComponents(
                year: time.year, month: time.month, day: time.day, hour: time.hours, minute: time.minutes,
                second: time.seconds)
        } else {
            throw ProvisioningError(.invalidCA, "the revocation list's nextUpdate is not a time")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        guard let date = calendar.date(from: parts) else {
            throw ProvisioningError(.invalidCA, "the revocation list's nextUpdate is not a date")
        }
        return date
    }

    /// Days left before a revocation list expires, and what to say when few remain.
    package static func expiryWarning(nextUpdate: Date, now: Date = Date(), path: String) -> String? {
        let days = Int((nextUpdate.timeIntervalSince(now) / 86_400).rounded(.down))
        if days < 0 {
            return
                "\(path) expired \(-days) days ago: the broker refuses every gateway and the hub; run 'outpostctl ca renew-crl --dir CA --install \(path)' and reload mosquitto"
        }
        if days < warningDays {
            return
                "\(path) expires in \(days) days: renew it with 'outpostctl ca renew-crl --dir CA --install \(path)' (the outpost-crl-renew.timer does so weekly where the CA lives)"
        }
        return nil
    }

    /// Warn this many days before a revocation list expires.
    package static let warningDays = 30

    private static func algorithm(_ coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { try $0.serialize(signatureAlgorithm) }
    }

    private static func time(_ date: Date) throws -> UTCTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return try UTCTime(
            year: parts.year ?? 2000, month: parts.month ?? 1, day: parts.day ?? 1, hours: parts.hour ?? 0,
            minutes: parts.minute ?? 0, seconds: parts.second ?? 0)
    }
}
