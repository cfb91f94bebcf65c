#if canImport(Glibc)
    import Glibc
#endif

/// How rare a value of one detector statistic is for this series, judged by the statistic's own
/// history rather than by a rule about noise: what is routine for a switching pump or a
/// quantised meter (big jumps now and then) is then routine, and a score says how many decades
/// of rarity a value stands for, comparable across series.
///
/// The history is a histogram of the statistic's values on a log scale (half-octave bins from
/// 2^-8 to 2^32), forgetting with a memory of `memory` samples. Its 90th, 99th and 99.9th
/// percentiles anchor the answer: a value at the 90th is one decade rare (one in ten), at the
/// 99th two, at the 99.9th three; beyond, the tail is taken as exponential with the slope of
/// the last decade (at least `minimumSpacing` per decade, so a statistic that has never moved
/// does not make every movement infinitely rare). Before any history, a prior stands in:
/// `prior`, the statistic's percentiles for well-behaved noise, weighing `priorWeight` samples.
/// Memory: 80 floats.
struct Rarity: Sendable {
    static let binCount = 80
    /// Bin `i` holds values in [2^((i + offset) / 2), 2^((i + offset + 1) / 2)); bin 0 also all below.
    static let offset = -16
    private var counts: [Float]
    private var total: Float = 0
    private var increment: Float = 1
    private let growth: Float
    private let minimumSpacing: Double
    private var anchors: (q90: Double, q99: Double, q999: Double)
    private var sinceRefresh = 0

    /// `prior`: the 90th, 99th and 99.9th percentiles the statistic has for plain noise.
    init(memory: Double, prior: (Double, Double, Double), priorWeight: Float = 200, minimumSpacing: Double) {
        counts = [Float](repeating: 0, count: Self.binCount)
        growth = Float(1 / (1 - 1 / max(memory, 2)))
        self.minimumSpacing = minimumSpacing
        anchors = prior
        // The prior as samples: 90 % at the median-ish level, then the tail at its percentiles.
        add(prior.0 / 2, weight: priorWeight * 0.9)
        add(prior.0, weight: priorWeight * 0.09)
        add(prior.1, weight: priorWeight * 0.009)
        add(prior.2, weight: priorWeight * 0.001)
    }

    /// How many decades rare `value` is (0 for the commonest values; 6 is one in a million).
    func decades(_ value: Double) -> Double {
        guard value.isFinite else { return value > 0 ? 99 : 0 }
        let (q90, q99, q999) = anchors
        if value <= q90 { return q90 > 0 ? max(0, value / q90) : 0 }
        if value <= q99 { return 1 + min(1, (value - q90) / max(q99 - q90, 1e-300)) }
        let spacing = max(q999 - q99, minimumSpacing)
        if value <= q99 + spacing { return 2 + (value - q99) / spacing }
        // Beyond the last decade the history shows: each further decade takes `shrink` times
        // the width of the one before, as the last two did (0.76 for Gaussian noise, whose
        // tail thins; 1 for an exponential tail), kept within 0.85-1 so that neither a thin
        // history nor a heavy tail makes a threshold far from what the data supports.
        let shrink = min(1, max(0.85, spacing / max(q99 - q90, 1e-300)))
        var decades = 3.0
        var edge = q99 + spacing
        var width = spacing * shrink
        while value > edge + width, decades < 60 {
            edge += width
            decades += 1
            width = max(width * shrink, minimumSpacing * 0.5)
        }
        return decades + (value - edge) / width
    }

    /// Takes in one value of the statistic, at `weight` (below 1 for a value that should be
    /// learned only if it keeps coming back).
    mutating func record(_ value: Double, weight: Float = 1) {
        add(value, weight: increment * weight)
        increment *= growth
        if increment > 1e18 {
            // Rescale so that the growing weights never overflow; proportions are unchanged.
            let scale = 1 / increment
            for index in counts.indices { counts[index] *= scale }
            total *= scale
            increment = 1
        }
        sinceRefresh += 1
        if sinceRefresh >= 16 {
            sinceRefresh = 0
            anchors = (quantile(0.9), quantile(0.99), quantile(0.999))
        }
    }

    private mutating func add(_ value: Double, weight: Float) {
        counts[Self.bin(of: value)] += weight
        total += weight
    }

    static func bin(of value: Double) -> Int {
        guard value > 0 else { return 0 }  // and NaN
        guard value.isFinite else { return binCount - 1 }
        let index = Int((2 * log2(value)).rounded(.down)) - offset
        return min(max(index, 0), binCount - 1)
    }

    /// The value below which a share `q` of the history lies. Within its bin, the share above
    /// a value is taken to fall exponentially from the bin's lower edge to its upper one, as a
    /// tail does (in the topmost bin, linearly).
    private func quantile(_ q: Double) -> Double {
        let target = Double(total) * (1 - q)
        var above = 0.0
        for index in stride(from: Self.binCount - 1, through: 0, by: -1) {
            let count = Double(counts[index])
            guard count > 0 else { continue }
            if above + count >= target {
                let lower = exp2(Double(index + Self.offset) / 2)
                let upper = exp2(Double(index + Self.offset + 1) / 2)
                let within =
                    above > 0 ? log((above + count) / target) / log((above + count) / above) : 1 - target / count
                return lower + (upper - lower) * min(1, max(0, within))
            }
            above += count
        }
        return exp2(Double(Self.offset) / 2)
    }
}

extension Rarity {
    /// Each detector's statistic: its percentiles for plain noise and its least width of a
    /// decade beyond them, set so that at one sample a minute no series is much more sensitive
    /// than the fixed thresholds these replaced (a spike of 6 spreads, a shift of 4, a spread
    /// three times its usual size, a change 12 times the usual), while a series whose normal
    /// is rougher than noise gets thresholds as rough as its normal.
    static func spike() -> Rarity { Rarity(memory: 2000, prior: (1.64, 2.58, 3.29), minimumSpacing: 1.0) }
    static func shift() -> Rarity { Rarity(memory: 10_000, prior: (0.3, 0.47, 0.6), minimumSpacing: 0.9) }
    static func slowShift() -> Rarity { Rarity(memory: 10_000, prior: (1.3, 2.0, 2.6), minimumSpacing: 0.6) }
    static func variance() -> Rarity { Rarity(memory: 10_000, prior: (0.25, 0.4, 0.5), minimumSpacing: 0.25) }
    static func rate() -> Rarity { Rarity(memory: 2000, prior: (1.64, 2.58, 3.29), minimumSpacing: 2.4) }
}
