/// What a chunk holds at a glance, so the hub answers most chart queries without decoding it.
///
/// Covers the samples of good quality with finite values ("valid" samples); the others are counted
/// in the chunk's `count` only. Every statistic is NaN when no sample is valid.
package struct ChunkSummary: Sendable {
    /// How many samples are good and finite.
    package var validCount: Int
    /// The smallest valid value.
    package var min: Double
    /// The largest valid value.
    package var max: Double
    /// The sum of the valid values.
    package var sum: Double
    /// The first valid value in sample order.
    package var first: Double
    /// The last valid value in sample order.
    package var last: Double

    /// A summary of no valid samples.
    package static let empty = ChunkSummary(validCount: 0, min: .nan, max: .nan, sum: .nan, first: .nan, last: .nan)

    /// Creates a summary.
    package init(validCount: Int, min: Double, max: Double, sum: Double, first: Double, last: Double) {
        self.validCount = validCount
        self.min = min
        self.max = max
        self.sum = sum
        self.first = first
        self.last = last
    }

    /// Computes the summary of decoded samples.
    package init(_ columns: SampleColumns) {
        var summary = ChunkSummary.empty
        for index in 0..<columns.count where columns.quality(at: index) == .good {
            summary.add(columns.values[index])
        }
        self = summary
    }

    /// The mean of the valid values; NaN when there are none.
    package var mean: Double { validCount == 0 ? .nan : sum / Double(validCount) }

    /// Adds one good value in sample order; non-finite values are not valid and are skipped.
    @inline(__always)
    mutating func add(_ value: Double) {
        guard value.isFinite else { return }
        if validCount == 0 {
            min = value
            max = value
            sum = value
            first = value
        } else {
            if value < min { min = value }
            if value > max { max = value }
            sum += value
        }
        last = value
        validCount += 1
    }

    /// Compares bit for bit, so two empty summaries (all NaN) are identical.
    package func isIdentical(to other: ChunkSummary) -> Bool {
        validCount == other.validCount && min.bitPattern == other.min.bitPattern
            && max.bitPattern == other.max.bitPattern && sum.bitPattern == other.sum.bitPattern
            && first.bitPattern == other.first.bitPattern && last.bitPattern == other.last.bitPattern
    }
}
