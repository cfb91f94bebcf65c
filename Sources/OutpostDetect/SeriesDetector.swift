/// Every detector of one series, fed its samples in time order, giving each a score.
///
/// Three robust models of the deseasonalised series run side by side: a fast one (about 30
/// samples of memory) that says where the series is now, a medium one (about 240) that averages
/// out what swings faster than that, and a normal one (about 2,000) that says where the series
/// usually is. The detectors compare a sample with the fast model (spike), the fast and medium
/// models with the normal one (level, drift), the recent spread with its usual size (variance), the run
/// of repeated values with how often the series normally repeats itself (stuck), the change
/// since the previous sample with the usual changes (rate), and the value with the hard limits.
/// Each statistic is in units of the series' own variability, so one threshold fits every
/// series; `DetectorSettings.sensitivity` scales them all. Memory is bounded: a few dozen
/// numbers, the fast model's last four hours at 17 checkpoints, a 24-bin daily profile and a
/// 168-bin weekly one keeping three weeks per bin (about 3 KB).
public struct SeriesDetector: Sendable {
    /// The settings in use.
    public let settings: DetectorSettings
    private var fast: RobustScale
    private var normal: RobustScale
    private var medium: RobustScale
    /// How far the medium model usually is from the normal one (σ-like), learned slowly.
    private var usualGap = 0.0
    /// Samples since the medium model last started afresh (the gap is judged only after a span).
    private var gapSamples = 0
    private var rates: RobustScale
    private var seasonal = SeasonalProfile()
    private var cycleInUse = SeriesCycle.none
    /// The usual size of the fast model's spread, learned slowly (log domain).
    private var usualLogSpread = 0.0
    /// How often consecutive samples are equal, learned slowly.
    private var repeatShare = 0.5
    private var run = 0
    private var previous: (timestamp: Int64, value: Double, deseasonalised: Double)?
    private var usualInterval = 0.0
    private var samples = 0
    /// Consecutive samples far from the fast model on the same side: a step, not a spike.
    private var sameSide = 0
    private var lastSide = 0.0
    /// What the current shift episode is (level or drift), while it lasts.
    private var shiftEpisode: AnomalyKind?
    /// The fast model's recent path, which tells a change of level from a drift.
    private var shape = ShiftShape()

    static let fastSpan = 30.0
    static let normalSpan = 2000.0
    static let mediumSpan = 240.0
    /// The medium model's shift (in its own units) above which a shift is suspected: the normal
    /// model learns slower and the usual gap stops learning.
    static let slowSuspicion = 3.0

    /// Creates a detector with nothing learned.
    public init(settings: DetectorSettings = DetectorSettings()) {
        self.settings = settings
        let floor = (settings.resolution ?? 0) / 2
        fast = RobustScale(span: Self.fastSpan, floor: floor)
        normal = RobustScale(span: Self.normalSpan, floor: floor)
        medium = RobustScale(span: Self.mediumSpan, floor: floor)
        rates = RobustScale(span: 500, floor: 0)
    }

