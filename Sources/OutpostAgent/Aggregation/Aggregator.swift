/// Applies the configured aggregation rules to every series: the first rule whose pattern
/// matches decides; series no rule matches are kept raw. Pure, and owned by one task.
package struct Aggregator: Sendable {
    /// What aggregation has done so far.
    package struct Counts: Sendable, Hashable {
        /// Samples taken in.
        package var samplesIn = 0
        /// Samples passed on to the outbox.
        package var samplesOut = 0
        /// Bad- or uncertain-quality samples seen (never mixed into good values).
        package var badSamples = 0
        /// Counters that went backwards (reset or wrap) under a rate rule.
        package var counterResets = 0
    }

    private let rules: [AggregationRule]
    private var reducers: [String: SeriesReducer] = [:]
    /// The counts.
    package private(set) var counts = Counts()

    /// Creates an aggregator over `rules`.
    package init(rules: [AggregationRule]) {
        self.rules = rules
    }

    /// Takes samples; returns what goes to the outbox now.
    package mutating func take(_ samples: [SourceSample]) -> [SourceSample] {
        var output: [SourceSample] = []
        output.reserveCapacity(samples.count)
        for sample in samples {
            var reducer = reducers[sample.series] ?? makeReducer(sample.series)
            let badBefore = reducer.badSamples
            let resetsBefore = reducer.counterResets
            output += reducer.take(sample.sample)
            counts.badSamples += reducer.badSamples - badBefore
            counts.counterResets += reducer.counterResets - resetsBefore
            reducers[sample.series] = reducer
        }
        counts.samplesIn += samples.count
        counts.samplesOut += output.count
        return output
    }

    /// Closes windows that ended at or before `time` (nanoseconds since the epoch).
    package mutating func flush(before time: Int64) -> [SourceSample] {
        var output: [SourceSample] = []
        for key in reducers.keys.sorted() {
            guard var reducer = reducers[key] else { continue }
            let closed = reducer.flush(before: time)
            if !closed.isEmpty {
                output += closed
                reducers[key] = reducer
            }
        }
        counts.samplesOut += output.count
        return output
    }

    /// Closes every open window (at shutdown, so nothing taken is lost).
    package mutating func flushAll() -> [SourceSample] {
        var output: [SourceSample] = []
        for key in reducers.keys.sorted() {
            guard var reducer = reducers[key] else { continue }
            output += reducer.flushAll()
            reducers[key] = reducer
        }
        counts.samplesOut += output.count
        return output
    }

    private func makeReducer(_ series: String) -> SeriesReducer {
        SeriesReducer(series: series, mode: rules.first { $0.matches(series) }?.mode ?? .raw)
    }
}
