/// Hexadecimal text: of bytes and back (signatures in the JSON rendering, certificate serials,
/// hashes of secrets), and of one number at its type's full width (a register, a CRC, a
/// checksum, a float's bits). The one hex formatter.
package enum Hex {
    /// `bytes` as lowercase hex, two digits each.
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        for byte in bytes { text += digits(byte) }
        return text
    }

    /// `value` in hex, zero-padded to its type's width: `0a` for a byte, `00ff` for a 16-bit word.
    package static func digits(_ value: some FixedWidthInteger & UnsignedInteger, uppercase: Bool = false) -> String {
        let text = String(value, radix: 16, uppercase: uppercase)
        return String(repeating: "0", count: max(0, type(of: value).bitWidth / 4 - text.count)) + text
    }

    /// The bytes of `text` (either case, an even number of digits), or nil when it is not hex.
    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = digit(utf8[index]), let low = digit(utf8[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    private static func digit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }
}
