/// The low-S rule of ECDSA over P-256 (pure arithmetic on bytes; the check of a signature is
/// `FrameSignatureCheck` in OutpostSigning). (r, s) and (r, n − s) both verify, so frames carry
/// the low form, s ≤ n/2, and a hub refuses the high one: one frame, one valid signature.
package enum LowS {
    /// n, the order of P-256's group.
    package static let order: [UInt8] =
        Hex.decode("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551") ?? []
    /// ⌊n/2⌋.
    package static let half: [UInt8] =
        Hex.decode("7FFFFFFF800000007FFFFFFFFFFFFFFFDE737D56D38BCF4279DCE5617E3192A8") ?? []

    /// Whether `s` (32 bytes) is at most n/2.
    package static func isLow<S: Collection<UInt8>>(_ s: S) -> Bool {
        guard s.count == 32 else { return false }
        for (byte, limit) in zip(s, half) where byte != limit { return byte < limit }
        return true
    }

    /// A raw (r ‖ s) signature with s replaced by n − s when it is high: the same signature in its
    /// low form (it verifies for the same message and key).
    package static func normalized(_ raw: [UInt8]) -> [UInt8] {
        guard raw.count == 64, !isLow(raw[32...]) else { return raw }
        return complement(raw)
    }

    /// The other valid form of a raw (r ‖ s) signature: (r, n − s).
    package static func complement(_ raw: [UInt8]) -> [UInt8] {
        guard raw.count == 64 else { return raw }
        var result = Array(raw[..<32])
        var difference = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in stride(from: 31, through: 0, by: -1) {
            var value = Int(order[index]) - Int(raw[32 + index]) - borrow
            borrow = value < 0 ? 1 : 0
            if value < 0 { value += 256 }
            difference[index] = UInt8(value)
        }
        result += difference
        return result
    }

    /// A binary frame whose P-256 signature is put in its low form (its CRC written anew); any
    /// other frame as it is. An agent sends its stored frames through this, so frames signed by
    /// an older version (about half of them high-S) are still taken by a hub that refuses high S.
    /// A frame whose CRC does not match is left alone: its damage stays visible.
    package static func frame(_ bytes: [UInt8]) -> [UInt8] {
        let signatureEnd = bytes.count - 4
        let signatureStart = signatureEnd - SignatureAlgorithm.signatureByteCount
        guard signatureStart > 5, bytes[signatureStart - 1] == SignatureAlgorithm.ecdsaP256SHA256.rawValue,
            !isLow(bytes[(signatureStart + 32)..<signatureEnd]),
            Array(bytes[signatureEnd...]) == crc(bytes[..<signatureEnd])
        else { return bytes }
        let result = Array(bytes[..<signatureStart]) + normalized(Array(bytes[signatureStart..<signatureEnd]))
        return result + crc(result[...])
    }

    private static func crc(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var writer = ByteWriter(capacity: 4)
        writer.writeUInt32(CRC32C.checksum(bytes))
        return writer.bytes
    }
}
