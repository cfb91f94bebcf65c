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
package struct SeriesDetector: Sendable {
    /// The settings in use.
    package let settings: DetectorSettings
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
    /// What the current shift episode is (level or drift), while it lasts, and when it began.
    private var shiftEpisode: AnomalyKind?
    private var shiftStart: Int64?
    /// Where the fast model has stayed during the shift, and since when.
    private var steadyLocation = 0.0
    private var steadySince: Int64 = 0
    /// Levels the series was normal at before, and each hour's largest jumps on earlier days.
    private var known = KnownLevels()
    /// Switches to a known level lately (fading over a week), and the last one.
    private var switches = 0.0
    private var lastSwitch: Int64 = 0
    private var spikePeaks = DailyPeaks()
    private var ratePeaks = DailyPeaks()
    private var variancePeaks = DailyPeaks()
    /// How rare each statistic's values are for this series.
    private var spikes = Rarity.spike()
    private var shifts = Rarity.shift()
    private var slowShifts = Rarity.slowShift()
    private var variances = Rarity.variance()
    private var rateRarity = Rarity.rate()
    /// The fast model's recent path, which tells a change of level from a drift.
    private var shape = ShiftShape()

    static let fastSpan = 30.0
    static let normalSpan = 2000.0
    static let mediumSpan = 240.0

    /// Creates a detector with nothing learned.
    package init(settings: DetectorSettings = DetectorSettings()) {
        self.settings = settings
        let floor = (settings.resolution ?? 0) / 2
        fast = RobustScale(span: Self.fastSpan, floor: floor)
        normal = RobustScale(span: Self.normalSpan, floor: floor)
        medium = RobustScale(span: Self.mediumSpan, floor: floor)
        rates = RobustScale(span: 500, floor: 0)
    }

    /// Scores `value` taken at `timestamp` (ns) and learns from it. Samples come in time order
    /// (an older one is scored as its place implies, against the state now); a NaN or infinite
    /// value is not scored and not learned.
    package mutating func score(_ value: Double, at timestamp: Int64) -> AnomalyScore {
        guard value.isFinite else { return .normal }
        let expected = seasonal.expected(at: timestamp)
        let deseasonalised = value - expected

        // Statistics against what was known before this sample, each made a number of decades
        // of rarity by its own history (`Rarity`).
        var best = AnomalyScore.normal
        let sensitivity = max(settings.sensitivity, 0.01)
        let learning = samples < settings.learningSamples
        let (instant, lasting) = thresholds
        func consider(_ kind: AnomalyKind, decades: Double, over threshold: Double) {
            let score = min(1, max(0, decades * sensitivity / (2 * threshold)))
            if score > best.value { best = AnomalyScore(value: score, kind: kind, learning: false) }
        }
        if outsideLimits(value) { consider(.limit, decades: .infinity, over: instant) }
        // After a gap (ten usual intervals without a sample: a device that did not answer, a
        // source stopped), the series has moved on unseen: the first sample is where it is now,
        // not a spike against where it was. A shift over the gap still shows as a shift.
        let interval = previous.map { (Double(timestamp) - Double($0.timestamp)) / 1e9 } ?? 0
        let gap = usualInterval > 0 && interval > 10 * usualInterval
        if gap {
            fast.rebase(to: deseasonalised)
            sameSide = 0
        }
        let deviation = fast.deviation(deseasonalised)
        var spikeDecades = spikes.decades(abs(deviation))
        // A jump to a level the series was normal at before is a switch: the fast model follows
        // at once, and once the series has switched three times this week, switches are its
        // routine (until then, a step fault and its end being two, each is still a spike). One
        // as large as earlier days showed at this hour is the day's routine too (a machine
        // started at 08:00).
        let switched =
            spikeDecades * sensitivity >= 0.6 * instant
            && known.nearest(to: deseasonalised, within: 4 * fast.scale) != nil
        if switched {
            fast.rebase(to: deseasonalised)
            let elapsed = Double(timestamp &- lastSwitch) / 604_800e9  // in weeks
            switches = switches * exp(-max(0, elapsed)) + 1
            lastSwitch = timestamp
            if switches >= 3 { spikeDecades = 0 }
        }
        spikeDecades = spikePeaks.routine(
            abs(deviation), decades: spikeDecades, threshold: instant / sensitivity, at: timestamp)
        let side: Double = deviation > 0 ? 1 : -1
        // Three samples in a row on one side, each rarer than 60 % of the spike threshold's
        // decades (together, one in 10^8 at least), are a step: the fast model jumps to it
        // rather than creeping after it.
        if spikeDecades * sensitivity >= 0.6 * instant {
            sameSide = side == lastSide ? sameSide + 1 : 1
            lastSide = side
        } else {
            sameSide = 0
        }
        if sameSide >= 3 {
            fast.rebase(to: deseasonalised)
            sameSide = 0
        } else {
            consider(.spike, decades: spikeDecades, over: instant)
        }
        // A shift of level: the fast model (the last half hour or so of samples) against the
        // normal one, in units of the series' spread; and, for shifts too small to stand out of
        // the sample-to-sample movement, the medium model (four hours or so) against the normal
        // one, in units of how far apart those two usually are (learned; at least a fifth of
        // the spread).
        // Measured from the normal level, or from a level the series was normal at before,
        // whichever is nearer.
        let home = known.nearest(to: fast.location, within: abs(fast.location - normal.location)) ?? normal.location
        let shift = abs(fast.location - home) / normal.scale
        var mediumGap = medium.location - normal.location
        if abs(medium.location - home) < abs(mediumGap) { mediumGap = medium.location - home }
        let judged = gapSamples > Int(Self.mediumSpan)
        let slowShift = judged ? abs(mediumGap) / max(usualGap, 0.2 * normal.scale) : 0
        let shiftDecades = max(shifts.decades(shift), judged ? slowShifts.decades(slowShift) : 0)
        let shifted = shiftDecades * sensitivity >= lasting
        var settledAtNewLevel = false
        if shifted {
            if shiftEpisode == nil {
                shiftEpisode = shape.kind(location: fast.location, normal: normal.location)
                shiftStart = timestamp
            }
            consider(shiftEpisode ?? .drift, decades: shiftDecades, over: lasting)
            // Steady: the fast model has stayed within half a spread of one place for half the time.
            if abs(fast.location - steadyLocation) > 0.5 * normal.scale || shiftStart == timestamp {
                steadyLocation = fast.location
                steadySince = timestamp
            }
            if let start = shiftStart, timestamp &- start >= relearnAfter, timestamp &- steadySince >= relearnAfter / 2
            {
                // The shift has lasted and the level has settled: it is the new normal, and
                // the old one is remembered (a return to it is no new shift).
                known.remember(normal.location, at: timestamp, tolerance: normal.scale)
                known.remember(fast.location, at: timestamp, tolerance: normal.scale)
                normal.relearn(location: fast.location, spread: normal.spread)
                medium.rebase(to: fast.location)
                settledAtNewLevel = true
                best = AnomalyScore(value: 0, kind: shiftEpisode, learning: false, settledAtNewLevel: true)
                shiftEpisode = nil
                shiftStart = nil
            }
        } else {
            shiftEpisode = nil
            shiftStart = nil
        }
        if fast.count > Int(Self.fastSpan), fast.spread > 0, usualLogSpread != 0 {
            let ratio = log(fast.spread) - usualLogSpread
            let quiet = exp(usualLogSpread) > 2 * fast.floor
            if ratio > 0 || quiet {
                let decades = variancePeaks.routine(
                    abs(ratio), decades: variances.decades(abs(ratio)), threshold: lasting / sensitivity, at: timestamp)
                consider(.variance, decades: decades, over: lasting)
                // A spread that is not plainly common is learned at a tenth of the weight: a
                // plant quiet every weekend makes it normal within a weekend or two; a fault's
                // hours of noise barely move the tail.
                variances.record(abs(ratio), weight: learning || decades < Self.plainDecades ? 1 : 0.1)
            }
        }
        let tolerance = max((settings.resolution ?? 0) / 2, 1e-9 * max(1, abs(value)))
        var rate: Double?
        if let previous {
            run = gap ? 0 : (abs(value - previous.value) <= tolerance ? run + 1 : 0)
            if interval > 0, !gap {
                // Against the cycle: a plant that stops at a set hour every week changes fast,
                // but not faster than its cycle says.
                let change = (deseasonalised - previous.deseasonalised) / interval
                rate = change
                if rates.count > 10 {
                    let statistic = abs(rates.deviation(change))
                    let decades = ratePeaks.routine(
                        statistic, decades: switched && switches >= 3 ? 0 : rateRarity.decades(statistic),
                        threshold: instant / sensitivity, at: timestamp)
                    consider(.rate, decades: decades, over: instant)
                    if rates.count > Int(Self.fastSpan), learning || decades < instant { rateRarity.record(statistic) }
                }
            }
            if interval > 0 {
                usualInterval += (interval - usualInterval) * (usualInterval == 0 ? 1 : 0.01)
                // The least rate spread believed: half a resolution step per usual interval, so
                // a quantised series that mostly repeats itself cannot shrink it to nothing.
                rates.floor = tolerance / usualInterval
            }
        }
        if run >= 10, repeatShare < 0.999 {
            // The chance of this many repeats, at the series' usual share of repeats: the
            // statistic is a probability already (in nats; 20 nats, e^-20, is the threshold).
            // A series that (nearly) never moves, a setting, is not stuck by staying put.
            let surprise = Double(run) * -log(max(min(repeatShare, 0.999), 0.01))
            consider(.stuck, decades: surprise, over: 20)
        }
        // After the learning period, a statistic learns only from values not far in its tail:
        // an anomaly (a fault's samples, a shift of many samples) must not make itself, or the
        // next one, normal. During it, everything the series does is its normal.
        // (Not before the models have a spread: their first statistics are noise over nothing.)
        let warm = fast.count > Int(Self.fastSpan)
        if warm, learning || spikeDecades < instant { spikes.record(abs(deviation)) }
        // A lasting statistic rises over many samples: were it to learn fully from each value
        // short of the threshold, a slow shift would teach itself to be normal as it grows.
        // After learning, what is not plainly common (2.5 decades or more) is learned at 0.6 of
        // the weight, and nothing at or beyond the threshold.
        func weight(_ decades: Double) -> Float {
            learning || decades < Self.plainDecades ? 1 : decades < lasting ? 0.6 : 0
        }
        let shiftWeight = weight(shifts.decades(shift))
        if warm, shiftWeight > 0 { shifts.record(shift, weight: shiftWeight) }
        let slowWeight = weight(slowShifts.decades(slowShift))
        if judged, slowWeight > 0 { slowShifts.record(slowShift, weight: slowWeight) }

        // Learning from the sample.
        samples += 1
        fast.update(deseasonalised)
        shape.record(fast.location, sample: samples)
        // Once the daily cycle is settled (two days), the normal model learns ten times slower
        // while the level looks shifted: a shift is reported for as long as it lasts (hours at
        // 1 Hz, days at one a minute), then accepted. Before that it learns at full pace, so a
        // cycle not yet subtracted cannot lock it away from the series.
        let suspect = shiftDecades * sensitivity >= 0.75 * lasting && !settledAtNewLevel
        normal.update(deseasonalised, pace: seasonal.settled && suspect ? 0.1 : 1)
        medium.update(deseasonalised)
        // The medium model never stays further from normal than the fast one (plus its usual gap):
        // once a fault is over, its memory of the fault is stale and must not echo for hours.
        let bound = abs(fast.location - normal.location) + max(usualGap, 0.2 * normal.scale)
        if abs(medium.location - normal.location) > bound {
            medium.rebase(to: normal.location + (medium.location > normal.location ? bound : -bound))
        }
        gapSamples += 1
        if judged, slowShifts.decades(slowShift) * sensitivity < 0.75 * lasting {
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
            // The mean of the pairs so far.
            repeatShare += (run > 0 ? 1 - repeatShare : -repeatShare) / min(Double(samples - 1), Self.normalSpan)
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
            known = KnownLevels()  // its levels were measured with the old cycle subtracted
            cycleInUse = seasonal.cycle
        }
        if samples <= settings.learningSamples { return .learningPeriod }
        best.settledAtNewLevel = settledAtNewLevel
        return best
    }

    /// The cycle the series has shown and the detectors subtract.
    package var cycle: SeriesCycle { cycleInUse }

    /// Scores a late sample, older than samples already taken in, against the state its time
    /// implies: the series' long-run level and spread (the normal model) with the cycle's
    /// expectation at that time and the hard limits. The fast, recent state of that moment is
    /// gone, so a late sample is judged as a spike against the normal. Learns nothing.
    package func scoreLate(_ value: Double, at timestamp: Int64) -> AnomalyScore {
        guard value.isFinite else { return .normal }
        guard samples > settings.learningSamples else { return .learningPeriod }
        if outsideLimits(value) { return AnomalyScore(value: 1, kind: .limit, learning: false) }
        let deviation = abs(normal.deviation(value - seasonal.expected(at: timestamp)))
        let score = min(1, spikes.decades(deviation) * max(settings.sensitivity, 0.01) / (2 * thresholds.instant))
        return score > 0 ? AnomalyScore(value: score, kind: .spike, learning: false) : .normal
    }

    /// How rare a value must be to be anomalous, in decades: as rare as what the series, at its
    /// usual rate, would show once in so many days. A single sample's statistics (spike, rate), which
    /// open an alert on their own, are judged against 30 days (4.6 decades at one sample a
    /// minute, 6.4 at one a second); lasting ones (level, drift, variance), whose neighbouring
    /// samples move together and which open an alert only when confirmed, against 3 days. So
    /// every series raises about as few false alarms a day whatever its rate. A score is the
    /// decades of rarity over twice the threshold: 0.5 is the threshold for every series and
    /// detector. After learning, values up to the threshold teach their statistic; rarer ones
    /// are events, not the series' normal.
    private var thresholds: (instant: Double, lasting: Double) {
        let perDay = log10(86_400 / (usualInterval > 0 ? usualInterval : 60))  // one log a sample
        return (min(9, max(3, perDay + log10(30.0))), min(9, max(3, perDay + log10(3.0))))
    }

    /// The decades of rarity under which a value of a lasting statistic is plainly common.
    static let plainDecades = 2.5

    /// How long a shift lasts, the second half of it steady, before it is the new normal: the
    /// setting, else two hours or 200 of the series' usual intervals, whichever is longer.
    private var relearnAfter: Int64 {
        if let given = settings.relearnAfter { return given }
        return max(7_200_000_000_000, Int64(min(200 * usualInterval, 1e7) * 1e9))
    }

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
