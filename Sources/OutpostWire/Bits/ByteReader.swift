/// Reads the frame's byte-aligned fields with bounds checks on every access.
///
/// Errors carry the field name and byte offset, so a bad frame says what and where.
package struct ByteReader {
    package let bytes: [UInt8]
    package private(set) var offset: Int
    /// Reading stops here (exclusive); the frame trailer lies beyond.
    package let end: Int

    package init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = min(end ?? bytes.count, bytes.count)
    }

    package var remaining: Int { end - offset }

    package mutating func readByte(_ field: @autoclosure () -> String) throws(WireError) -> UInt8 {
        guard offset < end else { throw .truncated(field: field(), offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    package mutating func readBytes(_ count: Int, _ field: @autoclosure () -> String) throws(WireError) -> ArraySlice<
        UInt8
    > {
        guard count >= 0, count <= remaining else { throw .truncated(field: field(), offset: offset) }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    package mutating func readUInt32(_ field: @autoclosure () -> String) throws(WireError) -> UInt32 {
        let raw = try readBytes(4, field())
        return raw.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    package mutating func readUInt64(_ field: @autoclosure () -> String) throws(WireError) -> UInt64 {
        let raw = try readBytes(8, field())
        return raw.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    package mutating func readInt64(_ field: @autoclosure () -> String) throws(WireError) -> Int64 {
        Int64(bitPattern: try readUInt64(field()))
    }

    package mutating func readDouble(_ field: @autoclosure () -> String) throws(WireError) -> Double {
        Double(bitPattern: try readUInt64(field()))
    }

    /// Unsigned LEB128 of at most ten bytes; overlong or overflowing encodings are malformed.
    package mutating func readVarUInt(_ field: @autoclosure () -> String) throws(WireError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte(field())
            let bits = UInt64(byte & 0x7F)
            if shift == 63, bits > 1 {
                throw .malformed(field: field(), offset: start, reason: "varint overflows 64 bits")
            }
            result |= bits << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 {
                throw .malformed(field: field(), offset: start, reason: "varint longer than 10 bytes")
            }
        }
    }

    package mutating func readVarInt(_ field: @autoclosure () -> String) throws(WireError) -> Int64 {
        zigZagDecode(try readVarUInt(field()))
    }

    /// A varint that must not exceed `maximum` (a count or a length).
    package mutating func readCount(_ field: @autoclosure () -> String, maximum: Int, limit: String) throws(WireError)
        -> Int
    {
        let start = offset
        let value = try readVarUInt(field())
        guard value <= UInt64(maximum) else {
            throw .limitExceeded(limit: limit, value: value, maximum: UInt64(maximum), offset: start)
        }
        return Int(value)
    }

    /// A UTF-8 string of at most `maxBytes` bytes.
    package mutating func readString(_ field: @autoclosure () -> String, maxBytes: Int, limit: String) throws(WireError)
        -> String
    {
        let start = offset
        let length = try readCount(field(), maximum: maxBytes, limit: limit)
        let raw = try readBytes(length, field())
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw .malformed(field: field(), offset: start, reason: "not valid UTF-8")
        }
        return text
    }

    /// The exponent byte of a resolution whose mantissa was just read; the pair must be canonical.
    package mutating func readResolution(
        mantissa: UInt64, startingAt offset: Int, _ field: @autoclosure () -> String
    ) throws(WireError) -> Resolution {
        let exponent = Int8(bitPattern: try readByte(field()))
        guard mantissa <= UInt64(UInt32.max), let parsed = Resolution(mantissa: UInt32(mantissa), exponent: exponent),
            parsed.mantissa == UInt32(mantissa)
        else {
            throw .malformed(field: field(), offset: offset, reason: "not a canonical resolution")
        }
        return parsed
    }
}
