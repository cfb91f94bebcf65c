/// The few knobs of a series' detectors.
package struct DetectorSettings: Sendable, Hashable {
    /// Above 1 finds smaller anomalies (and raises more false alarms); below 1, fewer. It
    /// divides every detector's threshold.
    package var sensitivity: Double
    /// Samples taken in before any score is given (the models learn meanwhile).
    package var learningSamples: Int
    /// The series' resolution (its smallest step), if known: the least spread believed.
    package var resolution: Double?
    /// Hard lower bound (device profile or configuration).
    package var lowerLimit: Double?
    /// Hard upper bound.
    package var upperLimit: Double?
    /// How long (ns) a shifted level must last, the second half of it steady, to become the
    /// new normal; nil: two hours, or 200 of the series' usual intervals when that is longer.
    package var relearnAfter: Int64?

    /// Creates settings; the defaults suit a sensor sampled every second to every few minutes.
    package init(
        sensitivity: Double = 1, learningSamples: Int = 500, resolution: Double? = nil, lowerLimit: Double? = nil,
        upperLimit: Double? = nil, relearnAfter: Int64? = nil
    ) {
        self.relearnAfter = relearnAfter
        self.sensitivity = sensitivity
        self.learningSamples = learningSamples
        self.resolution = resolution
        self.lowerLimit = lowerLimit
        self.upperLimit = upperLimit
    }
}
