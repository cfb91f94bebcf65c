/// The gateway-level checks, as a pure state machine fed frame arrivals, status reports and the
/// passing of time (hub time, ns):
///
/// - **silence**: a gateway that has sent at least five frames is silent when nothing arrived
///   for ten of its usual gaps between frames, and never less than five minutes. The usual gap
///   is learned from when the gateway sealed its frames (their monotonic times within one boot),
///   not from when they arrived: a backlog delivered in a burst after an outage says nothing
///   about the schedule;
/// - **fleet silence**: when at least five gateways and half of those being watched are late at
///   once (nothing for three usual gaps and 30 s), it is one fleet incident (a broker or network
///   outage), not an alert per gateway. Lateness comes long before silence, so the incident is
///   declared before the quickest gateways would have been called silent one by one;
/// - **backlog**: a backlog that has not drained for 30 minutes. Backlog reports are a sawtooth
///   (readings pile up between frames and fall when one is acknowledged), so the check looks at
///   the lowest report of each span of two usual frame gaps (and two usual report gaps, and at
///   least two minutes): the backlog is growing while each span's low is above the one before
///   and above the usual top of the sawtooth, learned from spans that were not growing. A gap in
///   the reports (an outage) ends the evidence rather than bridging it;
/// - **clock**: within one boot, wall time minus monotonic time is constant unless the wall clock
///   was stepped; a step of more than 5 s is an event worth knowing.
///
/// Alerts it opened resolve when the condition is over (silence, backlog) or after
/// `resolveAfter` (clock, an event).
package struct GatewayWatch: Sendable {
    package enum Action: Equatable, Sendable {
        case open(gateway: String, kind: AlertKind, at: Int64)
        case resolve(gateway: String, kind: AlertKind, at: Int64)
    }

    struct Gateway: Sendable {
        var lastSeen: Int64 = .min
        var usualGap = 0.0
        var gaps = 0
        /// The boot and monotonic time of the newest frame sealed, for the schedule.
        var scheduleBoot: [UInt8] = []
        var lastCreatedMonotonic: Int64 = .min
        var boot: [UInt8] = []
        var wallMinusMonotonic: Int64 = 0
        var backlog = BacklogTrend()
        var clockJumpAt: Int64?
        var open: Set<AlertKind> = []
    }

    package var resolveAfter: Int64 = 15 * 60_000_000_000
    private(set) var gateways: [String: Gateway] = [:]
    private(set) var fleetIncident = false

    package init() {}

    /// Takes up an alert left open before a restart, so it is resolved when its condition ends.
    mutating func adopt(_ gateway: String, kind: AlertKind, openedAt: Int64) {
        if kind == .fleetSilence {
            fleetIncident = true
            return
        }
        gateways[gateway, default: Gateway()].open.insert(kind)
        if kind == .clock { gateways[gateway]?.clockJumpAt = openedAt }
    }

    /// A frame of `gateway`, sealed at `createdMonotonic` in boot `boot`, arrived at `time`.
    package mutating func frame(
        _ gateway: String, at time: Int64, boot: [UInt8], createdMonotonic: Int64, wallMinusMonotonic: Int64,
        synchronised: Bool
    ) -> [Action] {
        var state = gateways[gateway] ?? Gateway()
        var actions: [Action] = []
        if state.scheduleBoot == boot, createdMonotonic > state.lastCreatedMonotonic {
            // In Double: a signed frame may carry any Int64, and the difference of two must not trap.
            let gap = Double(createdMonotonic) - Double(state.lastCreatedMonotonic)
            state.gaps += 1
            state.usualGap += (gap - state.usualGap) / Double(min(state.gaps, 50))
        }
        if state.scheduleBoot != boot || createdMonotonic > state.lastCreatedMonotonic {
            state.scheduleBoot = boot
            state.lastCreatedMonotonic = createdMonotonic
        }
        state.lastSeen = max(state.lastSeen, time)
        if state.open.remove(.silence) != nil { actions.append(.resolve(gateway: gateway, kind: .silence, at: time)) }
        if synchronised {
            let (jump, overflow) = wallMinusMonotonic.subtractingReportingOverflow(state.wallMinusMonotonic)
            if state.boot == boot, overflow || jump.magnitude > 5_000_000_000, !state.open.contains(.clock) {
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

    /// A frame of `gateway` reached another hub replica at `time`: it counts for silence, not for
    /// the schedule (each replica learns the usual gap from the frames it applies itself; with
    /// the batches shared out, that gap is longer, which only makes its silence check slower).
    package mutating func heard(_ gateway: String, at time: Int64) -> [Action] {
        guard var state = gateways[gateway] else { return [] }
        state.lastSeen = max(state.lastSeen, time)
        let resolved = state.open.remove(.silence) != nil
        gateways[gateway] = state
        return resolved ? [.resolve(gateway: gateway, kind: .silence, at: time)] : []
    }

    /// A status report of `gateway` said its backlog is `backlog` readings.
    package mutating func backlog(_ gateway: String, _ backlog: Int64, at time: Int64) -> [Action] {
        var state = gateways[gateway] ?? Gateway()
        var actions: [Action] = []
        let open = state.open.contains(.backlog)
        switch state.backlog.report(backlog, at: time, frameGap: state.usualGap, open: open) {
        case .opens:
            state.open.insert(.backlog)
            actions.append(.open(gateway: gateway, kind: .backlog, at: time))
        case .resolves:
            state.open.remove(.backlog)
            actions.append(.resolve(gateway: gateway, kind: .backlog, at: time))
        case .none:
            break
        }
        gateways[gateway] = state
        return actions
    }

    /// Time passed: silences, the fleet incident, and clock events to resolve.
    package mutating func check(at now: Int64) -> [Action] {
        var actions: [Action] = []
        var silent: [String] = []
        var late = 0
        var watched = 0
        for (id, state) in gateways where state.gaps >= 5 {
            watched += 1
            let quiet = Double(now) - Double(state.lastSeen)
            if quiet > 3 * state.usualGap + 30e9 { late += 1 }
            if quiet > max(10 * state.usualGap, 300e9) { silent.append(id) }
        }
        let incident = late >= 5 && late * 2 >= watched
        if incident != fleetIncident {
            fleetIncident = incident
            actions.append(
                incident
                    ? .open(gateway: "", kind: .fleetSilence, at: now)
                    : .resolve(gateway: "", kind: .fleetSilence, at: now))
        }
        if !incident {
            for id in silent where !(gateways[id]?.open.contains(.silence) ?? true) {
                gateways[id]?.open.insert(.silence)
                actions.append(.open(gateway: id, kind: .silence, at: now))
            }
        }
        for (id, state) in gateways {
            if let jump = state.clockJumpAt, now.subtractingSaturating(jump) >= resolveAfter {
                gateways[id]?.clockJumpAt = nil
                gateways[id]?.open.remove(.clock)
                actions.append(.resolve(gateway: id, kind: .clock, at: now))
            }
        }
        return actions
    }
}
