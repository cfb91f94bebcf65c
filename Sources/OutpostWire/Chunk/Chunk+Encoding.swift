extension Chunk {
    /// Compresses samples of one series into a chunk.
    ///
    /// - Parameters:
    ///   - columns: at least one sample, in the order they were taken (timestamps may go backwards).
    ///   - resolution: quantise values to this step and store integer deltas; nil stores XOR doubles.
    ///     Values that cannot be quantised exactly (NaN, infinities, huge magnitudes) are stored raw
    ///     in either mode, so every value round-trips.
    ///   - clockSynchronised: whether the wall clock was synchronised when the samples were taken.
    ///   - firstMonotonic: the monotonic clock (ns since boot) at the first sample.
    /// - Throws: `WireError.malformed` for an empty chunk.
    package init(
        encoding columns: SampleColumns, resolution: Resolution?, clockSynchronised: Bool, firstMonotonic: Int64 = 0
    ) throws(WireError) {
        let count = columns.count
        guard count >= 1 else {
            throw .malformed(field: "chunk.count", offset: 0, reason: "a chunk holds at least one sample")
        }
        var bits = BitWriter(reservingBits: count * 8)
        let (minimum, maximum) = Self.writeTimestamps(columns.timestamps, to: &bits)
        var summary: ChunkSummary
        var quantisedSummary: QuantisedSummary?
        if let resolution {
            let stats = Self.writeQuantised(columns, resolution: resolution, to: &bits)
            summary = stats.summary
            quantisedSummary = stats.integral && summary.validCount > 0 ? stats.integers : nil
        } else {
            summary = Self.writeXOR(columns, to: &bits)
        }
        if let qualities = columns.qualities {
            Self.writeQualities(qualities, to: &bits)
        }
        let payload = bits.finish()
        self.init(
            count: count, firstTimestamp: columns.timestamps[0], minTimestamp: minimum, maxTimestamp: maximum,
            firstMonotonic: firstMonotonic, clockSynchronised: clockSynchronised, resolution: resolution,
            summary: summary, hasQualities: columns.qualities != nil, payload: payload[...],
            quantisedSummary: quantisedSummary)
    }

    /// Delta-of-delta timestamps, bucketed (`docs/wire-format.md`, "Timestamps").
    private static func writeTimestamps(_ timestamps: [Int64], to bits: inout BitWriter) -> (Int64, Int64) {
        timestamps.withUnsafeBufferPointer { times in
            var minimum = times[0]
            var maximum = times[0]
            var previous = times[0]
            var previousDelta: Int64 = 0
            for index in 1..<max(times.count, 1) {
                let time = times[index]
                if time < minimum { minimum = time }
                if time > maximum { maximum = time }
                let delta = time &- previous
                writeTimestampBucket(zigZagEncode(delta &- previousDelta), to: &bits)
                previousDelta = delta
                previous = time
            }
            return (minimum, maximum)
        }
    }

    @inline(__always)
    private static func writeTimestampBucket(_ zigzag: UInt64, to bits: inout BitWriter) {
        if zigzag == 0 {
            bits.write(0, count: 1)
            return
        }
        let n = zigzag &- 1
        if n < 1 << 7 {
            bits.write(0b10 << 7 | n, count: 9)
        } else if n < 1 << 14 {
            bits.write(0b110 << 14 | n, count: 17)
        } else if n < 1 << 24 {
            bits.write(0b1110 << 24 | n, count: 28)
        } else if n < 1 << 36 {
            bits.write(0b11110 << 36 | n, count: 41)
        } else {
            bits.write(0b11111, count: 5)
            bits.write(zigzag, count: 64)
        }
    }

    /// Bucketed deltas of a quantised integer; escapes carry raw 64-bit deltas or raw doubles.
    @inline(__always)
    private static func writeValueBucket(_ zigzag: UInt64, to bits: inout BitWriter) {
        if zigzag == 0 {
            bits.write(0, count: 1)
            return
        }
        let n = zigzag &- 1
        if n < 1 << 4 {
            bits.write(0b10 << 4 | n, count: 6)
        } else if n < 1 << 8 {
            bits.write(0b110 << 8 | n, count: 11)
        } else if n < 1 << 16 {
            bits.write(0b1110 << 16 | n, count: 20)
        } else if n < 1 << 32 {
            bits.write(0b11110 << 32 | n, count: 37)
        } else {
            bits.write(0b111110, count: 6)
            bits.write(zigzag, count: 64)
        }
    }

    @inline(__always)
    private static func writeRawValue(_ value: Double, to bits: inout BitWriter) {
        bits.write(0b111111, count: 6)
        bits.write(value.bitPattern, count: 64)
    }

    /// The statistics of the valid samples of a quantised chunk.
    private struct QuantisedStats {
        var summary = ChunkSummary.empty
        var integers = QuantisedSummary(minimum: 0, maximum: 0, first: 0, last: 0)
        /// False when a valid value was too large to quantise, so the extremes are not integers.
        var integral = true
    }

    private static func writeQuantised(
        _ columns: SampleColumns, resolution: Resolution, to bits: inout BitWriter
    ) -> QuantisedStats {
        let scale = resolution.scale
        let mantissa = Double(resolution.mantissa)
        var stats = QuantisedStats()
        let qualities = columns.qualities
        columns.values.withUnsafeBufferPointer { values in
            var previous: Int64 = 0
            for index in 0..<values.count {
                let value = values[index]
                let isGood = (qualities?[index] ?? .good) == .good
                guard let quantised = resolution.quantise(value, scale: scale, mantissaDouble: mantissa) else {
                    writeRawValue(value, to: &bits)
                    if isGood, value.isFinite {
                        stats.integral = false
                        stats.summary.add(value)
                    }
                    continue
                }
                writeValueBucket(zigZagEncode(quantised &- previous), to: &bits)
                previous = quantised
                guard isGood else { continue }
                if stats.summary.validCount == 0 {
                    stats.integers.minimum = quantised
                    stats.integers.maximum = quantised
                    stats.integers.first = quantised
                } else {
                    if quantised < stats.integers.minimum { stats.integers.minimum = quantised }
                    if quantised > stats.integers.maximum { stats.integers.maximum = quantised }
                }
                stats.integers.last = quantised
                stats.summary.add(resolution.value(of: quantised, scale: scale))
            }
        }
        return stats
    }

    /// Gorilla-style XOR of each value's bits with the previous value's.
    private static func writeXOR(_ columns: SampleColumns, to bits: inout BitWriter) -> ChunkSummary {
        var summary = ChunkSummary.empty
        let qualities = columns.qualities
        columns.values.withUnsafeBufferPointer { values in
            var previous = values[0].bitPattern
            bits.write(previous, count: 64)
            if qualities?[0] ?? .good == .good { summary.add(values[0]) }
            var leading = 64
            var trailing = 64
            for index in 1..<max(values.count, 1) {
                let value = values[index]
                if qualities?[index] ?? .good == .good { summary.add(value) }
                let current = value.bitPattern
                let xor = current ^ previous
                previous = current
                if xor == 0 {
                    bits.write(0, count: 1)
                    continue
                }
                let lead = xor.leadingZeroBitCount
                let trail = xor.trailingZeroBitCount
                if lead >= leading, trail >= trailing {
                    let width = 64 - leading - trailing
                    bits.write(0b10, count: 2)
                    bits.write(xor &>> UInt64(trailing), count: width)
                } else {
                    leading = lead
                    trailing = trail
                    let width = 64 - lead - trail
                    bits.write(0b11 << 12 | UInt64(lead) << 6 | UInt64(width - 1), count: 14)
                    bits.write(xor &>> UInt64(trail), count: width)
                }
            }
        }
        return summary
    }

    /// Qualities: '0' repeats the previous sample's quality (good before the first), '1' + 10 bits sets it.
    private static func writeQualities(_ qualities: [Quality], to bits: inout BitWriter) {
        var previous = Quality.good
        for quality in qualities {
            if quality == previous {
                bits.write(0, count: 1)
            } else {
                bits.write(1 << 10 | quality.wireBits, count: 11)
                previous = quality
            }
        }
    }
}
