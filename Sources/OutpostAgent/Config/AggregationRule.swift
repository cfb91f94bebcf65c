import OutpostConfig

/// How the samples of matching series are reduced before they are buffered.
package struct AggregationRule: Sendable, Hashable {
    /// What is done to each series.
    package enum Mode: Sendable, Hashable {
        /// Every sample as taken.
        case raw
        /// Report by exception: a sample is kept when it moved more than `absolute` (or
        /// `percent` of the last kept value) from the last kept one, or when `heartbeat` passed
        /// since it, so silence never looks like a dead sensor.
        case deadband(absolute: Double?, percent: Double?, heartbeat: Duration)
        /// Tumbling windows on wall-clock boundaries: `SERIES.min`, `.max`, `.mean`, `.last`,
        /// `.count` per window, of the good samples; bad ones are counted in `.bad`.
        case window(Duration)
        /// A counter turned into a rate per second between consecutive good samples
        /// (`SERIES.rate`); a counter that went backwards (reset, wrap) starts again.
        case rate
    }

    /// The series it applies to: an exact name or a glob (`meter-*.voltage_*`, `gps.*`).
    package var pattern: String
    /// What is done.
    package var mode: Mode

    /// Creates a rule.
    package init(pattern: String, mode: Mode) {
        self.pattern = pattern
        self.mode = mode
    }

    /// Whether `series` matches the pattern (`*` any run of characters, `?` one character).
    package func matches(_ series: String) -> Bool { SeriesPattern(pattern).matches(series) }
}
