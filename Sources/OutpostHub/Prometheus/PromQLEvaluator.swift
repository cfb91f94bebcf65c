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
        var budget = Budget(limit: maxSamples)
        return try await evaluate(query, times, &budget)
    }

    /// What one query may cost: samples (or rollup rows) read from the store, and samples taken
    /// into windows across its steps, which can be far more than it reads: `avg_over_time(x[30d])`
    /// at 11,000 one-minute steps reads 43,200 minute rows and would merge 475 million.
    struct Budget {
        let limit: Int64
        private(set) var samplesRead: Int64 = 0
        private(set) var samplesScanned: Int64 = 0

        init(limit: Int) { self.limit = Int64(limit) }

        /// At most `limit` read.
        mutating func read(_ count: Int) throws(PromQLError) {
            samplesRead = samplesRead.addingSaturating(Int64(count))
            guard samplesRead <= limit else {
                throw PromQLError(
                    "the query reads more than \(limit) samples; ask for a shorter range, a wider step or fewer series")
            }
        }

        /// At most ten times `limit` taken into windows.
        mutating func scan(_ count: Int) throws(PromQLError) {
            samplesScanned = samplesScanned.addingSaturating(Int64(count))
            guard samplesScanned <= limit.multipliedSaturating(by: 10) else {
                throw PromQLError(
                    "the query's windows take in more than \(limit.multipliedSaturating(by: 10)) samples across its steps; "
                        + "ask for a wider step or a shorter window")
            }
        }
    }

    private func evaluate(_ query: PromQL, _ times: [Int64], _ budget: inout Budget) async throws -> Value {
        switch query {
        case .number(let value):
            return .scalar(Array(repeating: value, count: times.count))
        case .time:
            return .scalar(times.map { Double($0) / 1e9 })
        case .negate(let inner):
            return Self.apply(.multiply, try await evaluate(inner, times, &budget), .scalar(times.map { _ in -1 }))
        case .binary(let op, let left, let right):
            return Self.apply(op, try await evaluate(left, times, &budget), try await evaluate(right, times, &budget))
        case .selector(let selector):
            return .vector(try await newest(selector, times, &budget) { $0.value })
        case .timestamp(let selector):
            let vector = try await newest(selector, times, &budget) { Double($0.timestamp) / 1e9 }
            return .vector(Dictionary(vector.map { ($0.key.droppingName, $0.value) }) { first, _ in first })
        case .function(let function, .range(let selector, let width)):
            var result: [PrometheusSeries.Labels: [Double?]] = [:]
            let level = Self.rollupLevel(for: function, width: width, times: times)
            let matched = try await matching(selector)
            if level == nil, times.count == 1, let time = times.first {
                let after = time.subtractingSaturating(width)
                for (series, samples) in zip(matched, try await loadAll(matched, after: after, upTo: time, &budget)) {
                    try budget.scan(samples.count)
                    result[series.labels.droppingName] = [
                        Self.apply(function, samples[...], time: time, width: width)
                    ]
                }
                return .vector(result)
            }
            for series in matched {
                if let level {
                    result[series.labels.droppingName] = try await fromRollups(
                        function, series, level: level, width: width, times: times, &budget)
                    continue
                }
                let samples = try await load(series, windows: times, width: width, &budget)
                var values: [Double?] = []
                for time in times {
                    let window = Self.window(samples, after: time.subtractingSaturating(width), upTo: time)
                    try budget.scan(window.count)
                    values.append(Self.apply(function, window, time: time, width: width))
                }
                result[series.labels.droppingName] = values
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

    /// Per series `selector` picks, `property` of its newest sample within the lookback at each time.
    private func newest(
        _ selector: PromQL.Selector, _ times: [Int64], _ budget: inout Budget, _ property: (Sample) -> Double
    ) async throws -> [PrometheusSeries.Labels: [Double?]] {
        var result: [PrometheusSeries.Labels: [Double?]] = [:]
        let matched = try await matching(selector)
        // An instant query (a stat panel, a table of the fleet) reads every series in one go.
        if times.count == 1, let time = times.first {
            let all = try await loadAll(matched, after: time.subtractingSaturating(Self.lookback), upTo: time, &budget)
            for (series, samples) in zip(matched, all) { result[series.labels] = [samples.last.map(property)] }
            return result
        }
        for series in matched {
            let samples = try await load(series, windows: times, width: Self.lookback, &budget)
            result[series.labels] = times.map { time in
                Self.window(samples, after: time.subtractingSaturating(Self.lookback), upTo: time).last.map(property)
            }
        }
        return result
    }

    /// The raw samples of each series `selector` picks in (time − width, time]: what an instant
    /// query of a range vector (`name[1h]`) answers, as Prometheus gives raw data.
    func samples(_ selector: PromQL.Selector, width: Int64, at time: Int64) async throws
        -> [PrometheusSeries.Labels: [Sample]]
    {
        var budget = Budget(limit: maxSamples)
        let matched = try await matching(selector)
        let all = try await loadAll(matched, after: time.subtractingSaturating(width), upTo: time, &budget)
        return Dictionary(zip(matched.map(\.labels), all)) { first, _ in first }
    }

    /// The series `selector` picks, by their labels. A `gateway="…"` matcher narrows what the
    /// store is asked for.
    private func matching(_ selector: PromQL.Selector) async throws -> [PrometheusSeries] {
        let matchers = try selector.matchers.map(PrometheusSeries.Matcher.init)
        let gateway = selector.matchers.first { $0.label == "gateway" && $0.kind == .equal }?.value
        // A metric name picks a few of a fleet's 20,000 series: only those get their labels made.
        let name = selector.matchers.first { $0.label == "__name__" && $0.kind == .equal }?.value
        return try await store.series(gateway: gateway)
            .filter { record in name.map { PrometheusSeries.metricName(record.key.name) == $0 } ?? true }
            .map(PrometheusSeries.init)
            .filter { series in matchers.allSatisfy { $0.matches(series.labels) } }
    }

    /// The valid samples of `series` in the windows (time − width, time] ending at each of
    /// `times` (ascending), counted against the query's budget. Overlapping windows are read
    /// once; a long range with a step wider than its windows reads only the windows, so a
    /// 30-day panel of `x` at 1-hour steps reads 720 five-minute windows, not 30 days.
    private func load(_ series: PrometheusSeries, windows times: [Int64], width: Int64, _ budget: inout Budget)
        async throws -> [Sample]
    {
        var spans: [ClosedRange<Int64>] = []
        for time in times {
            let start = time.subtractingSaturating(width).addingSaturating(1)
            guard start <= time else { continue }
            if let last = spans.last, start <= last.upperBound.addingSaturating(1) {
                spans[spans.count - 1] = last.lowerBound...time
            } else {
                spans.append(start...time)
            }
        }
        var samples: [Sample] = []
        for span in spans {
            let read = Self.valid(try await QueryEngine(store: store).range(series.key, span))
            try budget.read(read.count)
            samples += read
        }
        return samples
    }

    /// The valid samples of each of `series` in (after, upTo], read in one store call.
    private func loadAll(_ series: [PrometheusSeries], after: Int64, upTo: Int64, _ budget: inout Budget) async throws
        -> [[Sample]]
    {
        let start = after.addingSaturating(1)
        guard start <= upTo else { return series.map { _ in [] } }
        var result: [[Sample]] = []
        for chunks in try await store.chunks(of: series.map(\.key), overlapping: start...upTo) {
            let samples = Self.valid(try QueryEngine.samples(of: chunks, in: start...upTo))
            try budget.read(samples.count)
            result.append(samples)
        }
        return result
    }

    /// The samples PromQL sees: good quality and finite.
    static func valid(_ samples: [Sample]) -> [Sample] { samples.filter { $0.quality == .good && $0.value.isFinite } }

    /// The samples with times in (after, upTo], by binary search.
    static func window(_ samples: [Sample], after: Int64, upTo: Int64) -> ArraySlice<Sample> {
        let lower = firstIndex(samples.count) { samples[$0].timestamp > after }
        let upper = firstIndex(samples.count) { samples[$0].timestamp > upTo }
        return lower < upper ? samples[lower..<upper] : []
    }

    /// The first index in 0..<count where `isPast` holds, for a predicate that, once true, stays
    /// true (binary search); `count` when it never holds.
    static func firstIndex(_ count: Int, where isPast: (Int) -> Bool) -> Int {
        var (low, high) = (0, count)
        while low < high {
            let middle = (low + high) / 2
            if isPast(middle) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
