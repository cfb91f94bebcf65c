import OutpostWire

/// `avg|min|max|sum|count_over_time` from the minute and hour rollups, when the windows and the
/// times allow: a 30-day panel of a 1 Hz series then reads 43,200 minute rows (or 720 hourly
/// ones), not 2.6 million samples, and periods the raw retention has dropped, or that a gateway
/// under a data budget only summarised, still answer.
///
/// A rollup bucket holds [start, start + width), so a window answered from rollups is
/// [t − w, t), where a raw window is Prometheus's (t − w, t]. The two differ only by a sample
/// exactly on a minute's first nanosecond; the JSON API's buckets count such a sample the same
/// way (docs/hub.md, "Grafana").
extension PromQLEvaluator {
    /// The coarsest rollup level that answers `function` over windows `width` wide ending at
    /// each of `times`: the width and every time must be whole buckets of it.
    static func rollupLevel(for function: PromQL.Function, width: Int64, times: [Int64]) -> RollupLevel? {
        switch function {
        case .avgOverTime, .minOverTime, .maxOverTime, .sumOverTime, .countOverTime:
            return [RollupLevel.hour, .minute].first { level in
                width > 0 && width % level.width == 0 && times.allSatisfy { $0 % level.width == 0 }
            }
        case .lastOverTime, .rate, .increase:
            return nil
        }
    }

    /// `function` of `series` at each of `times`, merging the `level` buckets that start in
    /// [time − width, time); nil where no valid reading fell.
    func fromRollups(
        _ function: PromQL.Function, _ series: PrometheusSeries, level: RollupLevel, width: Int64, times: [Int64],
        _ budget: inout Int
    ) async throws -> [Double?] {
        guard let first = times.first, let last = times.last else { return [] }
        let from = first.subtractingSaturating(width)
        let to = last.subtractingSaturating(1)
        guard from <= to else { return times.map { _ in nil } }
        let buckets = try await store.rollups(of: series.key, level: level, in: from...to)
        try spend(buckets.count, &budget)
        let starts = buckets.map(\.start)
        return times.map { time in
            var aggregate = Aggregate.empty
            let lower = Self.firstIndex(in: starts, atOrAbove: time.subtractingSaturating(width))
            let upper = Self.firstIndex(in: starts, atOrAbove: time)
            for bucket in buckets[lower..<max(lower, upper)] { aggregate.merge(bucket.aggregate) }
            guard aggregate.validCount > 0 else { return nil }
            switch function {
            case .avgOverTime: return aggregate.mean
            case .minOverTime: return aggregate.min
            case .maxOverTime: return aggregate.max
            case .sumOverTime: return aggregate.sum
            case .countOverTime: return Double(aggregate.validCount)
            case .lastOverTime, .rate, .increase: return nil
            }
        }
    }

    /// The index of the first of `sorted` at or above `value`.
    static func firstIndex(in sorted: [Int64], atOrAbove value: Int64) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] >= value { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
