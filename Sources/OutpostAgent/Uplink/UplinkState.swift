/// What the uplink knows about batches on their way: which are in flight since when, and when a
/// batch must be sent again. Pure: the caller passes the time.
///
/// A batch leaves the in-flight set only when the hub acknowledged it (and the outbox deleted
/// it), when the connection dropped (everything in flight is sent again after reconnect), or when
/// no acknowledgement came within the timeout (sent again; the hub dedupes by sequence number).
struct UplinkState: Sendable {
    /// Whether the broker accepted the connection.
    var connected = false
    /// Sequence number → when it was published.
    private(set) var inFlight: [UInt64: ContinuousClock.Instant] = [:]
    /// Batches sent again after a timeout, since start.
    private(set) var resentAfterTimeout = 0
    /// Batches published, since start.
    private(set) var published = 0
    /// When the last acknowledgement arrived.
    var lastAcknowledgement: ContinuousClock.Instant?
    /// Hub time minus gateway wall time at the last acknowledgement, nanoseconds.
    var clockOffset: Int64?

    /// How many more batches may be published now.
    func room(window: Int) -> Int { connected ? max(0, window - inFlight.count) : 0 }

    /// Records a publication.
    mutating func sent(_ sequence: UInt64, at now: ContinuousClock.Instant) {
        inFlight[sequence] = now
        published += 1
    }

    /// Records acknowledged sequence numbers.
    mutating func acknowledged(_ sequences: [UInt64], at now: ContinuousClock.Instant) {
        for sequence in sequences { inFlight[sequence] = nil }
        lastAcknowledgement = now
    }

    /// Forgets batches published longer than `timeout` ago, so they are sent again.
    mutating func expire(olderThan timeout: Duration, at now: ContinuousClock.Instant) {
        let expired = inFlight.filter { now - $0.value >= timeout }.map(\.key)
        for sequence in expired { inFlight[sequence] = nil }
        resentAfterTimeout += expired.count
    }

    /// The connection dropped: nothing is in flight any more.
    mutating func lostConnection() {
        connected = false
        disconnections += 1
        inFlight.removeAll()
    }

    /// How many times the connection dropped: tells a reconnect check whether it is still current.
    var disconnections = 0
}

/// Spends a bytes-per-second budget for backfill over metered links. Pure.
struct ByteBudget: Sendable {
    let bytesPerSecond: Int64?
    private var available: Double
    private var last: ContinuousClock.Instant?

    init(bytesPerSecond: Int64?) {
        self.bytesPerSecond = bytesPerSecond
        available = Double(bytesPerSecond ?? 0)
    }

    /// Whether `bytes` may be sent at `now`; spends them when so. A frame larger than one
    /// second's budget goes when the budget is full (the budget may go negative), so it is
    /// never stuck for ever.
    mutating func spend(_ bytes: Int, at now: ContinuousClock.Instant) -> Bool {
        guard let rate = bytesPerSecond else { return true }
        if let last {
            let elapsed = now - last
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            available = min(Double(rate), available + seconds * Double(rate))
        }
        last = now
        guard available >= Double(min(Int64(bytes), rate)) else { return false }
        available -= Double(bytes)
        return true
    }
}
