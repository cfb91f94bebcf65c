/// The times Outpost believes a reading can carry: from 1970-01-01 (a board without a real-time
/// clock boots there) to 2200-01-01. Every time that comes from outside (a sample in a frame, a
/// `from=`/`to=` of a query, a row of a file) is checked against it at the boundary, so the
/// arithmetic behind the boundary (buckets, spans, partitions) works on values far from the edges
/// of `Int64`.
package enum TimeWindow {
    /// 1970-01-01T00:00:00Z, ns since the epoch.
    package static let lowerBound: Int64 = 0
    /// 2200-01-01T00:00:00Z, ns since the epoch (84,006 days).
    package static let upperBound: Int64 = 7_258_118_400_000_000_000
    /// The window as a range.
    package static let plausible: ClosedRange<Int64> = lowerBound...upperBound
    /// How the window reads in a message.
    package static let text = "1970-01-01 to 2200-01-01"

    /// Whether `timestamp` lies in the window.
    @inlinable
    package static func contains(_ timestamp: Int64) -> Bool { plausible.contains(timestamp) }

    /// `range` cut to the window; nil when none of it lies inside.
    package static func clamp(_ range: ClosedRange<Int64>) -> ClosedRange<Int64>? {
        guard range.upperBound >= lowerBound, range.lowerBound <= upperBound else { return nil }
        return max(range.lowerBound, lowerBound)...min(range.upperBound, upperBound)
    }
}

extension Int64 {
    /// `self + other`, held at `Int64.min`/`Int64.max` instead of trapping.
    @inlinable
    package func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self - other`, held at `Int64.min`/`Int64.max` instead of trapping.
    @inlinable
    package func subtractingSaturating(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other > 0 ? .min : .max) : difference
    }

    /// `self * other`, held at `Int64.min`/`Int64.max` instead of trapping.
    @inlinable
    package func multipliedSaturating(by other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) == (other < 0) ? .max : .min) : product
    }

    /// The largest multiple of `width` (> 0) at or below `self` (floor division), or nil when it
    /// lies below `Int64.min`.
    @inlinable
    package func flooredMultiple(of width: Int64) -> Int64? {
        precondition(width > 0, "a bucket width is positive")
        let remainder = self % width
        guard remainder < 0 else { return self - remainder }
        let (start, overflow) = (self - remainder).subtractingReportingOverflow(width)
        return overflow ? nil : start
    }

    /// `self` divided by `divisor` (> 0), rounded down, and the non-negative remainder: never traps.
    @inlinable
    package func flooredDivision(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        precondition(divisor > 0, "a divisor is positive")
        let quotient = self / divisor
        let remainder = self % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
