/// What a chunk holds at a glance, so the hub answers most chart queries without decoding it.
///
/// Covers the samples of good quality with finite values ("valid" samples); the others are counted
/// in the chunk's `count` only. Every statistic is NaN when no sample is valid.
public struct ChunkSummary: Sendable {
    /// How many samples are good and finite.
    public var validCount: Int
    /// The smallest valid value.
    public var min: Double
    /// The largest valid value.
    public var max: Double
    /// The sum of the valid values.
    public var sum: Double
    /// The first valid value in sample order.
    public var first: Double
    /// The last valid value in sample order.
    public var last: Double

    /// A summary of no valid samples.
    public static let empty = ChunkSummary(validCount: 0, min: .nan, max: .nan, sum: .nan, first: .nan, last: .nan)

    /// Creates a summary.
    public init(validCount: Int, min: Double, max: Double, sum: Double, first: Double, last: Double) {
        self.validCount = validCount
        self.min = min
        self.max = max
        self.sum = sum
        self.first = first
        self.last = last
    }

    /// Computes the summary of decoded samples.
    public init(_ columns: SampleColumns) {
        var summary = ChunkSummary.empty
        for index in 0..<columns.count where columns.quality(at: index) == .good {
            summary.add(columns.values[index])
        }
        self = summary
    }

    /// The mean of the valid values; NaN when there are none.
    public var mean: Double { validCount == 0 ? .nan : sum / Double(validCount) }

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
    public func isIdentical(to other: ChunkSummary) -> Bool {
        validCount == other.validCount && min.bitPattern == other.min.bitPattern
            && max.bitPattern == other.max.bitPattern && sum.bitPattern == other.sum.bitPattern
            && first.bitPattern == other.first.bitPattern && last.bitPattern == other.last.bitPattern
    }
}
