/// What a series normally does at each hour of a period (a day: 24 bins; a week: 168): each bin
/// the average of that hour's mean over recent periods (each period's mean counts once, the last
/// `memory` periods weighing most, whatever the sampling rate), read with linear interpolation
/// between bin centres so the expected value has no steps. Bounded memory: one number and one
/// count per bin.
struct CycleProfile: Sendable {
    /// Hourly bins in one period.
    let bins: Int
    /// Periods the average mostly spans.
    let memory: Int
    private var means: [Double]
    private var seen: [UInt8]
    private var unseen: Int
    /// The average of the bins (the period's mean level).
    private(set) var mean = 0.0
    /// Highest bin minus lowest.
    private(set) var range = 0.0

    init(bins: Int, memory: Int) {
        self.bins = bins
        self.memory = memory
        means = [Double](repeating: 0, count: bins)
        seen = [UInt8](repeating: 0, count: bins)
        unseen = bins
    }

    /// Whether every bin has been seen at least once.
    var known: Bool { unseen == 0 }

    /// The bin's average so far, if it has been seen.
    func prediction(_ bin: Int) -> Double? { seen[bin] > 0 ? means[bin] : nil }

    /// The expected offset from the period's mean at `position`, in hours from the period's start.
    func offset(at position: Double) -> Double {
        let centred = position - 0.5
        let lower = Int(centred.rounded(.down))
        let fraction = centred - Double(lower)
        let first = means[(lower % bins + bins) % bins]
        let second = means[((lower + 1) % bins + bins) % bins]
        return first + (second - first) * fraction - mean
    }

    /// Folds one finished hour's mean into its bin, its difference from the bin clipped to
    /// `limit` (Huber): an hour of a fault moves the profile a little, not by a seventh of the
    /// fault, so the next day's same hour is not expected to repeat it.
    mutating func fold(_ bin: Int, hourMean: Double, limit: Double = .infinity) {
        if seen[bin] == 0 { unseen -= 1 }
        seen[bin] = seen[bin] &+ (seen[bin] == .max ? 0 : 1)
        let difference = seen[bin] == 1 ? hourMean - means[bin] : min(max(hourMean - means[bin], -limit), limit)
        means[bin] += difference / Double(min(Int(seen[bin]), memory))
        guard known else { return }
        mean = means.reduce(0, +) / Double(bins)
        range = (means.max() ?? 0) - (means.min() ?? 0)
    }
}
