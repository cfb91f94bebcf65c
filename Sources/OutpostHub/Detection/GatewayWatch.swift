/// The gateway-level checks, as a pure state machine fed frame arrivals, status reports and the
/// passing of time (hub time, ns):
///
/// - **silence**: a gateway that has sent at least five frames is silent when nothing arrived
///   for ten of its usual gaps between frames (learned), and never less than five minutes;
/// - **fleet silence**: when at least five gateways and half of those being watched are silent
///   at once, it is one fleet incident (a broker or network outage), not an alert per gateway;
/// - **backlog**: a backlog that grew at every status report for 30 minutes;
/// - **clock**: within one boot, wall time minus monotonic time is constant unless the wall clock
///   was stepped; a step of more than 5 s is an event worth knowing.
///
/// Alerts it opened resolve when the condition is over (silence, backlog) or after
/// `resolveAfter` (clock, an event).
struct GatewayWatch: Sendable {
    enum Action: Equatable {
        case open(gateway: String, kind: AlertKind, at: Int64)
        case resolve(gateway: String, kind: AlertKind, at: Int64)
    }

    struct Gateway: Sendable {
        var lastSeen: Int64 = .min
        var usualGap = 0.0
        var gaps = 0
        var boot: [UInt8] = []
        var wallMinusMonotonic: Int64 = 0
        var backlog: Int64 = 0
        var growingSince: Int64?
        var peakBacklog: Int64 = 0
        var clockJumpAt: Int64?
        var open: Set<AlertKind> = []
    }

    var resolveAfter: Int64 = 15 * 60_000_000_000
    private(set) var gateways: [String: Gateway] = [:]
    private(set) var fleetIncident = false

    /// Takes up an alert left open before a restart, so it is resolved when its condition ends.
    mutating func adopt(_ gateway: String, kind: AlertKind, openedAt: Int64) {
        if kind == .fleetSilence {
            fleetIncident = true
            return
        }
        gateways[gateway, default: Gateway()].open.insert(kind)
        if kind == .clock { gateways[gateway]?.clockJumpAt = openedAt }
    }

    /// A frame of `gateway` arrived at `time`.
    mutating func frame(
        _ gateway: String, at time: Int64, boot: [UInt8], wallMinusMonotonic: Int64, synchronised: Bool
    ) -> [Action] {
        var state = gateways[gateway] ?? Gateway()
        var actions: [Action] = []
        if state.lastSeen != .min, time > state.lastSeen {
            let gap = Double(time - state.lastSeen)
            state.gaps += 1
            state.usualGap += (gap - state.usualGap) / Double(min(state.gaps, 50))
        }
        state.lastSeen = max(state.lastSeen, time)
        if state.open.remove(.silence) != nil { actions.append(.resolve(gateway: gateway, kind: .silence, at: time)) }
        if synchronised {
            if state.boot == boot, abs(wallMinusMonotonic - state.wallMinusMonotonic) > 5_000_000_000,
                !state.open.contains(.clock)
            {
                state.open.insert(.clock)
                state.clockJumpAt = time
                actions.append(.open(gateway: gateway, kind: .clock, at: time))
            }
            state.boot = boot
            state.wallMinusMonotonic = wallMinusMonotonic
        }
        gateways[gateway] = state
        return actions
    }

    /// A status report of `gateway` said its backlog is `backlog` readings.
    mutating func backlog(_ gateway: String, _ backlog: Int64, at time: Int64) -> [Action] {
        var state = gateways[gateway] ?? Gateway()
        var actions: [Action] = []
        if backlog > state.backlog, backlog > 0 {
            if state.growingSince == nil { state.growingSince = time }
            state.peakBacklog = max(state.peakBacklog, backlog)
        } else if backlog < state.backlog {
            state.growingSince = nil
        }
        state.backlog = backlog
        if let since = state.growingSince, time - since >= 30 * 60_000_000_000, !state.open.contains(.backlog) {
            state.open.insert(.backlog)
            actions.append(.open(gateway: gateway, kind: .backlog, at: time))
        }
        if state.open.contains(.backlog), backlog <= state.peakBacklog / 2 {
            state.open.remove(.backlog)
            state.peakBacklog = backlog
            actions.append(.resolve(gateway: gateway, kind: .backlog, at: time))
        }
        gateways[gateway] = state
        return actions
    }

    /// Time passed: silences, the fleet incident, and clock events to resolve.
    mutating func check(at now: Int64) -> [Action] {
        var actions: [Action] = []
        var silent: [String] = []
        var watched = 0
        for (id, state) in gateways where state.gaps >= 5 {
            watched += 1
            let allowed = max(10 * state.usualGap, 300e9)
            if Double(now - state.lastSeen) > allowed { silent.append(id) }
        }
        let incident = silent.count >= 5 && silent.count * 2 >= watched
        if incident != fleetIncident {
            fleetIncident = incident
            actions.append(incident ? .open(gateway: "", kind: .fleetSilence, at: now) : .resolve(gateway: "", kind: .fleetSilence, at: now))
        }
        if !incident {
            for id in silent where !(gateways[id]?.open.contains(.silence) ?? true) {
                gateways[id]?.open.insert(.silence)
                actions.append(.open(gateway: id, kind: .silence, at: now))
            }
        }
        for (id, state) in gateways {
            if let jump = state.clockJumpAt, now - jump >= resolveAfter {
                gateways[id]?.clockJumpAt = nil
                gateways[id]?.open.remove(.clock)
                actions.append(.resolve(gateway: id, kind: .clock, at: now))
            }
        }
        return actions
    }
}
