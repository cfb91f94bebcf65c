/// How the benchmarks turn measured durations into figures.
package enum Timings {
    /// The `p`th percentile of `sorted` (ascending), NaN when empty.
    package static func percentile(_ sorted: [Double], _ p: Int) -> Double {
        sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, sorted.count * p / 100)]
    }

    /// `duration` in milliseconds.
    package static func milliseconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) * 1000
    }
}
