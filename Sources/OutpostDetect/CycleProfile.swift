/// What a series normally does at each hour of a period (a day: 24 bins; a week: 168): each bin
/// the average of that hour's mean over recent periods (each period's mean counts once, the last
/// `memory` periods weighing most, whatever the sampling rate), read with linear interpolation
/// between bin centres so the expected value has no steps. Bounded memory: one number and one
/// count per bin.
///
/// With `medianOfThree`, for periods so long that a fault may fall on a bin's first sight (a
/// week), each bin is instead the median of its last three periods (the mean of two until
/// then): one bad period cannot set it. It predicts from its second period on and is known
/// once every bin has three.
struct CycleProfile: Sendable {
    /// Hourly bins in one period.
    let bins: Int
    /// Periods the average mostly spans.
    let memory: Int
    let medianOfThree: Bool
    /// Each bin's average (empty with `medianOfThree`, whose bins are worked out from `recent`).
    private var means: [Double]
    private var seen: [UInt8]
    private var unseen: Int

    private var recent: [Float]
    /// The average of the bins (the period's mean level).
    private(set) var mean = 0.0
    /// Highest bin minus lowest.
    private(set) var range = 0.0

    init(bins: Int, memory: Int, medianOfThree: Bool = false) {
        self.bins = bins
        self.memory = memory
        self.medianOfThree = medianOfThree
        means = medianOfThree ? [] : [Double](repeating: 0, count: bins)
        seen = [UInt8](repeating: 0, count: bins)
        unseen = bins
        recent = medianOfThree ? [Float](repeating: 0, count: 3 * bins) : []
    }

    /// Periods a bin needs before it predicts, and before it counts as known.
    private var predicting: UInt8 { medianOfThree ? 2 : 1 }
    private var knowing: UInt8 { medianOfThree ? 3 : 1 }

    /// Whether every bin has been seen enough (once; three times with `medianOfThree`).
    var known: Bool { unseen == 0 }

    /// The bin's value so far, once it has been seen enough to predict.
    func prediction(_ bin: Int) -> Double? { seen[bin] >= predicting ? value(bin) : nil }

    /// The bin's value: its average, or the median of its last three periods (the mean of two,
    /// or the one, before that), worked out when asked rather than stored.
    private func value(_ bin: Int) -> Double {
        guard medianOfThree else { return means[bin] }
        let base = 3 * bin
        switch min(Int(seen[bin]), 3) {
        case 0: return 0
        case 1: return Double(recent[base])
        case 2: return (Double(recent[base]) + Double(recent[base + 1])) / 2
        default:
            let (a, b, c) = (recent[base], recent[base + 1], recent[base + 2])
            return Double(max(min(a, b), min(max(a, b), c)))
        }
    }

    /// The expected offset from the period's mean at `position`, in hours from the period's start.
    func offset(at position: Double) -> Double {
        let centred = position - 0.5
        let lower = Int(centred.rounded(.down))
        let fraction = centred - Double(lower)
        let first = value((lower % bins + bins) % bins)
        let second = value(((lower + 1) % bins + bins) % bins)
        return first + (second - first) * fraction - mean
    }

    /// The offset of the bin holding `position` from the period's mean, without interpolation.
    func binOffset(at position: Double) -> Double {
        let bin = Int(position.rounded(.down))
        return value((bin % bins + bins) % bins) - mean
    }

    /// The movement within the hour at `position`: the interpolated value minus its bin's.
    func withinHour(at position: Double) -> Double { offset(at: position) - binOffset(at: position) }

    /// Folds one finished hour's mean into its bin, its difference from the bin clipped to
    /// `limit` (Huber): an hour of a fault moves the profile a little, not by a seventh of the
    /// fault, so the next day's same hour is not expected to repeat it.
    mutating func fold(_ bin: Int, hourMean: Double, limit: Double = .infinity) {
        if seen[bin] == knowing - 1 { unseen -= 1 }
        seen[bin] = seen[bin] &+ (seen[bin] == .max ? 0 : 1)
        if medianOfThree {
            // The count keeps rotating through the three slots for ever (255 wraps to 252).
            if seen[bin] == .max { seen[bin] = .max - 3 }
            recent[3 * bin + Int((seen[bin] - 1) % 3)] = Float(hourMean)
        } else {
            let difference = seen[bin] == 1 ? hourMean - means[bin] : min(max(hourMean - means[bin], -limit), limit)
            means[bin] += difference / Double(min(Int(seen[bin]), memory))
        }
        guard known else { return }
        var total = 0.0
        var lowest = Double.infinity
        var highest = -Double.infinity
        for index in 0..<bins {
            let binValue = value(index)
            total += binValue
            lowest = min(lowest, binValue)
            highest = max(highest, binValue)
        }
        mean = total / Double(bins)
        range = highest - lowest
    }
}
