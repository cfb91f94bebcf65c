import OutpostConfig
import OutpostDetect

/// `[detection]` in hub.toml: the detectors' knobs, by default and per series glob.
///
/// ```toml
/// [detection]
/// sensitivity = 1.0          # above 1 finds smaller anomalies, below 1 fewer
/// learning_samples = 500     # no score before this many samples
///
/// [[detection.series]]
/// match = "boiler-*/dev.temperature"   # gateway/series, * and ? allowed
/// sensitivity = 0.8
/// lower = -40                # hard limits (°C here)
/// upper = 80
/// ```
public struct DetectionConfiguration: Sendable, Hashable {
    /// Settings for series of one pattern.
    public struct Rule: Sendable, Hashable {
        /// `gateway/series` glob.
        public var pattern: SeriesPattern
        /// Its sensitivity, if set.
        public var sensitivity: Double?
        /// Its learning period, if set.
        public var learningSamples: Int?
        /// Hard lower limit.
        public var lower: Double?
        /// Hard upper limit.
        public var upper: Double?
    }

    /// The defaults.
    public var sensitivity = 1.0
    /// The default learning period.
    public var learningSamples = 500
    /// Rules; the first that matches a series applies.
    public var rules: [Rule] = []

    /// The defaults, no rules.
    public init() {}

    /// The settings of `series` (`gateway/name`), whose declared resolution is `resolution`.
    public func settings(for series: String, resolution: Double?) -> DetectorSettings {
        let rule = rules.first { $0.pattern.matches(series) }
        return DetectorSettings(
            sensitivity: rule?.sensitivity ?? sensitivity, learningSamples: rule?.learningSamples ?? learningSamples,
            resolution: resolution, lowerLimit: rule?.lower, upperLimit: rule?.upper)
    }

    /// Reads `[detection]`.
    init(_ section: TOMLSection?) throws(ConfigError) {
        guard let section else { return }
        try section.rejectUnknownKeys(["sensitivity", "learning_samples", "series"])
        sensitivity = try Self.sensitivity(section) ?? sensitivity
        learningSamples = try Self.learning(section) ?? learningSamples
        for rule in try section.sections("series") {
            try rule.rejectUnknownKeys(["match", "sensitivity", "learning_samples", "lower", "upper"])
            let lower = try rule.double("lower")
            let upper = try rule.double("upper")
            if let lower, let upper, lower >= upper {
                throw rule.error("upper", "\(upper) is not above lower = \(lower)")
            }
            rules.append(
                Rule(
                    pattern: SeriesPattern(try rule.requiredString("match")), sensitivity: try Self.sensitivity(rule),
                    learningSamples: try Self.learning(rule), lower: lower, upper: upper))
        }
    }

    private static func sensitivity(_ section: TOMLSection) throws(ConfigError) -> Double? {
        guard let value = try section.double("sensitivity") else { return nil }
        guard value > 0, value <= 10 else { throw section.error("sensitivity", "\(value) is outside 0-10 (1 is the default)") }
        return value
    }

    private static func learning(_ section: TOMLSection) throws(ConfigError) -> Int? {
        guard let value = try section.int("learning_samples") else { return nil }
        guard (0...10_000_000).contains(value) else {
            throw section.error("learning_samples", "\(value) is outside 0-10000000")
        }
        return value
    }
}
