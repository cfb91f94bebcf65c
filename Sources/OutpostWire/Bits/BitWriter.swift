/// Appends bit fields, most significant bit first, to a growing byte array.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    /// Pending bits, right-aligned.
    private var accumulator: UInt64 = 0
    /// How many bits of `accumulator` are pending (0..<64).
    private var pending = 0

    init(reservingBits: Int = 0) {
        bytes.reserveCapacity(reservingBits / 8 + 16)
    }

    /// The number of bits written so far.
    var bitCount: Int { bytes.count * 8 + pending }

    /// Writes the low `count` bits of `value` (1...64). Bits above `count` must be zero.
    @inline(__always)
    mutating func write(_ value: UInt64, count: Int) {
        let free = 64 - pending
        if count < free {
            accumulator = accumulator &<< UInt64(count) | value
            pending += count
            return
        }
        let spill = count - free
        let head = free == 64 ? value &>> UInt64(spill) : (accumulator &<< UInt64(free)) | (value &>> UInt64(spill))
        appendWord(head)
        accumulator = spill == 0 ? 0 : value & ((1 &<< UInt64(spill)) &- 1)
        pending = spill
    }

    /// Writes one bit.
    @inline(__always)
    mutating func write(bit: Bool) {
        write(bit ? 1 : 0, count: 1)
    }

    @inline(__always)
    private mutating func appendWord(_ word: UInt64) {
        withUnsafeBytes(of: word.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Flushes the pending bits, padding the last byte with zeros, and returns the bytes.
    mutating func finish() -> [UInt8] {
        if pending > 0 {
            let aligned = accumulator &<< UInt64(64 - pending)
            let byteCount = (pending + 7) / 8
            withUnsafeBytes(of: aligned.bigEndian) { bytes.append(contentsOf: $0.prefix(byteCount)) }
            accumulator = 0
            pending = 0
        }
        return bytes
    }
}
