import OutpostDetect

/// What an alert is about: a series' anomaly (as its detectors name it) or a gateway's.
package enum AlertKind: String, Sendable, Hashable, CaseIterable {
    case spike, level, drift, variance, stuck, rate, limit
    /// A gateway silent for longer than its schedule and history allow.
    case silence
    /// A gateway whose backlog keeps growing.
    case backlog
    /// A gateway's wall clock stepped (by more than 5 s within one boot).
    case clock
    /// Most of the fleet went silent at once (a broker or network outage): one incident, not one
    /// alert per gateway.
    case fleetSilence = "fleet_silence"

    /// The alert kind of a detector's anomaly.
    package init(_ anomaly: AnomalyKind) {
        self = AlertKind(rawValue: anomaly.rawValue) ?? .level
    }
}

/// An alert: one ongoing problem of one series (or of one gateway: its series name is empty), from the first anomalous sample until the series
/// has been normal for a while.
package struct Alert: Sendable, Hashable {
    /// Where it is in its life.
    package enum State: String, Sendable, CaseIterable {
        /// The problem is going on and nobody has said they saw it.
        case firing
        /// An operator saw it (the problem may still be going on).
        case acknowledged
        /// The series has been normal again for the resolve delay.
        case resolved
    }

    /// The store's id.
    package var id: Int64
    /// The series.
    package var series: SeriesKey
    /// What the problem is (an alert that opened on what looked like a spike takes the kind of
    /// the lasting problem it turned out to be).
    package var kind: AlertKind
    /// Where it is.
    package var state: State
    /// The highest score so far.
    package var score: Double
    /// The first anomalous sample's time (ns).
    package var openedAt: Int64
    /// The latest anomalous sample's time.
    package var lastAnomalyAt: Int64
    /// When it resolved.
    package var resolvedAt: Int64?
    /// Who acknowledged it.
    package var acknowledgedBy: String?
    /// Their note.
    package var note: String?
    /// Why it resolved, when not simply because the series was normal again for the resolve
    /// delay (e.g. the shift lasted and became the series' new normal).
    package var resolution: String?

    /// Creates an alert.
    package init(
        id: Int64, series: SeriesKey, kind: AlertKind, state: State, score: Double, openedAt: Int64,
        lastAnomalyAt: Int64, resolvedAt: Int64? = nil, acknowledgedBy: String? = nil, note: String? = nil,
        resolution: String? = nil
    ) {
        self.resolution = resolution
        self.id = id
        self.series = series
        self.kind = kind
        self.state = state
        self.score = score
        self.openedAt = openedAt
        self.lastAnomalyAt = lastAnomalyAt
        self.resolvedAt = resolvedAt
        self.acknowledgedBy = acknowledgedBy
        self.note = note
    }
}

/// Where alerts are kept: the store's side of the alert lifecycle.
package protocol AlertStore: Sendable {
    /// Opens an alert, unless one of the same problem is open already (several hub replicas
    /// may see it at once): its claim, one per series, or per gateway and kind for the gateway's
    /// own alerts, is taken in the store, so only one of them opens it and tells anyone.
    func openAlert(series: SeriesKey, kind: AlertKind, score: Double, at time: Int64) async throws -> AlertOpening
    /// Records a further anomalous sample of an open alert.
    func touchAlert(_ id: Int64, score: Double, at time: Int64) async throws
    /// Records that an alert opened on a spike is a lasting problem of `kind`.
    func reclassifyAlert(_ id: Int64, as kind: AlertKind) async throws
    /// Resolves an alert, saying why when there is more to say than "normal again"; false when
    /// it was resolved already (by another replica).
    func resolveAlert(_ id: Int64, at time: Int64, reason: String?) async throws -> Bool
    /// Acknowledges a firing alert; false when there is no such firing alert.
    func acknowledgeAlert(_ id: Int64, by person: String, note: String, at time: Int64) async throws -> Bool
    /// The alerts `query` selects, newest (highest id) first.
    func alerts(_ query: AlertQuery) async throws -> [Alert]
}

extension AlertStore {
    /// Alerts in `states`, newest first, at most `limit`.
    package func alerts(in states: Set<Alert.State>, limit: Int) async throws -> [Alert] {
        try await alerts(AlertQuery(states: states, limit: limit))
    }

    /// One alert.
    package func alert(_ id: Int64) async throws -> Alert? {
        try await alerts(AlertQuery(states: Set(Alert.State.allCases), id: id, limit: 1)).first
    }
}

/// What `openAlert` did.
package struct AlertOpening: Sendable, Hashable {
    /// The open alert of that problem.
    package var id: Int64
    /// True when this call opened it; false when it was open already.
    package var opened: Bool

    /// Creates an opening.
    package init(id: Int64, opened: Bool) {
        self.id = id
        self.opened = opened
    }

    /// The claim of an alert: one open alert per series, and per gateway and kind for the
    /// gateway's own alerts (series name empty).
    static func claim(_ series: SeriesKey, _ kind: AlertKind) -> String {
        series.name.isEmpty ? "\(series.gateway)//\(kind.rawValue)" : "\(series.gateway)/\(series.name)"
    }
}

/// Which alerts to list.
package struct AlertQuery: Sendable, Hashable {
    /// In these states.
    package var states: Set<Alert.State>
    /// Of this gateway.
    package var gateway: String?
    /// Of this series (name within the gateway; empty: the gateway's own alerts).
    package var series: String?
    /// Of this kind.
    package var kind: AlertKind?
    /// This one alert.
    package var id: Int64?
    /// With ids below this (the next page after the last id seen).
    package var before: Int64?
    /// Open at some time within this range (ns).
    package var overlapping: ClosedRange<Int64>?
    /// At most this many.
    package var limit: Int

    /// Creates a query.
    package init(
        states: Set<Alert.State>, gateway: String? = nil, series: String? = nil, kind: AlertKind? = nil,
        id: Int64? = nil, before: Int64? = nil, overlapping: ClosedRange<Int64>? = nil, limit: Int = 100
    ) {
        self.states = states
        self.gateway = gateway
        self.series = series
        self.kind = kind
        self.id = id
        self.before = before
        self.overlapping = overlapping
        self.limit = limit
    }
}
