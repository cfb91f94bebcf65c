import OutpostConfig
import OutpostDetect
import OutpostDevices

/// `[detection]` in hub.toml: the detectors' knobs, by default and per series glob.
///
/// ```toml
/// [detection]
/// sensitivity = 1.0          # above 1 finds smaller anomalies, below 1 fewer
/// learning_samples = 500     # no score before this many samples
/// relearn_after = "2h"       # a shift lasting this long (the second half steady) becomes the
///                            # new normal and its alert resolves; default: 2 h, or 200 of the
///                            # series' usual intervals when that is longer
///
/// [[detection.series]]
/// match = "boiler-*/dev.temperature"   # gateway/series, * and ? allowed
/// sensitivity = 0.8
/// lower = -40                # hard limits (°C here)
/// upper = 80
/// confirmation_samples = 3   # anomalous samples in a row before an alert opens
///
/// [[detection.series]]
/// match = "*/room.*"
/// profile = "xy-md02"        # hard limits from the device profile: the point is the part of
///                            # the series name after its last "." (the agent names DEVICE.POINT)
/// ```
package struct DetectionConfiguration: Sendable, Hashable {
    /// Settings for series of one pattern.
    package struct Rule: Sendable, Hashable {
        /// `gateway/series` glob.
        package var pattern: SeriesPattern
        /// Its sensitivity, if set.
        package var sensitivity: Double?
        /// Its learning period, if set.
        package var learningSamples: Int?
        /// Hard lower limit.
        package var lower: Double?
        /// Hard upper limit.
        package var upper: Double?
        /// Anomalous samples in a row before an alert opens, if set.
        package var confirmation: Int?
        /// How long a shift lasts before it is the new normal, if set.
        package var relearnAfter: Duration? = nil
        /// Limits of the points of the device profile named in the rule, by point name.
        package var profileLimits: [String: ClosedRange<Double>] = [:]
    }

    /// The defaults.
    package var sensitivity = 1.0
    /// The default learning period.
    package var learningSamples = 500
    /// The default number of anomalous samples in a row before an alert opens (spikes, limits
    /// and rates open at once).
    package var confirmationSamples = 3
    /// How long a shift lasts before it is the new normal; nil: by the series' rate.
    package var relearnAfter: Duration?
    /// Rules; the first that matches a series applies.
    package var rules: [Rule] = []

    /// The defaults, no rules.
    package init() {}

    /// The settings of `series` (`gateway/name`), whose declared resolution is `resolution`.
    package func settings(for series: String, resolution: Double?) -> DetectorSettings {
        let rule = rules.first { $0.pattern.matches(series) }
        let point = series.split(separator: ".").last.map(String.init) ?? series
        let profile = rule?.profileLimits[point]
        return DetectorSettings(
            sensitivity: rule?.sensitivity ?? sensitivity, learningSamples: rule?.learningSamples ?? learningSamples,
            resolution: resolution, lowerLimit: rule?.lower ?? profile?.lowerBound,
            upperLimit: rule?.upper ?? profile?.upperBound,
            relearnAfter: (rule?.relearnAfter ?? relearnAfter).map { $0.nanoseconds })
    }

    /// Anomalous samples in a row before an alert of `series` opens.
    package func confirmation(for series: String) -> Int {
        rules.first { $0.pattern.matches(series) }?.confirmation ?? confirmationSamples
    }

    /// Reads `[detection]`; device profiles named by rules come from `profiles`.
    init(_ section: TOMLSection?, profiles: ProfileLibrary = ProfileLibrary()) throws(ConfigError) {
        guard let section else { return }
        try section.rejectUnknownKeys([
            "sensitivity", "learning_samples", "confirmation_samples", "relearn_after", "series",
        ])
        relearnAfter = try Self.relearn(section)
        sensitivity = try Self.sensitivity(section) ?? sensitivity
        learningSamples = try Self.learning(section) ?? learningSamples
        confirmationSamples = try Self.confirmation(section) ?? confirmationSamples
        for rule in try section.sections("series") {
            try rule.rejectUnknownKeys([
                "match", "sensitivity", "learning_samples", "lower", "upper", "confirmation_samples", "profile",
                "relearn_after",
            ])
            let lower = try rule.double("lower")
            let upper = try rule.double("upper")
            if let lower, let upper, lower >= upper {
                throw rule.error("upper", "\(upper) is not above lower = \(lower)")
            }
            var limits: [String: ClosedRange<Double>] = [:]
            if let name = try rule.string("profile") {
                let profile: DeviceProfile
                do {
                    profile = try profiles.profile(named: name)
                } catch {
                    throw rule.error("profile", "no device profile '\(name)' (\(error.message))")
                }
                for point in profile.points { limits[point.name] = point.limits }
            }
            rules.append(
                Rule(
                    pattern: SeriesPattern(try rule.requiredString("match")), sensitivity: try Self.sensitivity(rule),
                    learningSamples: try Self.learning(rule), lower: lower, upper: upper,
                    confirmation: try Self.confirmation(rule), relearnAfter: try Self.relearn(rule),
                    profileLimits: limits))
        }
    }

    private static func sensitivity(_ section: TOMLSection) throws(ConfigError) -> Double? {
        guard let value = try section.double("sensitivity") else { return nil }
        guard value > 0, value <= 10 else {
            throw section.error("sensitivity", "\(value) is outside 0-10 (1 is the default)")
        }
        return value
    }

    private static func relearn(_ section: TOMLSection) throws(ConfigError) -> Duration? {
        guard let value = try section.duration("relearn_after") else { return nil }
        guard value >= .seconds(1), value <= .seconds(365 * 86_400) else {
            throw section.error("relearn_after", "\(value.configurationText) is outside 1s-365d (e.g. \"2h\")")
        }
        return value
    }

    private static func confirmation(_ section: TOMLSection) throws(ConfigError) -> Int? {
        guard let value = try section.int("confirmation_samples") else { return nil }
        guard (1...1000).contains(value) else {
            throw section.error("confirmation_samples", "\(value) is outside 1-1000")
        }
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
