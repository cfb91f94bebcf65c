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
        _ budget: inout Budget
    ) async throws -> [Double?] {
        guard let first = times.first, let last = times.last else { return [] }
        let from = first.subtractingSaturating(width)
        let to = last.subtractingSaturating(1)
        guard from <= to else { return times.map { _ in nil } }
        let buckets = try await store.rollups(of: series.key, level: level, in: from...to)
        try budget.read(buckets.count)
        let starts = buckets.map(\.start)
        var values: [Double?] = []
        for time in times {
            var aggregate = Aggregate.empty
            let lower = Self.firstIndex(starts.count) { starts[$0] >= time.subtractingSaturating(width) }
            let upper = Self.firstIndex(starts.count) { starts[$0] >= time }
            try budget.scan(max(0, upper - lower))
            for bucket in buckets[lower..<max(lower, upper)] { aggregate.merge(bucket.aggregate) }
            values.append(aggregate.validCount > 0 ? Self.value(of: function, aggregate) : nil)
        }
        return values
    }

    private static func value(of function: PromQL.Function, _ aggregate: Aggregate) -> Double? {
        switch function {
        case .avgOverTime: aggregate.mean
        case .minOverTime: aggregate.min
        case .maxOverTime: aggregate.max
        case .sumOverTime: aggregate.sum
        case .countOverTime: Double(aggregate.validCount)
        case .lastOverTime, .rate, .increase: nil
        }
    }
}
