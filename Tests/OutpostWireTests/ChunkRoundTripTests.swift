import OutpostDatasets
import Testing

@testable import OutpostWire

@Suite("Chunk round trip")
struct ChunkRoundTripTests {
    static let sizes = [1, 2, 3, 64, 1000, 5000]
    static let resolutions: [Resolution?] = [
        nil, Resolution(0.1), Resolution(0.01), Resolution(1), Resolution(0.25), Resolution(1000),
    ]

    @Test("XOR doubles round-trip bit for bit", arguments: SampleShape.allCases, sizes)
    func xorIsBitExact(shape: SampleShape, size: Int) throws {
        let columns = shape.columns(count: size, seed: 7)
        let chunk = try Chunk(encoding: columns, resolution: nil, clockSynchronised: true, firstMonotonic: 123)
        let decoded = try chunk.decode()
        #expect(decoded.isIdentical(to: columns))
        #expect(chunk.payloadProblem() == nil)
        try expectRecordRoundTrip(chunk, decoded)
    }

    @Test(
        "Quantised values round-trip to the declared resolution", arguments: SampleShape.allCases,
        resolutions.compactMap { $0 })
    func quantisedIsExactToResolution(shape: SampleShape, resolution: Resolution) throws {
        for size in Self.sizes {
            let columns = shape.columns(count: size, seed: 11)
            let chunk = try Chunk(
                encoding: columns, resolution: resolution, clockSynchronised: false, firstMonotonic: -5)
            let decoded = try chunk.decode()
            #expect(decoded.timestamps == columns.timestamps)
            #expect((0..<size).allSatisfy { decoded.quality(at: $0) == columns.quality(at: $0) })
            for index in 0..<size {
                let original = columns.values[index]
                let value = decoded.values[index]
                let step = resolution.step
                if original.isFinite, original.magnitude < 0x1p39 * step {
                    // Within half a step of the original (plus the rounding of the decimal).
                    #expect(
                        (value - original).magnitude <= step * 0.501,
                        "\(shape) \(resolution): \(original) decoded as \(value)")
                } else if !original.isFinite || original.magnitude > 0x1p41 * step {
                    // NaN, infinities and magnitudes too large to quantise travel raw, bit for bit.
                    #expect(
                        value.bitPattern == original.bitPattern,
                        "\(shape) \(resolution): \(original) decoded as \(value)")
                } else {
                    #expect(value.bitPattern == original.bitPattern || (value - original).magnitude <= step * 0.501)
                }
            }
            // Decoded values are fixed points: encoding them again changes nothing.
            let again = try Chunk(
                encoding: decoded, resolution: resolution, clockSynchronised: false, firstMonotonic: -5)
            #expect(try again.decode().isIdentical(to: decoded))
            #expect(again.serialized() == chunk.serialized())
            #expect(chunk.payloadProblem() == nil)
            try expectRecordRoundTrip(chunk, decoded)
        }
    }

    @Test("Decimal values come back as the same doubles a literal gives")
    func decimalsAreExact() throws {
        let values = [21.3, -0.1, 0.7, 1234.5, 99.9, 0.3, -273.1]
        let columns = SampleColumns(timestamps: values.indices.map { Int64($0) }, values: values)
        let decoded = try Chunk(encoding: columns, resolution: Resolution(0.1), clockSynchronised: true).decode()
        #expect(decoded.values == values)
        let cents = [230.01, 229.99, 12.34, 0.07]
        let centColumns = SampleColumns(timestamps: cents.indices.map { Int64($0) }, values: cents)
        #expect(
            try Chunk(encoding: centColumns, resolution: Resolution(0.01), clockSynchronised: true).decode().values
                == cents)
    }

    @Test("Timestamps at the limits of Int64 round-trip")
    func extremeTimestamps() throws {
        let times: [Int64] = [.max, .min, 0, .max, -1, .min + 1, 1]
        let columns = SampleColumns(timestamps: times, values: times.map { _ in 1.0 })
        let chunk = try Chunk(encoding: columns, resolution: nil, clockSynchronised: true)
        #expect(try chunk.decode().timestamps == times)
        #expect(chunk.minTimestamp == .min && chunk.maxTimestamp == .max)
    }

    @Test("An empty chunk is refused, not encoded")
    func emptyIsRefused() {
        #expect(throws: WireError.self) {
            try Chunk(encoding: SampleColumns(timestamps: [], values: []), resolution: nil, clockSynchronised: true)
        }
    }

    @Test("The summary covers good, finite samples only")
    func summaryRules() throws {
        let columns = SampleColumns(
            timestamps: [1, 2, 3, 4, 5], values: [10, .nan, 30, 1000, -5],
            qualities: [.good, .good, .good, Quality(.bad, code: 4), .good])
        for resolution in [nil, Resolution(1)] {
            let summary = try Chunk(encoding: columns, resolution: resolution, clockSynchronised: true).summary
            #expect(summary.validCount == 3)
            #expect(summary.min == -5 && summary.max == 30 && summary.sum == 35)
            #expect(summary.first == 10 && summary.last == -5)
        }
        let allBad = SampleColumns(timestamps: [1], values: [.nan], qualities: [Quality(.bad, code: 1)])
        let empty = try Chunk(encoding: allBad, resolution: Resolution(0.1), clockSynchronised: true)
        #expect(empty.summary.validCount == 0 && empty.summary.min.isNaN)
        #expect(try Chunk(record: empty.serialized()).summary.isIdentical(to: empty.summary))
    }

    @Test("Regular 1 Hz readings of a slow sensor cost about a byte")
    func compressionOfTypicalSeries() throws {
        let dataset = ReferenceDataset.make(seconds: 600)
        let temperature = try #require(dataset.first { $0.name.hasSuffix("temperature") })
        let chunk = try Chunk(
            encoding: temperature.columns, resolution: temperature.resolution, clockSynchronised: true)
        #expect(Double(chunk.payloadByteCount) / 600 < 0.6)
    }

    private func expectRecordRoundTrip(_ chunk: Chunk, _ decoded: SampleColumns) throws {
        let record = chunk.serialized()
        let parsed = try Chunk(record: record)
        #expect(parsed.serialized() == record)
        #expect(parsed.count == chunk.count && parsed.firstTimestamp == chunk.firstTimestamp)
        #expect(parsed.minTimestamp == chunk.minTimestamp && parsed.maxTimestamp == chunk.maxTimestamp)
        #expect(parsed.firstMonotonic == chunk.firstMonotonic && parsed.clockSynchronised == chunk.clockSynchronised)
        #expect(parsed.summary.isIdentical(to: chunk.summary))
        #expect(try parsed.decode().isIdentical(to: decoded))
    }
}
