import OutpostConfig
import OutpostWire

/// When the agent publishes the latest values on its live topic (`[uplink] live`).
package enum LiveMode: String, Sendable, Hashable, CaseIterable {
    /// At every commit, watched or not (what fixed lines can afford).
    case always
    /// Only while the hub says someone watches (a signed `WatchDocument`): the default with a
    /// fleet key, since nobody looks at most gateways most of the time.
    case onDemand = "on-demand"
    /// Never.
    case never
}

/// The on-demand switch: which watch documents count, and until when live values go out. Pure:
/// the caller passes the clocks.
///
/// A document is refused when it is for another gateway or older than the last one taken (a
/// replay). One taken sets the deadline to its `until`, read against the hub's clock as the
/// agent knows it (its wall clock plus the offset its acknowledgements measured), capped at
/// `WatchDocument.longest` and kept on the monotonic clock, so a clock step neither ends nor
/// stretches it.
struct LiveWatch: Sendable {
    let mode: LiveMode
    let gateway: String
    /// Live values until then (on demand).
    private(set) var deadline: ContinuousClock.Instant?
    /// The `issued_at` of the last document taken.
    private(set) var lastIssuedAt: Int64?
    /// Why the last document refused was refused, for the status.
    private(set) var lastRefusal: String?

    init(mode: LiveMode, gateway: String) {
        self.mode = mode
        self.gateway = gateway
    }

    /// Whether live values go out at `now`.
    func isLive(at now: ContinuousClock.Instant) -> Bool {
        switch mode {
        case .always: true
        case .never: false
        case .onDemand: deadline.map { now < $0 } ?? false
        }
    }

    /// Takes `document`, received at `now` when the hub's clock reads about `hubNow`; nil when
    /// taken, otherwise why not (kept as `lastRefusal`).
    @discardableResult
    mutating func receive(_ document: WatchDocument, hubNow: Int64, at now: ContinuousClock.Instant) -> String? {
        guard document.gateway == gateway else {
            return refuse("a watch document for gateway '\(document.gateway)', not this one")
        }
        if let lastIssuedAt, document.issuedAt < lastIssuedAt {
            return refuse("a watch document issued before the one already taken (a replay?)")
        }
        lastIssuedAt = document.issuedAt
        let left = document.until.subtractingSaturating(hubNow)
        deadline = left > 0 ? now + .nanoseconds(min(left, WatchDocument.longest.nanoseconds)) : nil
        return nil
    }

    /// Records a document that could not be read or verified.
    @discardableResult
    mutating func refuse(_ reason: String) -> String {
        lastRefusal = reason
        return reason
    }

    /// The hub cleared the retained document: nobody watches.
    mutating func cleared() { deadline = nil }

    /// The state for the status document: `always`, `never`, `watched` or `idle`.
    func state(at now: ContinuousClock.Instant) -> String {
        switch mode {
        case .always, .never: mode.rawValue
        case .onDemand: isLive(at: now) ? "watched" : "idle"
        }
    }
}
