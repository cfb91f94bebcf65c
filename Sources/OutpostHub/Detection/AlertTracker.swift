import OutpostDetect

/// One series' alert state machine, fed its scores in time order. Pure: it says what to do
/// (open, touch, resolve); `DetectionEngine` does it.
///
/// - An alert opens on the first anomalous sample of a spike, limit or rate (one sample is the
///   whole event), and after `confirmation` anomalous samples in a row for the other kinds, so
///   a single borderline sample does not page anyone.
/// - While it is open, further anomalies belong to it: one ongoing problem is one alert.
/// - It resolves once no sample has been anomalous for `resolveAfter` (hysteresis: a score must
///   also fall below `quiet` to count as normal), so it does not flap.
package struct AlertTracker: Sendable {
    /// What the engine must do after a sample.
    package enum Action: Equatable, Sendable {
        case none
        case open(kind: AnomalyKind, score: Double, at: Int64)
        /// A further anomaly of the open alert; `kind` when the alert turns out to be a lasting
        /// problem after opening on what looked like a spike (the first sample of a step does).
        case touch(id: Int64, score: Double, at: Int64, kind: AnomalyKind?)
        /// `reason` when the alert ends for more than being quiet: its shift became the normal.
        case resolve(id: Int64, at: Int64, reason: String?)
    }

    package var confirmation = 3
    package var resolveAfter: Int64 = 15 * 60_000_000_000
    package var quiet = 0.3
    /// The open alert, when there is one.
    package var openID: Int64?
    /// Its kind as last recorded.
    var openKind: AnomalyKind?
    /// When it opened.
    var openedAt: Int64?
    private var pending = 0
    private var pendingKind: AnomalyKind?
    private var lastAnomaly: Int64 = .min

    /// A tracker with nothing open.
    package init() {}

    /// What an alert whose shift became the new normal says.
    static func settledReason(_ kind: AnomalyKind, after duration: Int64) -> String {
        let minutes = max(0, duration / 60_000_000_000)
        let lasted = minutes >= 120 ? "\(minutes / 60) h" : "\(minutes) min"
        let what = kind == .drift ? "drift" : "change of level"
        return "the \(what) lasted \(lasted) and settled: it is now this series' normal"
    }

    /// Takes one scored sample.
    package mutating func observe(_ score: AnomalyScore, at time: Int64) -> Action {
        if score.learning { return .none }  // no information: neither opens nor resolves
        if score.settledAtNewLevel, let openID,
            openKind == .level || openKind == .drift || openKind == .spike
                || openKind == .rate
        {
            // The shift lasted and settled: it is the series' normal now, and its alert ends.
            let reason = Self.settledReason(score.kind ?? openKind ?? .level, after: time - (openedAt ?? time))
            self.openID = nil
            openKind = nil
            openedAt = nil
            pending = 0
            pendingKind = nil
            return .resolve(id: openID, at: time, reason: reason)
        }
        if score.isAnomalous, let kind = score.kind {
            lastAnomaly = time
            if let openID {
                let instant = openKind == .spike || openKind == .rate
                let lasting = instant && kind != .spike && kind != .rate && kind != .limit
                if lasting { openKind = kind }
                return .touch(id: openID, score: score.value, at: time, kind: lasting ? kind : nil)
            }
            pending += 1
            if pendingKind == nil { pendingKind = kind }
            let instant = kind == .spike || kind == .limit || kind == .rate
            guard instant || pending >= confirmation else { return .none }
            pending = 0
            defer { pendingKind = nil }
            openKind = pendingKind ?? kind
            openedAt = time
            return .open(kind: pendingKind ?? kind, score: score.value, at: time)
        }
        if score.value < quiet {
            pending = 0
            pendingKind = nil
        }
        if let openID, score.value < quiet, time - lastAnomaly >= resolveAfter {
            self.openID = nil
            openKind = nil
            openedAt = nil
            return .resolve(id: openID, at: time, reason: nil)
        }
        return .none
    }
}
