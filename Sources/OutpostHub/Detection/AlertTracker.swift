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
public struct AlertTracker: Sendable {
    /// What the engine must do after a sample.
    public enum Action: Equatable, Sendable {
        case none
        case open(kind: AnomalyKind, score: Double, at: Int64)
        /// A further anomaly of the open alert; `kind` when the alert turns out to be a lasting
        /// problem after opening on what looked like a spike (the first sample of a step does).
        case touch(id: Int64, score: Double, at: Int64, kind: AnomalyKind?)
        case resolve(id: Int64, at: Int64)
    }

    public var confirmation = 3
    public var resolveAfter: Int64 = 15 * 60_000_000_000
    public var quiet = 0.3
    /// The open alert, when there is one.
    public var openID: Int64?
    /// Its kind as last recorded.
    var openKind: AnomalyKind?
    /// When it opened.
    var openedAt: Int64?
    private var pending = 0
    private var pendingKind: AnomalyKind?
    private var lastAnomaly: Int64 = .min

    /// A tracker with nothing open.
    public init() {}

    /// Takes one scored sample.
    public mutating func observe(_ score: AnomalyScore, at time: Int64) -> Action {
        if score.learning { return .none }  // no information: neither opens nor resolves
        if score.isAnomalous, let kind = score.kind {
            lastAnomaly = time
            if let openID {
                let lasting = openKind == .spike && kind != .spike && kind != .rate && kind != .limit
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
            return .resolve(id: openID, at: time)
        }
        return .none
    }
}
