/// What a series normally does at each time of day, once it has shown that it has a daily
/// cycle: 24 hourly bins, each the average over recent days (each day's mean of the bin counts
/// once, the last week weighing most, whatever the sampling rate), read with linear
/// interpolation between bin centres so the expected value has no steps.
///
/// The cycle is used only when it is real: after two full days, when the profile predicts each
/// new day's hourly means (the squared error of the prediction under half the squared spread of
/// those means around the profile's average, i.e. R² > 0.5) and its range is more than three times
/// the series' short-term spread. A drifting series without a cycle fails the first test; a flat
/// one fails the second. While inactive the expected offset is 0 (no adjustment).
struct SeasonalProfile: Sendable {
    static let bins = 24
    static let binWidth: Int64 = 86_400_000_000_000 / Int64(bins)

    private var means = [Double](repeating: 0, count: bins)
    private var days = [Int](repeating: 0, count: bins)
    private var todaySum = [Double](repeating: 0, count: bins)
    private var todayCount = [Int](repeating: 0, count: bins)
    private var todayIndex = [Int64](repeating: .min, count: bins)
    private var predictionError = 0.0
    private var variation = 0.0
    private var folds = 0
    private var firstTimestamp: Int64?
    private var lastTimestamp: Int64 = 0
    /// Whether the cycle is strong enough to use.
    private(set) var active = false
    /// Whether two full days have been seen, so whether there is a cycle has been decided.
    private(set) var settled = false

    /// The expected offset from the daily mean at `timestamp` (0 while inactive).
    func expected(at timestamp: Int64) -> Double {
        guard active else { return 0 }
        return interpolated(at: timestamp) - dailyMean
    }

    private var dailyMean: Double { means.reduce(0, +) / Double(Self.bins) }

    private func interpolated(at timestamp: Int64) -> Double {
        let dayPosition = Double(((timestamp % 86_400_000_000_000) + 86_400_000_000_000) % 86_400_000_000_000)
        let position = dayPosition / Double(Self.binWidth) - 0.5
        let lower = Int(position.rounded(.down))
        let fraction = position - Double(lower)
        let first = means[(lower + Self.bins) % Self.bins]
        let second = means[(lower + 1) % Self.bins]
        return first + (second - first) * fraction
    }

    /// Folds the bin's finished day into its long-run mean.
    private mutating func fold(_ bin: Int) {
        guard todayCount[bin] > 0 else { return }
        let dayMean = todaySum[bin] / Double(todayCount[bin])
        if days[bin] > 0 {
            let weight = max(1 / Double(folds + 1), 0.02)
            predictionError += weight * ((dayMean - means[bin]) * (dayMean - means[bin]) - predictionError)
            variation += weight * ((dayMean - dailyMean) * (dayMean - dailyMean) - variation)
            folds += 1
        }
        days[bin] += 1
        means[bin] += (dayMean - means[bin]) / Double(min(days[bin], 7))
        todaySum[bin] = 0
        todayCount[bin] = 0
    }

    /// Takes in a sample; `spread` is the series' normal short-term spread, used to judge
    /// whether the cycle is worth using.
    mutating func update(_ value: Double, at timestamp: Int64, spread: Double) {
        let day = timestamp >= 0 ? timestamp / 86_400_000_000_000 : (timestamp + 1) / 86_400_000_000_000 - 1
        let bin = Int((timestamp - day * 86_400_000_000_000) / Self.binWidth)
        if todayIndex[bin] != day {
            fold(bin)
            todayIndex[bin] = day
        }
        todaySum[bin] += value
        todayCount[bin] += 1
        if days[bin] == 0 { means[bin] = todaySum[bin] / Double(todayCount[bin]) }
        if firstTimestamp == nil { firstTimestamp = timestamp }
        lastTimestamp = max(lastTimestamp, timestamp)
        guard let first = firstTimestamp, lastTimestamp - first >= 2 * 86_400_000_000_000,
            !todayCount.indices.contains(where: { days[$0] == 0 && todayCount[$0] == 0 })
        else { return }
        settled = true
        let range = (means.max() ?? 0) - (means.min() ?? 0)
        active = folds >= Self.bins && predictionError < 0.5 * variation && range > 3 * spread
    }
}
