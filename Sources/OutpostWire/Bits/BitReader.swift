/// Reads bit fields, most significant bit first, from a payload followed by zero padding.
///
/// A reader borrows memory it does not own: create it only inside `withPaddedBits`, which
/// allocates the padded copy and frees it afterwards. Every read is memory-safe whatever the
/// payload holds: the padding covers the longest field (70 bits) read from any position up to the
/// payload's end, and decoders call `checkNotOverrun` after every field group, so a hostile payload
/// ends in `WireError`, never in an out-of-bounds access.
struct BitReader {
    private let base: UnsafePointer<UInt8>
    /// Bits of real payload.
    let bitCount: Int
    /// The next bit to read.
    private(set) var position = 0

    /// Zero bytes after the payload.
    static let padding = 24

    /// Copies `payload` into a zero-padded buffer and runs `body` with a reader over it.
    static func withPaddedBits<Result>(
        _ payload: ArraySlice<UInt8>, _ body: (inout BitReader) throws(WireError) -> Result
    ) throws(WireError) -> Result {
        let count = payload.count
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: count + padding)
        defer { storage.deallocate() }
        _ = UnsafeMutableBufferPointer(start: storage, count: count).initialize(from: payload)
        (storage + count).initialize(repeating: 0, count: padding)
        var reader = BitReader(base: storage, bitCount: count * 8)
        return try body(&reader)
    }

    private init(base: UnsafePointer<UInt8>, bitCount: Int) {
        self.base = base
        self.bitCount = bitCount
    }

    /// The 64 bits starting at the read position, without consuming them.
    @inline(__always)
    func peek() -> UInt64 {
        let byte = position &>> 3
        let shift = UInt64(position & 7)
        let word = UInt64(bigEndian: UnsafeRawPointer(base + byte).loadUnaligned(as: UInt64.self))
        guard shift != 0 else { return word }
        return word &<< shift | UInt64(base[byte &+ 8]) &>> (8 &- shift)
    }

    /// Consumes `count` bits already looked at with `peek`.
    @inline(__always)
    mutating func skip(_ count: Int) {
        position &+= count
    }

    /// Reads `count` bits (1...64) as an unsigned integer.
    @inline(__always)
    mutating func read(_ count: Int) -> UInt64 {
        let value = peek() &>> UInt64(64 &- count)
        position &+= count
        return value
    }

    /// Throws when a read went past the payload's last bit.
    @inline(__always)
    func checkNotOverrun(_ field: String) throws(WireError) {
        if position > bitCount {
            throw WireError.truncated(field: field, offset: bitCount / 8)
        }
    }

    /// The bits left unread; a well-formed payload leaves fewer than eight (the last byte's padding).
    var remainingBits: Int { bitCount - position }
}
