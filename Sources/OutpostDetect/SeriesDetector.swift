/// Every detector of one series, fed its samples in time order, giving each a score.
///
/// Two robust models of the deseasonalised series run side by side: a fast one (about 30 samples
/// of memory) that says where the series is now, and a normal one (about 2,000) that says where
/// it usually is. The detectors compare a sample with the fast model (spike), the fast model
/// with the normal one (level, drift), the recent spread with its usual size (variance), the run
/// of repeated values with how often the series normally repeats itself (stuck), the change
/// since the previous sample with the usual changes (rate), and the value with the hard limits.
/// Each statistic is in units of the series' own variability, so one threshold fits every
/// series; `DetectorSettings.sensitivity` scales them all. Memory is bounded: a few dozen
/// numbers, a 24-bin daily profile and a 168-bin weekly one (about 2 KB).
public struct SeriesDetector: Sendable {
    /// The settings in use.
    public let settings: DetectorSettings
    private var fast: RobustScale
    private var normal: RobustScale
    private var rates: RobustScale
    private var seasonal = SeasonalProfile()
    private var cycleInUse = SeriesCycle.none
    /// The usual size of the fast model's spread, learned slowly (log domain).
    private var usualLogSpread = 0.0
    /// How often consecutive samples are equal, learned slowly.
    private var repeatShare = 0.5
    private var run = 0
    private var previous: (timestamp: Int64, value: Double)?
    private var usualInterval = 0.0
    private var samples = 0
    /// Consecutive samples far from the fast model on the same side: a step, not a spike.
    private var sameSide = 0
    private var lastSide = 0.0
    /// What the current shift episode is (level or drift), while it lasts.
    private var shiftEpisode: AnomalyKind?
    /// The fast model's location one and two checkpoints ago (a checkpoint every 15 samples).
    private var anchors = (recent: 0.0, older: 0.0)

    static let fastSpan = 30.0
    static let normalSpan = 2000.0

    /// Creates a detector with nothing learned.
    public init(settings: DetectorSettings = DetectorSettings()) {
        self.settings = settings
        let floor = (settings.resolution ?? 0) / 2
        fast = RobustScale(span: Self.fastSpan, floor: floor)
        normal = RobustScale(span: Self.normalSpan, floor: floor)
        rates = RobustScale(span: 500, floor: 0)
    }

