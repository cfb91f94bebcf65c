/// What a detector says about one sample.
public enum AnomalyKind: String, Sendable, CaseIterable, Codable {
    /// A single sample far from the recent baseline.
    case spike
    /// The level changed suddenly and stayed changed.
    case level
    /// The level moved slowly away from what is normal (for this time of day, once the series
    /// has shown a daily cycle).
    case drift
    /// The series became much noisier or much quieter than it normally is.
    case variance
    /// The same value, over and over, where the series normally moves.
    case stuck
    /// A change faster than the series has ever normally changed.
    case rate
    /// Outside the hard bounds the device profile or configuration gives.
    case limit
}

/// A sample's anomaly score: 0 is normal; it rises towards 1 as the sample becomes more
/// surprising than the series' own history allows; 0.5 and above is an anomaly.
public struct AnomalyScore: Sendable, Hashable {
    /// The score in [0, 1].
    public var value: Double
    /// The detector that scored highest, when the score is above 0.
    public var kind: AnomalyKind?
    /// Whether the series is still in its learning period (scores are 0 then).
    public var learning: Bool

    /// Creates a score.
    public init(value: Double, kind: AnomalyKind?, learning: Bool) {
        self.value = value
        self.kind = kind
        self.learning = learning
    }

    /// The score at or above which a sample is anomalous.
    public static let threshold = 0.5

    /// Whether the sample is anomalous.
    public var isAnomalous: Bool { value >= Self.threshold }

    static let normal = AnomalyScore(value: 0, kind: nil, learning: false)
    static let learningPeriod = AnomalyScore(value: 0, kind: nil, learning: true)

    /// Maps an excess over a threshold, in units of the statistic, to [0, 1): 0 at the
    /// threshold, 0.63 one unit beyond it, 0.95 three units beyond.
    static func excess(_ statistic: Double, over threshold: Double, unit: Double = 1) -> Double {
        guard statistic > threshold else { return 0 }
        return 1 - exp(-(statistic - threshold) / unit)
    }
}

#if canImport(Glibc)
    import Glibc
#endif
