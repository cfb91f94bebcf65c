import OutpostConfig
import OutpostWire
import Synchronization

/// The uplink's data budget at work: it counts what crosses the link (`LinkCost`), lets a
/// message through only when it fits, tells the outbox at sealing whether a batch goes as
/// minute summaries, and says when its count should be saved.
///
/// Readings and live values must leave room for the rest of the period's summaries, status and
/// keepalives (`reserve`); summaries and status need only fit. Messages are counted when sent
/// or received; what libmosquitto does on its own (keepalives, reconnects) is counted as it
/// would cost.
package final class LinkBudget: SealingBudget {
    private struct State {
        var budget: DataBudget
        /// Bytes a second the period's summaries take, learned at each sealing.
        var summaryRate: Double?
        /// The last status document's size.
        var statusBytes = 800
        /// Whether the last batch sealed went as summaries.
        var summarising = false {
            didSet { if summarising != oldValue { changed = true } }
        }
        /// Whether `summarising` changed since the status last said.
        var changed = false
        /// Bytes counted since the count was last saved.
        var unsaved: Int64 = 0
    }

    private let state: Mutex<State>
    /// The status interval the reserve assumes: the summarising one.
    private let reserveStatusInterval: Duration
    private let keepalive: Duration
    let tls: Bool
    private let wall: @Sendable () -> Int64

    /// A budget of `limit`, resuming the count `stored` (period, bytes) when there is one.
    package init(
        limit: DataBudget.Limit, stored: (period: Int64, used: Int64)?, statusInterval: Duration, keepalive: Duration,
        tls: Bool, wall: @escaping @Sendable () -> Int64
    ) {
        let now = wall()
        var budget = DataBudget(
            limit: limit, period: stored?.period ?? DataBudget.period(of: now, limit.period), used: stored?.used ?? 0)
        budget.roll(to: now)
        state = Mutex(State(budget: budget))
        reserveStatusInterval = max(statusInterval, Self.summarisingStatusInterval)
        self.keepalive = keepalive
        self.tls = tls
        self.wall = wall
    }

    /// What may go: status and summaries need only fit; readings and live values leave the reserve.
    package enum Traffic: Sendable {
        case readings, summary, status, live
    }

    /// Counts `bytes` and returns true if a message of `traffic` costing `bytes` fits now;
    /// counts nothing and returns false otherwise.
    package func take(_ traffic: Traffic, bytes: Int) -> Bool {
        state.withLock { state in
            let now = wall()
            Self.roll(&state, to: now)
            let reserve: Int64 =
                switch traffic {
                case .summary, .status: 0
                case .readings, .live: state.budget.reserve(rate: reserveRate(state), at: now)
                }
            guard state.budget.fits(bytes, reserve: reserve) else { return false }
            state.budget.charge(bytes)
            state.unsaved += Int64(bytes)
            return true
        }
    }

    /// `take(_:bytes:)` for a PUBLISH of `payload` bytes on a topic of `topic` bytes.
    package func take(_ traffic: Traffic, topic: String, payload: Int, qos: Int = 1) -> Bool {
        take(traffic, bytes: cost(topic: topic.utf8.count, payload: payload, qos: qos))
    }

    /// What a PUBLISH costs on this link (`LinkCost`), sent or received.
    package func cost(topic: Int = LinkBudget.typicalTopic, payload: Int, qos: Int = 1) -> Int {
        LinkCost.publish(topic: topic, payload: payload, qos: qos, tls: tls)
    }

    /// A gateway's topic length for estimates (`outpost/v1/` + a 20-byte id + `/batch`).
    package static let typicalTopic = 40

    /// Whether a frame of `kind` costing `bytes` would fit now (for choosing what to read).
    package func admits(_ kind: FrameKind, bytes: Int) -> Bool {
        state.withLock { state in
            let now = wall()
            Self.roll(&state, to: now)
            let reserve = kind == .summary ? 0 : state.budget.reserve(rate: reserveRate(state), at: now)
            return state.budget.fits(bytes, reserve: reserve)
        }
    }

    /// Counts what crossed the link whatever the budget says (received messages, keepalives,
    /// reconnects).
    package func charge(_ bytes: Int) {
        state.withLock { state in
            Self.roll(&state, to: wall())
            state.budget.charge(bytes)
            state.unsaved += Int64(bytes)
        }
    }

    /// Moves the count to the period of `now`; a renewed budget starts with readings again.
    private static func roll(_ state: inout State, to now: Int64) {
        if state.budget.roll(to: now) { state.summarising = false }
    }

    /// While summaries go, the status goes at most this often: a status every 30 s is 3.6 MB a
    /// day, more than many budgets; the summaries (every batch) and this keep the hub's view fresh.
    package static let summarisingStatusInterval: Duration = .seconds(240)

    /// How often the status goes now: `configured`, or while summarising at most every 4 minutes.
    package func statusInterval(configured: Duration) -> Duration {
        state.withLock { $0.summarising } ? max(configured, Self.summarisingStatusInterval) : configured
    }

    /// Whether what the gateway sends changed since this was last asked: the status then goes
    /// at once, so the hub sees the switch to summaries (or back) when it happens.
    package func sendingChanged() -> Bool {
        state.withLock { state in
            defer { state.changed = false }
            return state.changed
        }
    }

    /// Remembers the status document's size, part of what the reserve covers.
    package func statusSize(_ bytes: Int) { state.withLock { $0.statusBytes = bytes } }

    package func summarise(readingsBytes: Int, summaryBytes: Int, span: Duration) -> Bool {
        state.withLock { state in
            let now = wall()
            Self.roll(&state, to: now)
            let seconds = max(1, Double(span.components.seconds) + Double(span.components.attoseconds) / 1e18)
            let rate = Double(cost(payload: summaryBytes)) / seconds
            state.summaryRate = state.summaryRate.map { 0.7 * $0 + 0.3 * rate } ?? rate
            let cost = cost(payload: readingsBytes)
            let reserve = state.budget.reserve(rate: reserveRate(state), at: now)
            state.summarising = !state.budget.fits(cost, reserve: reserve)
            return state.summarising
        }
    }

    /// Bytes a second the rest of the period needs, summarising: summaries, status (at its
    /// summarising interval) and keepalives, with a fifth more for what the estimates miss.
    private func reserveRate(_ state: State) -> Double {
        let status =
            Double(cost(payload: state.statusBytes))
            / max(1, Double(reserveStatusInterval.components.seconds))
        let ping = Double(LinkCost.ping(tls: tls)) / max(1, Double(keepalive.components.seconds))
        return ((state.summaryRate ?? 0) + status + ping) * 1.2
    }

    /// The budget's state for the status document.
    package var document: StatusDocument.Budget {
        state.withLock { state in
            let now = wall()
            Self.roll(&state, to: now)
            let status = cost(payload: state.statusBytes)
            let sending: DataBudget.Sending =
                !state.budget.fits(status) ? .nothing : state.summarising ? .summaries : .readings
            return StatusDocument.Budget(
                limit: state.budget.limit.bytes, period: state.budget.limit.period.rawValue, used: state.budget.used,
                renewsAt: DataBudget.end(of: state.budget.period, state.budget.limit.period), sending: sending.rawValue)
        }
    }

    /// The count to save, when `threshold` bytes or more were counted since the last save (or
    /// `force`); nil otherwise.
    package func unsaved(threshold: Int64, force: Bool = false) -> (period: Int64, used: Int64)? {
        state.withLock { state in
            guard force || state.unsaved >= threshold else { return nil }
            state.unsaved = 0
            return (state.budget.period, state.budget.used)
        }
    }
}
