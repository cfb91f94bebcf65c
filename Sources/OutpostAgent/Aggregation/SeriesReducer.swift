import OutpostWire

/// The state of one series under one aggregation mode. Pure: samples in, samples out; time
/// comes only from the samples and from `flush(before:)`.
///
/// Bad- and uncertain-quality samples never enter a min, max, mean or rate: they are counted,
/// and passed on as themselves where the mode keeps samples (raw, deadband, rate).
struct SeriesReducer: Sendable {
    let series: String
    let mode: AggregationRule.Mode
    private(set) var badSamples = 0
    private(set) var counterResets = 0
    // Deadband and rate: the last sample kept or seen.
    private var last: Sample?
    // Window: the open window's start and accumulators.
    private var window: WindowState?

    private struct WindowState: Sendable {
        var start: Int64
        var count = 0
        var bad = 0
        var minimum = Double.infinity
        var maximum = -Double.infinity
        var sum = 0.0
        var last = Double.nan
        var lastBad = Quality.good
    }

    init(series: String, mode: AggregationRule.Mode) {
        self.series = series
        self.mode = mode
    }

    /// Takes one sample; returns what goes to the outbox now.
    mutating func take(_ sample: Sample) -> [SourceSample] {
        let good = sample.quality.level == .good && sample.value.isFinite
        if !good { badSamples += 1 }
        switch mode {
        case .raw:
            return [SourceSample(series: series, sample: sample)]
        case .deadband(let absolute, let percent, let heartbeat):
            return deadband(sample, good: good, absolute: absolute, percent: percent, heartbeat: heartbeat)
        case .window(let length):
            return windowed(sample, good: good, length: length)
        case .rate:
            return rate(sample, good: good)
        }
    }

    /// Closes a window that ended at or before `time`; nothing for other modes.
    mutating func flush(before time: Int64) -> [SourceSample] {
        guard case .window(let length) = mode, let open = window, open.start + nanoseconds(length) <= time else {
            return []
        }
        window = nil
        return emit(open)
    }

    /// Closes whatever is open (the agent is stopping).
    mutating func flushAll() -> [SourceSample] {
        guard let open = window else { return [] }
        window = nil
        return emit(open)
    }

    private mutating func deadband(
        _ sample: Sample, good: Bool, absolute: Double?, percent: Double?, heartbeat: Duration
    ) -> [SourceSample] {
        var keep = true
        if let previous = last, previous.quality == sample.quality,
            sample.timestamp - previous.timestamp < nanoseconds(heartbeat)
        {
            if good {
                let change = abs(sample.value - previous.value)
                let byAbsolute = absolute.map { change > $0 } ?? false
                let byPercent = percent.map { change > abs(previous.value) * $0 / 100 } ?? false
                keep = byAbsolute || byPercent
            } else {
                keep = false  // the same failure again: its start was kept, the heartbeat repeats it
            }
        }
        guard keep else { return [] }
        last = sample
        return [SourceSample(series: series, sample: sample)]
    }

    private mutating func windowed(_ sample: Sample, good: Bool, length: Duration) -> [SourceSample] {
        let size = nanoseconds(length)
        let start = sample.timestamp - (((sample.timestamp % size) + size) % size)
        var output: [SourceSample] = []
        if let open = window, open.start != start {
            // A sample of another window (the next one, or a late one after a clock step): close.
            output = emit(open)
            window = nil
        }
        var state = window ?? WindowState(start: start)
        if good {
            state.count += 1
            state.minimum = min(state.minimum, sample.value)
            state.maximum = max(state.maximum, sample.value)
            state.sum += sample.value
            state.last = sample.value
        } else {
            state.bad += 1
            state.lastBad = sample.quality
        }
        window = state
        return output
    }

    private func emit(_ state: WindowState) -> [SourceSample] {
        let time = state.start
        var output: [SourceSample] = []
        if state.count > 0 {
            output = [
                SourceSample("\(series).min", at: time, state.minimum),
                SourceSample("\(series).max", at: time, state.maximum),
                SourceSample("\(series).mean", at: time, state.sum / Double(state.count)),
                SourceSample("\(series).last", at: time, state.last),
            ]
        } else {
            // Only failures in this window: say so, with their quality, rather than say nothing.
            output = ["min", "max", "mean", "last"].map {
                SourceSample("\(series).\($0)", at: time, .nan, state.lastBad)
            }
        }
        output.append(SourceSample("\(series).count", at: time, Double(state.count)))
        if state.bad > 0 { output.append(SourceSample("\(series).bad", at: time, Double(state.bad))) }
        return output
    }

    private mutating func rate(_ sample: Sample, good: Bool) -> [SourceSample] {
        guard good else {
            return [SourceSample("\(series).rate", at: sample.timestamp, .nan, sample.quality)]
        }
        defer { last = sample }
        guard let previous = last, sample.timestamp > previous.timestamp else { return [] }
        guard sample.value >= previous.value else {
            counterResets += 1  // reset or wrap: start again from here
            return []
        }
        let seconds = Double(sample.timestamp - previous.timestamp) / 1e9
        return [SourceSample("\(series).rate", at: sample.timestamp, (sample.value - previous.value) / seconds)]
    }

    private func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