    /// Scores `value` taken at `timestamp` (ns) and learns from it. Samples must come in time
    /// order; a NaN or infinite value is not scored and not learned.
    public mutating func score(_ value: Double, at timestamp: Int64) -> AnomalyScore {
        guard value.isFinite else { return .normal }
        let expected = seasonal.expected(at: timestamp)
        let deseasonalised = value - expected

        // Statistics against what was known before this sample.
        var best = AnomalyScore.normal
        func consider(_ kind: AnomalyKind, _ score: Double) {
            if score > best.value { best = AnomalyScore(value: score, kind: kind, learning: false) }
        }
        if outsideLimits(value) { consider(.limit, 1) }
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
        // A shift of level: the fast model (the last half hour or so of samples) against the
        // normal one, in units of the series' spread; and, for shifts too small to stand out of
        // the sample-to-sample movement, the medium model (four hours or so) against the normal
        // one, in units of how far apart those two usually are (learned; at least a fifth of
        // the spread, so a shift must reach 1.2 spreads at the threshold of 6).
        let shift = abs(fast.location - normal.location) / normal.scale
        let shiftThreshold = 4 * thresholdScale
        let mediumGap = medium.location - normal.location
        let slowShift = gapSamples > Int(Self.mediumSpan) ? abs(mediumGap) / max(usualGap, 0.2 * normal.scale) : 0
        let slowThreshold = 6 * thresholdScale
        if shift > shiftThreshold || slowShift > slowThreshold {
            if shiftEpisode == nil { shiftEpisode = shape.kind(location: fast.location, normal: normal.location) }
            let kind = shiftEpisode ?? .drift
            consider(kind, AnomalyScore.excess(shift, over: shiftThreshold))
            consider(kind, AnomalyScore.excess(slowShift, over: slowThreshold))
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
            let interval = (Double(timestamp) - Double(previous.timestamp)) / 1e9
            let gap = usualInterval > 0 && interval > 10 * usualInterval
            run = gap ? 0 : (abs(value - previous.value) <= tolerance ? run + 1 : 0)
            if interval > 0, !gap {
                // Against the cycle: a plant that stops at a set hour every week changes fast,
                // but not faster than its cycle says.
                let change = (deseasonalised - previous.deseasonalised) / interval
                rate = change
                if rates.count > 10 {
                    consider(.rate, AnomalyScore.excess(abs(rates.deviation(change)), over: 12 * thresholdScale, unit: 2))
                }
            }
            if interval > 0 {
                usualInterval += (interval - usualInterval) * (usualInterval == 0 ? 1 : 0.01)
                // The least rate spread believed: half a resolution step per usual interval, so
                // a quantised series that mostly repeats itself cannot shrink it to nothing.
                rates.floor = tolerance / usualInterval
            }
        }
        if run >= 10 {
            let surprise = Double(run) * -log(max(min(repeatShare, 0.999), 0.01))
            consider(.stuck, AnomalyScore.excess(surprise, over: 20 * thresholdScale, unit: 5))
        }

        // Learning from the sample.
        samples += 1
        fast.update(deseasonalised)
        shape.record(fast.location, sample: samples)
        // Once the daily cycle is settled (two days), the normal model learns ten times slower
        // while the level looks shifted: a shift is reported for as long as it lasts (hours at
        // 1 Hz, days at one a minute), then accepted. Before that it learns at full pace, so a
        // cycle not yet subtracted cannot lock it away from the series.
        let suspect = shift > 2.5 || slowShift > Self.slowSuspicion
        normal.update(deseasonalised, pace: seasonal.settled && suspect ? 0.1 : 1)
        medium.update(deseasonalised)
        // The medium model never stays further from normal than the fast one (plus a spread):
        // once a fault is over, its memory of the fault is stale and must not echo for hours.
        let bound = abs(fast.location - normal.location) + normal.scale
        if abs(medium.location - normal.location) > bound {
            medium.rebase(to: normal.location + (medium.location > normal.location ? bound : -bound))
        }
        gapSamples += 1
        if gapSamples > Int(Self.mediumSpan), slowShift < Self.slowSuspicion {
            // Huber-clipped, like the models: the usual gap is not taught by the shifts it finds.
            let clipped = usualGap > 0 ? min(abs(mediumGap), 4 * usualGap) : abs(mediumGap)
            usualGap += (1.2533 * clipped - usualGap) / min(Double(gapSamples) - Self.mediumSpan, Self.normalSpan)
        }
        if let rate { rates.update(rate) }
        if fast.count > Int(Self.fastSpan), fast.spread > 0 {
            let weight = max(1 / Double(fast.count - Int(Self.fastSpan)), 1 / Self.normalSpan)
            let logSpread = log(max(fast.spread, fast.floor, 1e-300))
            usualLogSpread = usualLogSpread == 0 ? logSpread : usualLogSpread + weight * (logSpread - usualLogSpread)
        }
        if previous != nil, best.kind != .stuck {
            repeatShare += (run > 0 ? 1 - repeatShare : -repeatShare) / min(Double(samples), Self.normalSpan)
        }
        previous = (timestamp, value, deseasonalised)
        seasonal.update(value, at: timestamp, spread: fast.scale)
        if seasonal.cycle != cycleInUse {
            // A cycle starts (or stops) being subtracted: move both models with it. The normal
            // model's spread was learned with the cycle in it: it learns again.
            let change = seasonal.expected(at: timestamp) - expected
            fast.rebase(to: fast.location - change)
            normal.relearn(location: fast.location, spread: fast.spread)
            medium.rebase(to: fast.location)
            previous?.deseasonalised -= change
            usualGap = 0
            gapSamples = 0
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
        if outsideLimits(value) { return AnomalyScore(value: 1, kind: .limit, learning: false) }
        let deviation = abs(normal.deviation(value - seasonal.expected(at: timestamp)))
        let score = AnomalyScore.excess(deviation, over: 6 * thresholdScale)
        return score > 0 ? AnomalyScore(value: score, kind: .spike, learning: false) : .normal
    }

    /// Every threshold is multiplied by this: 1 / sensitivity.
    private var thresholdScale: Double { 1 / max(settings.sensitivity, 0.01) }

    /// Whether `value` is beyond the hard limits.
    private func outsideLimits(_ value: Double) -> Bool {
        if let lower = settings.lowerLimit, value < lower { return true }
        if let upper = settings.upperLimit, value > upper { return true }
        return false
    }
}

#if canImport(Glibc)
    import Glibc
#endif
