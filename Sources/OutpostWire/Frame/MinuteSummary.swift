/// What a batch frame carries, written in its flags byte.
///
/// A gateway near its data budget sends the minutes' summaries of a batch at once and holds
/// the readings back until the budget renews: the hub adds the summaries to its rollups, so
/// charts over minutes and hours stay whole, and later stores the readings without adding them
/// again (docs/wire-format.md, "Summary frames").
package enum FrameKind: UInt8, Sendable, Hashable {
    /// Readings in chunks; the hub stores them and adds them to its rollups.
    case readings = 0
    /// Minute summaries of readings held back; no chunks.
    case summary = 1
    /// Readings whose minute summaries went before: stored, not added to the rollups again.
    case deferredReadings = 2
}

/// One series' readings in one minute (of the gateway's clock), summarised.
package struct MinuteSummary: Sendable, Hashable {
    /// The id of its series in the frame's dictionary.
    package var seriesID: UInt32
    /// The minute: its start is `minute × 60 s` since the epoch.
    package var minute: Int64
    /// Readings, whatever their quality.
    package var count: Int
    /// Valid readings (good, code 0, finite), ≤ count.
    package var validCount: Int
    /// Smallest, largest and last (by sample order) valid value and the sum of the valid
    /// values; NaN, NaN, 0 and NaN when none is valid.
    package var min: Double
    package var max: Double
    package var sum: Double
    package var last: Double
    /// Milliseconds from the minute's start to its newest reading, < 60,000.
    package var newestMilliseconds: Int
    /// The sum in whole steps of the series' resolution, when every valid value is a whole
    /// number of steps: what makes the compact (quantised) form possible.
    package var sumSteps: Int64?

    /// A minute in nanoseconds.
    package static let width: Int64 = 60_000_000_000

    /// Creates a summary.
    package init(
        seriesID: UInt32, minute: Int64, count: Int, validCount: Int, min: Double, max: Double, sum: Double,
        last: Double, newestMilliseconds: Int, sumSteps: Int64? = nil
    ) {
        self.seriesID = seriesID
        self.minute = minute
        self.count = count
        self.validCount = validCount
        self.min = min
        self.max = max
        self.sum = sum
        self.last = last
        self.newestMilliseconds = newestMilliseconds
        self.sumSteps = sumSteps
    }

    /// The start of the minute, ns since the epoch (saturating at the ends of `Int64`).
    package var start: Int64 { minute.multipliedSaturating(by: Self.width) }

    /// The time of the newest reading, ns since the epoch.
    package var newest: Int64 { start.addingSaturating(Int64(newestMilliseconds) * 1_000_000) }

    /// The minute holding `timestamp` (floor division, so times before 1970 fall back too).
    package static func minute(of timestamp: Int64) -> Int64 {
        let (quotient, remainder) = timestamp.quotientAndRemainder(dividingBy: width)
        return remainder < 0 ? quotient - 1 : quotient
    }
}

/// Sums up readings, series by series and minute by minute, into `MinuteSummary` entries:
/// the body of a summary frame.
package struct MinuteSummaries: Sendable {
    private struct Key: Hashable, Comparable {
        var series: UInt32
        var minute: Int64
        static func < (a: Key, b: Key) -> Bool { (a.series, a.minute) < (b.series, b.minute) }
    }

    private var entries: [Key: MinuteSummary] = [:]

    /// Creates an empty set.
    package init() {}

    /// Adds one reading of series `seriesID`, whose resolution is `resolution`.
    package mutating func add(_ sample: Sample, series seriesID: UInt32, resolution: Resolution?) {
        let minute = MinuteSummary.minute(of: sample.timestamp)
        let key = Key(series: seriesID, minute: minute)
        var entry =
            entries[key]
            ?? MinuteSummary(
                seriesID: seriesID, minute: minute, count: 0, validCount: 0, min: .nan, max: .nan, sum: 0, last: .nan,
                newestMilliseconds: 0, sumSteps: resolution == nil ? nil : 0)
        entry.count += 1
        let offset = sample.timestamp.subtractingSaturating(entry.start) / 1_000_000
        entry.newestMilliseconds = Swift.max(entry.newestMilliseconds, Int(offset))
        if sample.quality == .good, sample.value.isFinite {
            // The value a chunk carries: quantised to the resolution when it can be.
            let steps = resolution?.steps(of: sample.value)
            let value = steps.flatMap { steps in resolution.map { $0.value(ofSteps: steps) } } ?? sample.value
            entry.sum = entry.validCount == 0 ? value : entry.sum + value
            entry.validCount += 1
            entry.min = entry.min.isNaN ? value : Swift.min(entry.min, value)
            entry.max = entry.max.isNaN ? value : Swift.max(entry.max, value)
            entry.last = value
            if let sum = entry.sumSteps {
                let (total, overflow) = steps.map { sum.addingReportingOverflow($0) } ?? (0, true)
                entry.sumSteps = overflow ? nil : total
            }
        }
        entries[key] = entry
    }

    /// The summaries, by series then minute: the order a frame holds them in.
    package var summaries: [MinuteSummary] { entries.keys.sorted().compactMap { entries[$0] } }
}
