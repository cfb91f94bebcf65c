import OutpostWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The validity period of an X.509 certificate (PEM), read without an X.509 library: the agent
/// only needs to tell a technician that its certificate has expired, or is not valid yet
/// because the board's clock is wrong, before the broker refuses the handshake with no reason.
package struct CertificateValidity: Sendable, Hashable {
    /// Not valid before (seconds since the epoch).
    package let notBefore: Int64
    /// Not valid after (seconds since the epoch).
    package let notAfter: Int64

    /// Reads the first certificate of a PEM text; nil when there is none or it is malformed.
    package init?(pem: String) {
        guard let begin = pem.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = pem.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<pem.endIndex)
        else { return nil }
        let body = pem[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)) else { return nil }
        guard let validity = Self.validity(Array(der)) else { return nil }
        (notBefore, notAfter) = validity
    }

    /// What is wrong at `now` (seconds since the epoch), or nil when the certificate is valid.
    package func problem(at now: Int64) -> String? {
        if now > notAfter { return "expired on \(Self.format(notAfter)); renew it (outpostctl provision)" }
        if now < notBefore {
            return
                "is valid only from \(Self.format(notBefore)), and this machine's clock says \(Self.format(now)): is the clock set?"
        }
        return nil
    }

    /// `2026-11-23 18:40:00 UTC`.
    static func format(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let (year, month, day) = CivilDate.date(days: Int(days))
        func two(_ value: some BinaryInteger) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60)) UTC"
    }

    // MARK: DER

    /// Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
    /// signature, issuer, validity SEQUENCE { notBefore Time, notAfter Time }, … }, … }
    private static func validity(_ der: [UInt8]) -> (Int64, Int64)? {
        guard let certificate = element(der, at: 0), certificate.tag == 0x30,
            let tbs = element(der, at: certificate.contents.lowerBound), tbs.tag == 0x30
        else { return nil }
        var cursor = tbs.contents.lowerBound
        if let first = element(der, at: cursor), first.tag == 0xA0 { cursor = first.end }
        for _ in 0..<3 {  // serial number, signature algorithm, issuer
            guard let skipped = element(der, at: cursor) else { return nil }
            cursor = skipped.end
        }
        guard let validity = element(der, at: cursor), validity.tag == 0x30,
            let notBefore = element(der, at: validity.contents.lowerBound),
            let notAfter = element(der, at: notBefore.end),
            let from = time(notBefore, der), let until = time(notAfter, der)
        else { return nil }
        return (from, until)
    }

    private struct Element {
        var tag: UInt8
        var contents: Range<Int>
        var end: Int { contents.upperBound }
    }

    private static func element(_ der: [UInt8], at offset: Int) -> Element? {
        guard offset + 2 <= der.count else { return nil }
        let tag = der[offset]
        var length = Int(der[offset + 1])
        var start = offset + 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...4).contains(count), start + count <= der.count else { return nil }
            length = der[start..<(start + count)].reduce(0) { $0 << 8 | Int($1) }
            start += count
        }
        guard length >= 0, start + length <= der.count else { return nil }
        return Element(tag: tag, contents: start..<(start + length))
    }

    /// UTCTime `YYMMDDHHMMSSZ` (years 1950-2049) or GeneralizedTime `YYYYMMDDHHMMSSZ`.
    private static func time(_ element: Element, _ der: [UInt8]) -> Int64? {
        let text = der[element.contents]
        guard text.last == 0x5A, text.dropLast().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let digits = text.dropLast().map { Int64($0 - 0x30) }
        func number(_ range: Range<Int>) -> Int64 { digits[range].reduce(0) { $0 * 10 + $1 } }
        var year: Int64
        var rest: ArraySlice<Int64>
        switch (element.tag, digits.count) {
        case (0x17, 12):
            year = number(0..<2)
            year += year < 50 ? 2000 : 1900
            rest = digits[2...]
        case (0x18, 14):
            year = number(0..<4)
            rest = digits[4...]
        default:
            return nil
        }
        let fields = stride(from: rest.startIndex, to: rest.endIndex, by: 2).map { rest[$0] * 10 + rest[$0 + 1] }
        let (month, day, hour, minute, second) = (fields[0], fields[1], fields[2], fields[3], fields[4])
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        return Int64(CivilDate.days(year: Int(year), month: Int(month), day: Int(day))) * 86_400 + hour * 3600
            + minute * 60 + second
    }
}

extension AgentConfiguration {
    /// What is wrong today with the certificates the uplink presents and trusts (expired, or not
    /// valid yet by this machine's clock), one line each; empty when there is nothing to say or
    /// nothing to read.
    package func certificateProblems(at now: Int64) -> [String] {
        let files = [("uplink.certificate", uplink.certificateFile), ("uplink.ca", uplink.caFile)]
        return files.compactMap { key, path in
            guard let path, let text = try? AgentFiles.readText(path), let validity = CertificateValidity(pem: text),
                let problem = validity.problem(at: now)
            else { return nil }
            return "\(key): '\(path)' \(problem)"
        }
    }
}
