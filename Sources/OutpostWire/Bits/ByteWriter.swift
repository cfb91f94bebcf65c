/// Appends the frame's byte-aligned fields: little-endian integers, LEB128 varints, strings.
package struct ByteWriter {
    package private(set) var bytes: [UInt8] = []

    package init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    package mutating func write(_ byte: UInt8) {
        bytes.append(byte)
    }

    package mutating func write(_ raw: some Sequence<UInt8>) {
        bytes.append(contentsOf: raw)
    }

    package mutating func writeUInt32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func writeUInt64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    package mutating func writeInt64(_ value: Int64) {
        writeUInt64(UInt64(bitPattern: value))
    }

    package mutating func writeDouble(_ value: Double) {
        writeUInt64(value.bitPattern)
    }

    /// Unsigned LEB128: seven bits a byte, low bits first, high bit set on all but the last byte.
    package mutating func writeVarUInt(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Signed varint: zigzag, then LEB128.
    package mutating func writeVarInt(_ value: Int64) {
        writeVarUInt(zigZagEncode(value))
    }

    /// A UTF-8 string: varint byte length, then the bytes.
    package mutating func writeString(_ value: String) {
        let utf8 = Array(value.utf8)
        writeVarUInt(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}
