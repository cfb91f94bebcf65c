/// Maps signed integers to unsigned ones so that small magnitudes of either sign stay small:
/// 0 → 0, -1 → 1, 1 → 2, -2 → 3, …
@inline(__always)
func zigZagEncode(_ value: Int64) -> UInt64 {
    UInt64(bitPattern: (value &<< 1) ^ (value &>> 63))
}

/// The inverse of `zigZagEncode`.
@inline(__always)
func zigZagDecode(_ value: UInt64) -> Int64 {
    Int64(bitPattern: value &>> 1) ^ -Int64(bitPattern: value & 1)
}
