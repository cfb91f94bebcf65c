import OutpostWire

extension PromQLEvaluator {
    /// `function` over the samples of one window ending at `time`, `width` wide; nil when
    /// Prometheus gives no value (an empty window; fewer than two samples for rate).
    static func apply(_ function: PromQL.Function, _ window: ArraySlice<Sample>, time: Int64, width: Int64) -> Double? {
        guard let first = window.first, let last = window.last else { return nil }
        switch function {
        case .countOverTime: return Double(window.count)
        case .lastOverTime: return last.value
        case .sumOverTime: return window.reduce(0) { $0 + $1.value }
        case .avgOverTime: return window.reduce(0) { $0 + $1.value } / Double(window.count)
        case .minOverTime: return window.reduce(Double.infinity) { Swift.min($0, $1.value) }
        case .maxOverTime: return window.reduce(-Double.infinity) { Swift.max($0, $1.value) }
        case .rate, .increase:
            guard window.count >= 2 else { return nil }
            // Prometheus's extrapolatedRate: the increase with counter resets added back,
            // extrapolated towards the window's edges by at most half a sample interval.
            var increase = last.value - first.value
            var previous = first.value
            for sample in window.dropFirst() {
                if sample.value < previous { increase += previous }
                previous = sample.value
            }
            let seconds = { (ns: Int64) in Double(ns) / 1e9 }
            let rangeStart = time.subtractingSaturating(width)
            var toStart = seconds(first.timestamp.subtractingSaturating(rangeStart))
            let toEnd = seconds(time.subtractingSaturating(last.timestamp))
            let sampled = seconds(last.timestamp.subtractingSaturating(first.timestamp))
            guard sampled > 0 else { return nil }
            let average = sampled / Double(window.count - 1)
            if increase > 0, first.value >= 0 {
                toStart = Swift.min(toStart, sampled * (first.value / increase))
            }
            let threshold = average * 1.1
            var extrapolated = sampled
            extrapolated += toStart < threshold ? toStart : average / 2
            extrapolated += toEnd < threshold ? toEnd : average / 2
            increase *= extrapolated / sampled
            return function == .rate ? increase / seconds(width) : increase
        }
    }

    /// `left op right`, number by number; a vector keeps its series (less the metric name).
    static func apply(_ op: PromQL.Operator, _ left: Value, _ right: Value) -> Value {
        func combine(_ a: Double, _ b: Double) -> Double {
            switch op {
            case .add: a + b
            case .subtract: a - b
            case .multiply: a * b
            case .divide: a / b
            }
        }
        switch (left, right) {
        case (.scalar(let a), .scalar(let b)):
            return .scalar(zip(a, b).map(combine))
        case (.vector(let vector), .scalar(let numbers)):
            return .vector(
                Dictionary(
                    vector.map { labels, values in
                        (
                            labels.droppingName,
                            zip(values, numbers).map { value, number in value.map { combine($0, number) } }
                        )
                    }, uniquingKeysWith: { first, _ in first }))
        case (.scalar(let numbers), .vector(let vector)):
            return .vector(
                Dictionary(
                    vector.map { labels, values in
                        (
                            labels.droppingName,
                            zip(numbers, values).map { number, value in value.map { combine(number, $0) } }
                        )
                    }, uniquingKeysWith: { first, _ in first }))
        case (.vector, .vector):
            return .vector([:])  // refused by the parser
        }
    }

    /// `aggregation by (labels)` of `vector`, time by time: series without a value at a time
    /// take no part in it.
    static func aggregate(
        _ aggregation: PromQL.Aggregation, by labels: [String], _ vector: [PrometheusSeries.Labels: [Double?]],
        count: Int
    ) -> [PrometheusSeries.Labels: [Double?]] {
        var groups: [PrometheusSeries.Labels: [[Double?]]] = [:]
        for (series, values) in vector { groups[series.keeping(labels), default: []].append(values) }
        return groups.mapValues { members in
            (0..<count).map { index in
                let values = members.compactMap { $0[index] }
                guard !values.isEmpty else { return nil }
                switch aggregation {
                case .sum: return values.reduce(0, +)
                case .avg: return values.reduce(0, +) / Double(values.count)
                case .min: return values.reduce(Double.infinity) { Swift.min($0, $1) }
                case .max: return values.reduce(-Double.infinity) { Swift.max($0, $1) }
                case .count: return Double(values.count)
                }
            }
        }
    }
}
