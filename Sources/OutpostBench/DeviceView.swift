import OutpostDetect

/// A device's series judged together. A valve closing shows a little in flow, pressure and
/// current at once, each short of its own threshold; together they are one event. The device's
/// score at a moment is the root of the sum of its series' squared scores, capped at 1: one
/// series at 0.5 is anomalous on its own, and so are two at 0.36 or four at 0.25, while a single
/// series' score is unchanged.
///
/// The benchmark's device view of SKAB (`SKABEvaluation`); the hub does not raise device alerts
/// yet. With many series the sum needs calibrating: sixteen series of a meter at a normal 0.15
/// each would add up to 0.6.
package enum DeviceView {
    /// The device's score from its series' scores at one moment (NaN and negative scores count
    /// for nothing).
    package static func score(_ scores: some Sequence<Double>) -> Double {
        var squares = 0.0
        for score in scores where score > 0 { squares += min(score, 1) * min(score, 1) }
        return min(1, squares.squareRoot())
    }

    /// Whether the device is anomalous at that moment.
    package static func isAnomalous(_ scores: some Sequence<Double>) -> Bool { score(scores) >= AnomalyScore.threshold }
}

/// Where a flag (a device anomalous or not) changes state, as a change-point detector reports
/// it: a change counts once the flag has held its previous state for `hold`, so a flag that
/// flickers around its threshold is one change, not dozens.
package struct StateChanges: Sendable {
    /// How long a state must have held before a change of it counts (ns).
    package let hold: Int64
    /// The state as last counted.
    package private(set) var state = false
    private var since: Int64?

    /// Changes counted after `hold` (ns) of the previous state.
    package init(hold: Int64) { self.hold = hold }

    /// Takes the flag at `time` (ns, in order); true when this is a counted change.
    package mutating func observe(_ flagged: Bool, at time: Int64) -> Bool {
        guard flagged != state else { return false }
        if let since {
            let (held, overflow) = time.subtractingReportingOverflow(since)
            // Far apart enough to overflow counts when later; a time going back never does.
            guard overflow ? time > since : held >= hold else { return false }
        }
        state = flagged
        since = time
        return true
    }
}
