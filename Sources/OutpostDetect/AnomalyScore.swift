/// What a detector says about one sample.
package enum AnomalyKind: String, Sendable, CaseIterable, Codable {
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

/// A sample's anomaly score: how rare the sample is for its series, judged by the series' own
/// history, on one scale for every series: 0.5, the threshold, is as rare as what the series
/// would show once in 100 days at its usual rate; the score is proportional to the decades of
/// rarity (at one sample a minute, 0.1 is one sample in 10, 0.2 one in 100, 0.5 one in
/// 150,000); 1 is twice the threshold's decades or beyond, or a hard limit.
package struct AnomalyScore: Sendable, Hashable {
    /// The score in [0, 1].
    package var value: Double
    /// The detector that scored highest, when the score is above 0.
    package var kind: AnomalyKind?
    /// Whether the series is still in its learning period (scores are 0 then).
    package var learning: Bool
    /// Whether, with this sample, a shift (`kind` level or drift) that lasted has been taken
    /// as the series' new normal: its alert resolves, saying so.
    package var settledAtNewLevel: Bool

    /// Creates a score.
    package init(value: Double, kind: AnomalyKind?, learning: Bool, settledAtNewLevel: Bool = false) {
        self.value = value
        self.kind = kind
        self.learning = learning
        self.settledAtNewLevel = settledAtNewLevel
    }

    /// The score at or above which a sample is anomalous.
    package static let threshold = 0.5

    /// Whether the sample is anomalous.
    package var isAnomalous: Bool { value >= Self.threshold }

    static let normal = AnomalyScore(value: 0, kind: nil, learning: false)
    static let learningPeriod = AnomalyScore(value: 0, kind: nil, learning: true)

}

#if canImport(Glibc)
    import Glibc
#endif