    /// Scores `value` taken at `timestamp` (ns) and learns from it. Samples must come in time
    /// order; a NaN or infinite value is not scored and not learned.
    public mutating func score(_ value: Double, at timestamp: Int64) -> AnomalyScore {
        guard value.isFinite else { return .normal }
        let thresholdScale = 1 / max(settings.sensitivity, 0.01)
        let expected = seasonal.expected(at: timestamp)
        let deseasonalised = value - expected

        // Statistics against what was known before this sample.
        var best = AnomalyScore.normal
        func consider(_ kind: AnomalyKind, _ score: Double) {
            if score > best.value { best = AnomalyScore(value: score, kind: kind, learning: false) }
        }
        if let lower = settings.lowerLimit, value < lower { consider(.limit, 1) }
        if let upper = settings.upperLimit, value > upper { consider(.limit, 1) }
        let deviation = fast.deviation(deseasonalised)
        let side: Double = deviation > 0 ? 1 : -1
        let spikeThreshold = 6 * thresholdScale
        // Three samples in a row beyond 4 spreads on one side (about one chance in 10^13 for
        // noise) are a step: the fast model jumps to it rather than creeping after it.
        if abs(deviation) > 4 * thresholdScale {
            sameSide = side == lastSide ? sameSide + 1 : 1
            lastSide = side
        } else {
            sameSide = 0
        }
        if sameSide >= 3 {
            fast.rebase(to: deseasonalised)
            sameSide = 0
        } else {
            consider(.spike, AnomalyScore.excess(abs(deviation), over: spikeThreshold))
        }
        let shift = abs(fast.location - normal.location) / normal.scale
        let shiftThreshold = 4 * thresholdScale
        if shift > shiftThreshold {
            // A new episode is a change of level when most of the shift happened within the
            // last half hour of samples or so, a drift when it built up slowly.
            if shiftEpisode == nil {
                let recent = abs(fast.location - anchors.older)
                shiftEpisode = recent >= 0.5 * abs(fast.location - normal.location) ? .level : .drift
            }
            consider(shiftEpisode ?? .drift, AnomalyScore.excess(shift, over: shiftThreshold))
        } else {
            shiftEpisode = nil
        }
        if fast.count > Int(Self.fastSpan), fast.spread > 0, usualLogSpread != 0 {
            let ratio = log(fast.spread) - usualLogSpread
            let quiet = exp(usualLogSpread) > 2 * fast.floor
            if ratio > 0 || quiet {
                consider(.variance, AnomalyScore.excess(abs(ratio), over: log(3) * thresholdScale, unit: 0.5))
            }
        }
        let tolerance = max((settings.resolution ?? 0) / 2, 1e-9 * max(1, abs(value)))
        var rate: Double?
        if let previous {
            let interval = Double(timestamp - previous.timestamp) / 1e9
            let gap = usualInterval > 0 && interval > 10 * usualInterval
            run = gap ? 0 : (abs(value - previous.value) <= tolerance ? run + 1 : 0)
            if interval > 0, !gap {
                let change = (value - previous.value) / interval
                rate = change
                if rates.count > 10 {
                    consider(.rate, AnomalyScore.excess(abs(rates.deviation(change)), over: 12 * thresholdScale, unit: 2))
                }
            }
            if interval > 0 { usualInterval += (interval - usualInterval) * (usualInterval == 0 ? 1 : 0.01) }
        }
        if run >= 10 {
            let surprise = Double(run) * -log(max(min(repeatShare, 0.999), 0.01))
            consider(.stuck, AnomalyScore.excess(surprise, over: 20 * thresholdScale, unit: 5))
        }

        // Learning from the sample.
        samples += 1
        fast.update(deseasonalised)
        if samples % 15 == 0 { anchors = (fast.location, anchors.recent) }
        if samples == 1 { anchors = (fast.location, fast.location) }
        // Once the daily cycle is settled (two days), the normal model learns ten times slower
        // while the level looks shifted: a shift is reported for as long as it lasts (hours at
        // 1 Hz, days at one a minute), then accepted. Before that it learns at full pace, so a
        // cycle not yet subtracted cannot lock it away from the series.
        normal.update(deseasonalised, pace: seasonal.settled && shift > 2.5 ? 0.1 : 1)
        if let rate { rates.update(rate) }
        if fast.count > Int(Self.fastSpan), fast.spread > 0 {
            let weight = max(1 / Double(fast.count - Int(Self.fastSpan)), 1 / Self.normalSpan)
            let logSpread = log(max(fast.spread, fast.floor, 1e-300))
            usualLogSpread = usualLogSpread == 0 ? logSpread : usualLogSpread + weight * (logSpread - usualLogSpread)
        }
        if previous != nil, best.kind != .stuck {
            repeatShare += (run > 0 ? 1 - repeatShare : -repeatShare) / min(Double(samples), Self.normalSpan)
        }
        previous = (timestamp, value)
        seasonal.update(value, at: timestamp, spread: fast.scale)
        if seasonal.cycle != cycleInUse {
            // A cycle starts (or stops) being subtracted: move both models with it. The normal
            // model's spread was learned with the cycle in it: it learns again.
            let change = seasonal.expected(at: timestamp) - expected
            fast.rebase(to: fast.location - change)
            normal.relearn(location: fast.location, spread: fast.spread)
            cycleInUse = seasonal.cycle
        }
        return samples <= settings.learningSamples ? .learningPeriod : best
    }

    /// The cycle the series has shown and the detectors subtract.
    public var cycle: SeriesCycle { cycleInUse }

    /// Scores a late sample, older than samples already taken in, against the state its time
    /// implies: the series' long-run level and spread (the normal model) with the cycle's
    /// expectation at that time and the hard limits. The fast, recent state of that moment is
    /// gone, so a late sample is judged as a spike against the normal. Learns nothing.
    public func scoreLate(_ value: Double, at timestamp: Int64) -> AnomalyScore {
        guard value.isFinite else { return .normal }
        guard samples > settings.learningSamples else { return .learningPeriod }
        if let lower = settings.lowerLimit, value < lower { return AnomalyScore(value: 1, kind: .limit, learning: false) }
        if let upper = settings.upperLimit, value > upper { return AnomalyScore(value: 1, kind: .limit, learning: false) }
        let deviation = abs(normal.deviation(value - seasonal.expected(at: timestamp)))
        let score = AnomalyScore.excess(deviation, over: 6 / max(settings.sensitivity, 0.01))
        return score > 0 ? AnomalyScore(value: score, kind: .spike, learning: false) : .normal
    }
}

#if canImport(Glibc)
    import Glibc
#endif
