extension Chunk {
    /// Why the payload disagrees with the header, or nil: it must decode, and the time span and
    /// summary in the header must be exactly those of the decoded samples, since the hub answers
    /// queries from them without decoding.
    package func payloadProblem() -> String? {
        let columns: SampleColumns
        do {
            columns = try decode()
        } catch {
            return "payload does not decode: \(error)"
        }
        let times = columns.timestamps
        if times.min() != minTimestamp || times.max() != maxTimestamp {
            return "header time span differs from the samples'"
        }
        if !ChunkSummary(columns).isIdentical(to: summary) {
            return "header summary differs from the samples'"
        }
        return nil
    }

    /// Decompresses the samples.
    ///
    /// Safe on any input: a payload that ends early, carries bits past its last sample or holds a
    /// reserved quality is refused with `WireError`; memory use is bounded by the sample count,
    /// which the record parser has already checked against the payload's size and the limits.
    package func decode() throws(WireError) -> SampleColumns {
        let count = self.count
        let first = firstTimestamp
        let resolution = self.resolution
        let hasQualities = self.hasQualities
        return try BitReader.withPaddedBits(payload) { (bits: inout BitReader) throws(WireError) -> SampleColumns in
            let timestamps = try Self.readTimestamps(count: count, first: first, from: &bits)
            let values: [Double]
            if let resolution {
                values = try Self.readQuantised(count: count, resolution: resolution, from: &bits)
            } else {
                values = try Self.readXOR(count: count, from: &bits)
            }
            let qualities = hasQualities ? try Self.readQualities(count: count, from: &bits) : nil
            try bits.checkNotOverrun("chunk.payload")
            guard bits.remainingBits < 8 else {
                throw .malformed(
                    field: "chunk.payload", offset: bits.position / 8, reason: "bytes left after the last sample")
            }
            return SampleColumns(timestamps: timestamps, values: values, qualities: qualities)
        }
    }

    private static func readTimestamps(count: Int, first: Int64, from bits: inout BitReader) throws(WireError)
        -> [Int64]
    {
        return try column(count: count) {
            (times: UnsafeMutableBufferPointer<Int64>) throws(WireError) in
            times[0] = first
            var previous = first
            var delta: Int64 = 0
            for index in 1..<max(count, 1) {
                let word = bits.peek()
                var zigzag: UInt64 = 0
                if word &>> 63 != 0 {
                    switch (~word).leadingZeroBitCount {
                    case 1:
                        zigzag = ((word &<< 2) &>> 57) &+ 1
                        bits.skip(9)
                    case 2:
                        zigzag = ((word &<< 3) &>> 50) &+ 1
                        bits.skip(17)
                    case 3:
                        zigzag = ((word &<< 4) &>> 40) &+ 1
                        bits.skip(28)
                    case 4:
                        zigzag = ((word &<< 5) &>> 28) &+ 1
                        bits.skip(41)
                    default:
                        bits.skip(5)
                        zigzag = bits.read(64)
                    }
                } else {
                    bits.skip(1)
                }
                delta &+= zigZagDecode(zigzag)
                previous &+= delta
                times[index] = previous
                try bits.checkNotOverrun("chunk.payload.timestamps")
            }
        }
    }

    private static func readQuantised(count: Int, resolution: Resolution, from bits: inout BitReader) throws(WireError)
        -> [Double]
    {
        let scale = resolution.scale
        return try column(count: count) {
            (values: UnsafeMutableBufferPointer<Double>) throws(WireError) in
            var quantised: Int64 = 0
            for index in 0..<count {
                let word = bits.peek()
                var zigzag: UInt64 = 0
                if word &>> 63 != 0 {
                    switch (~word).leadingZeroBitCount {
                    case 1:
                        zigzag = ((word &<< 2) &>> 60) &+ 1
                        bits.skip(6)
                    case 2:
                        zigzag = ((word &<< 3) &>> 56) &+ 1
                        bits.skip(11)
                    case 3:
                        zigzag = ((word &<< 4) &>> 48) &+ 1
                        bits.skip(20)
                    case 4:
                        zigzag = ((word &<< 5) &>> 32) &+ 1
                        bits.skip(37)
                    case 5:
                        bits.skip(6)
                        zigzag = bits.read(64)
                    default:
                        // An escaped raw double: stored as is, the running integer is unchanged.
                        bits.skip(6)
                        values[index] = Double(bitPattern: bits.read(64))
                        try bits.checkNotOverrun("chunk.payload.values")
                        continue
                    }
                } else {
                    bits.skip(1)
                }
                quantised &+= zigZagDecode(zigzag)
                values[index] = resolution.value(of: quantised, scale: scale)
                try bits.checkNotOverrun("chunk.payload.values")
            }
        }
    }

    private static func readXOR(count: Int, from bits: inout BitReader) throws(WireError) -> [Double] {
        return try column(count: count) {
            (values: UnsafeMutableBufferPointer<Double>) throws(WireError) in
            var previous = bits.read(64)
            values[0] = Double(bitPattern: previous)
            try bits.checkNotOverrun("chunk.payload.values")
            var leading: UInt64 = 0
            var width: UInt64 = 0
            for index in 1..<max(count, 1) {
                let word = bits.peek()
                if word &>> 63 == 0 {
                    bits.skip(1)
                } else if word &>> 62 == 0b10 {
                    guard width > 0 else {
                        throw .malformed(
                            field: "chunk.payload.values", offset: bits.position / 8,
                            reason: "XOR window reused before it was set")
                    }
                    bits.skip(2)
                    let meaningful = bits.read(Int(width))
                    previous ^= meaningful &<< (64 &- leading &- width)
                } else {
                    leading = (word &<< 2) &>> 58
                    width = ((word &<< 8) &>> 58) &+ 1
                    guard leading &+ width <= 64 else {
                        throw .malformed(
                            field: "chunk.payload.values", offset: bits.position / 8,
                            reason: "XOR window wider than 64 bits")
                    }
                    bits.skip(14)
                    let meaningful = bits.read(Int(width))
                    previous ^= meaningful &<< (64 &- leading &- width)
                }
                values[index] = Double(bitPattern: previous)
                try bits.checkNotOverrun("chunk.payload.values")
            }
        }
    }

    private static func readQualities(count: Int, from bits: inout BitReader) throws(WireError) -> [Quality] {
        var result = [Quality](repeating: .good, count: count)
        var previous = Quality.good
        for index in 0..<count {
            if bits.read(1) == 1 {
                guard let quality = Quality(wireBits: bits.read(10)) else {
                    throw .malformed(
                        field: "chunk.payload.qualities", offset: bits.position / 8, reason: "reserved quality level 3")
                }
                previous = quality
            }
            result[index] = previous
            try bits.checkNotOverrun("chunk.payload.qualities")
        }
        return result
    }

    /// An array of `count` elements filled by `fill`, without zero-filling it first.
    @inline(__always)
    private static func column<Element>(
        count: Int, _ fill: (UnsafeMutableBufferPointer<Element>) throws(WireError) -> Void
    ) throws(WireError) -> [Element] {
        var failure: WireError?
        let result = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(WireError) {
                try fill(buffer)
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return result
    }
}
