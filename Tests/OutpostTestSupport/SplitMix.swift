/// A small deterministic generator (SplitMix64), so a test's data is the same every run.
package struct SplitMix {
    package var state: UInt64

    package init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    package mutating func nextBits() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next value in 0..<100.
    package mutating func next() -> Double { Double(nextBits() >> 11) / Double(1 << 53) * 100 }
}
