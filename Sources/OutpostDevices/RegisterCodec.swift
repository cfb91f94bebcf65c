/// Turns raw registers into a point's value and back, for one type, order, bit field and scaling.
///
/// `value = raw × scale + offset`; for a bit field, `raw` is the field's bits taken from the
/// integer first. Both directions are pure, so the agent (decode), the simulator and the tests
/// (encode) share one definition.
package struct RegisterCodec: Hashable, Sendable {
    /// The raw type.
    package var type: PointType
    /// Byte and word order.
    package var order: WordOrder
    /// Multiplier applied to the raw value.
    package var scale: Double
    /// Added after scaling.
    package var offset: Double
    /// The first bit of a bit field (0 = least significant), or nil for the whole value.
    package var bit: Int?
    /// The width of the bit field; 1 when `bit` is set and this is nil.
    package var bitCount: Int?

    /// Creates a codec.
    package init(
        type: PointType, order: WordOrder = .abcd, scale: Double = 1, offset: Double = 0, bit: Int? = nil,
        bitCount: Int? = nil
    ) {
        self.type = type
        self.order = order
        self.scale = scale
        self.offset = offset
        self.bit = bit
        self.bitCount = bitCount
    }

    /// The registers a value of this codec spans.
    package var registerCount: Int { type.registerCount }

    /// The raw bits of `registers` (exactly `registerCount` of them) as a big-endian integer.
    package func rawBits(_ registers: some Collection<UInt16>) -> UInt64 {
        let words = order.swapsWords ? Array(registers.reversed()) : Array(registers)
        var bits: UInt64 = 0
        for word in words {
            let ordered = order.swapsBytes ? word.byteSwapped : word
            bits = bits << 16 | UInt64(ordered)
        }
        return bits
    }

    /// The registers that hold `bits` in this order.
    package func registers(forRawBits bits: UInt64) -> [UInt16] {
        let count = registerCount
        var words: [UInt16] = []
        for index in (0..<count).reversed() {
            words.append(UInt16(truncatingIfNeeded: bits >> (UInt64(index) * 16)))
        }
        if order.swapsWords { words.reverse() }
        return order.swapsBytes ? words.map(\.byteSwapped) : words
    }

    /// The unscaled number the registers hold (after the bit field is extracted).
    package func rawValue(_ registers: some Collection<UInt16>) -> Double {
        let bits = rawBits(registers)
        if let bit {
            let width = bitCount ?? 1
            let mask: UInt64 = width >= 64 ? .max : (1 << UInt64(width)) - 1
            return Double((bits >> UInt64(bit)) & mask)
        }
        switch type {
        case .bool: return bits != 0 ? 1 : 0
        case .int16: return Double(Int16(truncatingIfNeeded: bits))
        case .uint16: return Double(UInt16(truncatingIfNeeded: bits))
        case .int32: return Double(Int32(truncatingIfNeeded: bits))
        case .uint32: return Double(UInt32(truncatingIfNeeded: bits))
        case .int64: return Double(Int64(bitPattern: bits))
        case .uint64: return Double(bits)
        case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .float64: return Double(bitPattern: bits)
        }
    }

    /// The point's value: raw × scale + offset.
    package func decode(_ registers: some Collection<UInt16>) -> Double {
        let raw = rawValue(registers)
        return scale == 1 && offset == 0 ? raw : raw * scale + offset
    }

    /// The registers that decode to `value` (as near as the type allows). Bit fields encode the
    /// field alone, with the other bits zero.
    package func encode(_ value: Double) -> [UInt16] {
        let raw = scale == 1 && offset == 0 ? value : (value - offset) / scale
        let bits: UInt64
        if let bit {
            let width = bitCount ?? 1
            let mask: UInt64 = width >= 64 ? .max : (1 << UInt64(width)) - 1
            bits = (UInt64(clamping: raw.isFinite ? Int64(raw.rounded().clamped(0, 9.2e18)) : 0) & mask) << UInt64(bit)
        } else {
            switch type {
            case .bool: bits = raw != 0 ? 1 : 0
            case .int16: bits = UInt64(UInt16(bitPattern: Int16(clamping: Self.integer(raw))))
            case .uint16: bits = UInt64(UInt16(clamping: Self.integer(raw)))
            case .int32: bits = UInt64(UInt32(bitPattern: Int32(clamping: Self.integer(raw))))
            case .uint32: bits = UInt64(UInt32(clamping: Self.integer(raw)))
            case .int64: bits = UInt64(bitPattern: Self.integer(raw))
            case .uint64: bits = raw >= 1.8446744073709552e19 ? .max : UInt64(clamping: Self.integer(raw))
            case .float32: bits = UInt64(Float(raw).bitPattern)
            case .float64: bits = raw.bitPattern
            }
        }
        return registers(forRawBits: bits)
    }

    private static func integer(_ raw: Double) -> Int64 {
        guard raw.isFinite else { return 0 }
        let rounded = raw.rounded()
        if rounded >= 9.223372036854775e18 { return .max }
        if rounded <= -9.223372036854775e18 { return .min }
        return Int64(rounded)
    }
}

extension Double {
    func clamped(_ low: Double, _ high: Double) -> Double { Swift.min(Swift.max(self, low), high) }
}
