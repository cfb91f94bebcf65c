import OutpostWire

/// Evaluates `PromQL` over the store, at one time (an instant query) or at every step of a
/// range, the way Prometheus does: a selector takes each series' newest valid sample within
/// the last 5 minutes; `f_over_time(s[w])` the samples in (t − w, t]; `rate` and `increase`
/// with Prometheus's extrapolation and counter resets. Readings of bad quality or not finite
/// are not samples here. Series and their labels are `PrometheusSeries`.
struct PromQLEvaluator {
    let store: any HubStore
    /// The most samples one query reads.
    let maxSamples: Int

    /// How far back a selector looks for a series' newest sample.
    static let lookback: Int64 = 300_000_000_000

    /// A query's value: a number per time, or per series a value (or none) per time.
    enum Value {
        case scalar([Double])
        case vector([PrometheusSeries.Labels: [Double?]])
    }

    /// The value of `query` at each of `times` (ascending).
    func evaluate(_ query: PromQL, at times: [Int64]) async throws -> Value {
        var budget = maxSamples
        return try await evaluate(query, times, &budget)
    }

    private func evaluate(_ query: PromQL, _ times: [Int64], _ budget: inout Int) async throws -> Value {
        switch query {
        case .number(let value):
            return .scalar(Array(repeating: value, count: times.count))
        case .negate(let inner):
            return Self.apply(.multiply, try await evaluate(inner, times, &budget), .scalar(times.map { _ in -1 }))
        case .binary(let op, let left, let right):
            return Self.apply(op, try await evaluate(left, times, &budget), try await evaluate(right, times, &budget))
        case .selector(let selector):
            var result: [PrometheusSeries.Labels: [Double?]] = [:]
            for series in try await matching(selector) {
                let from = times.first.map { $0.subtractingSaturating(Self.lookback) } ?? 0
                let samples = try await load(series, from: from, to: times, &budget)
                result[series.labels] = times.map { time in
                    Self.window(samples, after: time.subtractingSaturating(Self.lookback), upTo: time).last?.value
                }
            }
            return .vector(result)
        case .function(let function, .range(let selector, let width)):
            var result: [PrometheusSeries.Labels: [Double?]] = [:]
            for series in try await matching(selector) {
                let samples = try await load(
                    series, from: (times.first ?? 0).subtractingSaturating(width), to: times, &budget)
                result[series.labels.droppingName] = times.map { time in
                    Self.apply(
                        function, Self.window(samples, after: time.subtractingSaturating(width), upTo: time),
                        time: time,
                        width: width)
                }
            }
            return .vector(result)
        case .aggregate(let aggregation, let labels, let inner):
            guard case .vector(let vector) = try await evaluate(inner, times, &budget) else {
                throw PromQLError("\(aggregation.rawValue) takes a vector, not a number")
            }
            return .vector(Self.aggregate(aggregation, by: labels, vector, count: times.count))
        case .function, .range:
            throw PromQLError("a range vector is only allowed as a function's argument")
        }
    }

    /// The series `selector` picks, by their labels.
    private func matching(_ selector: PromQL.Selector) async throws -> [PrometheusSeries] {
        let matchers = try selector.matchers.map(PrometheusSeries.Matcher.init)
        return try await store.series(gateway: nil).map(PrometheusSeries.init).filter { series in
            matchers.allSatisfy { $0.matches(series.labels) }
        }
    }

    /// The valid samples of `series` from just after `start` to the last of `times`, counted
    /// against the query's budget.
    private func load(_ series: PrometheusSeries, from start: Int64, to times: [Int64], _ budget: inout Int)
        async throws -> [Sample]
    {
        guard let end = times.last, start.addingSaturating(1) <= end else { return [] }
        let samples = try await QueryEngine(store: store).range(series.key, start.addingSaturating(1)...end)
            .filter { $0.quality == .good && $0.value.isFinite }
        budget -= samples.count
        guard budget >= 0 else {
            throw PromQLError(
                "the query reads more than \(maxSamples) samples; ask for a shorter range or fewer series")
        }
        return samples
    }

    /// The samples with times in (after, upTo], by binary search.
    static func window(_ samples: [Sample], after: Int64, upTo: Int64) -> ArraySlice<Sample> {
        func firstIndex(where above: Int64) -> Int {
            var (low, high) = (0, samples.count)
            while low < high {
                let middle = (low + high) / 2
                if samples[middle].timestamp > above { high = middle } else { low = middle + 1 }
            }
            return low
        }
        let lower = firstIndex(where: after)
        let upper = firstIndex(where: upTo)
        return lower < upper ? samples[lower..<upper] : []
    }
}
