/// One reading of one series: when, what, and how much to trust it.
package struct Sample: Hashable, Sendable {
    /// Wall-clock time in nanoseconds since the Unix epoch, as the gateway's clock saw it.
    package var timestamp: Int64
    /// The value. NaN, infinities and -0.0 are carried exactly.
    package var value: Double
    /// The trust level and error code.
    package var quality: Quality

    /// Creates a sample.
    package init(timestamp: Int64, value: Double, quality: Quality = .good) {
        self.timestamp = timestamp
        self.value = value
        self.quality = quality
    }

    /// Compares samples bit for bit, so that NaN equals the same NaN and -0.0 differs from 0.0.
    package func isIdentical(to other: Sample) -> Bool {
        timestamp == other.timestamp && value.bitPattern == other.value.bitPattern && quality == other.quality
    }
}

/// The samples of one chunk as parallel columns: the shape the codec reads and writes fastest.
package struct SampleColumns: Sendable, Equatable {
    /// Timestamps in nanoseconds since the Unix epoch; may go backwards.
    package var timestamps: [Int64]
    /// Values, one per timestamp.
    package var values: [Double]
    /// Qualities, one per timestamp; `nil` means every sample is good.
    package var qualities: [Quality]?

    /// Creates columns; all given arrays must have the same length.
    package init(timestamps: [Int64], values: [Double], qualities: [Quality]? = nil) {
        precondition(timestamps.count == values.count, "timestamps and values differ in length")
        precondition(qualities.map { $0.count == timestamps.count } ?? true, "qualities differ in length")
        self.timestamps = timestamps
        self.values = values
        self.qualities = qualities
    }

    /// Creates columns from samples.
    package init(_ samples: some Collection<Sample>) {
        timestamps = samples.map(\.timestamp)
        values = samples.map(\.value)
        let qualities = samples.map(\.quality)
        self.qualities = qualities.allSatisfy { $0 == .good } ? nil : qualities
    }

    /// The number of samples.
    package var count: Int { timestamps.count }

    /// The quality of sample `index`.
    package func quality(at index: Int) -> Quality { qualities?[index] ?? .good }

    /// The samples as values.
    package var samples: [Sample] {
        (0..<count).map { Sample(timestamp: timestamps[$0], value: values[$0], quality: quality(at: $0)) }
    }

    /// Compares bit for bit (NaN payloads and the sign of zero included).
    package func isIdentical(to other: SampleColumns) -> Bool {
        guard count == other.count, timestamps == other.timestamps else { return false }
        for index in 0..<count where values[index].bitPattern != other.values[index].bitPattern {
            return false
        }
        for index in 0..<count where quality(at: index) != other.quality(at: index) {
            return false
        }
        return true
    }
}
