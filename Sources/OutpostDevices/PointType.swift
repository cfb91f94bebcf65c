/// The four Modbus data tables.
package enum ModbusFunction: String, Sendable, CaseIterable, Hashable {
    /// Coils, read with function 1: single bits, read-write.
    case coil
    /// Discrete inputs, function 2: single bits, read-only.
    case discrete
    /// Holding registers, function 3: 16-bit words, read-write.
    case holding
    /// Input registers, function 4: 16-bit words, read-only.
    case input

    /// The Modbus function code that reads this table.
    package var code: UInt8 {
        switch self {
        case .coil: 1
        case .discrete: 2
        case .holding: 3
        case .input: 4
        }
    }

    /// Whether the table holds bits (coils, discrete inputs) rather than registers.
    package var isBitTable: Bool { self == .coil || self == .discrete }

    /// The most items one request may read (Modbus limits: 2000 bits, 125 registers).
    package var maximumPerRequest: Int { isBitTable ? 2000 : 125 }
}

/// How a point's raw data is typed.
package enum PointType: String, Sendable, CaseIterable, Hashable {
    case bool, int16, uint16, int32, uint32, int64, uint64, float32, float64

    /// Registers the type spans (bits tables: one bit).
    package var registerCount: Int {
        switch self {
        case .bool, .int16, .uint16: 1
        case .int32, .uint32, .float32: 2
        case .int64, .uint64, .float64: 4
        }
    }

    /// Whether the type is an integer (so it can hold a bit field).
    package var isInteger: Bool { self != .float32 && self != .float64 && self != .bool }

    /// Width in bits of the value.
    package var bitWidth: Int { self == .bool ? 1 : registerCount * 16 }
}

/// The order of bytes and 16-bit words of multi-byte values, named after where bytes A (most
/// significant) to D land: ABCD big-endian (the Modbus standard), CDAB word-swapped (common in
/// meters), BADC byte-swapped, DCBA little-endian. For 64-bit values the same rule applies to
/// four words; for 16-bit values only the byte swap matters.
package enum WordOrder: String, Sendable, CaseIterable, Hashable {
    case abcd = "ABCD"
    case cdab = "CDAB"
    case badc = "BADC"
    case dcba = "DCBA"

    /// Whether the registers arrive least significant word first.
    package var swapsWords: Bool { self == .cdab || self == .dcba }
    /// Whether the two bytes of each register are swapped.
    package var swapsBytes: Bool { self == .badc || self == .dcba }
}
