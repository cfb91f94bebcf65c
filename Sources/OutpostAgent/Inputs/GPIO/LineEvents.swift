/// One edge on a GPIO line, as the kernel timestamps it: the seam between libgpiod (or a test)
/// and the counting logic.
package struct LineEvent: Sendable, Hashable {
    /// Which way the line went, electrically.
    package enum Edge: Sendable, Hashable {
        case rising, falling
    }

    /// The edge.
    package var edge: Edge
    /// When, in nanoseconds of the kernel's monotonic clock.
    package var timestamp: Int64

    /// Creates an event.
    package init(_ edge: Edge, at timestamp: Int64) {
        self.edge = edge
        self.timestamp = timestamp
    }
}

/// Counts the pulses of a line (rain gauge tips, flow meter and energy meter pulse outputs) with
/// debounce, and turns them into a count and a rate per interval. Pure: it reads no clock.
///
/// A pulse is the line becoming active (rising, or falling when `activeLow`). An edge within
/// `debounce` of the last accepted edge is contact bounce and is ignored (and counted as such).
package struct PulseCounter: Sendable {
    /// Edges closer than this to the previous accepted edge are bounce.
    package let debounce: Duration
    /// The line is active when low (open-collector outputs pulled up).
    package let activeLow: Bool
    /// Pulses since the counter was made: never reset, for counter series.
    package private(set) var total: UInt64 = 0
    /// Pulses in the current interval.
    package private(set) var inInterval: UInt64 = 0
    /// Edges ignored as bounce since the counter was made.
    package private(set) var bounces: UInt64 = 0
    private var lastAccepted: Int64?
    private var active: Bool?

    /// Creates a counter.
    package init(debounce: Duration = .milliseconds(5), activeLow: Bool = false) {
        self.debounce = debounce
        self.activeLow = activeLow
    }

    /// Takes one event; returns whether it counted as a pulse.
    @discardableResult
    package mutating func consume(_ event: LineEvent) -> Bool {
        let nanoseconds = debounce.components.seconds * 1_000_000_000 + debounce.components.attoseconds / 1_000_000_000
        if let last = lastAccepted, event.timestamp - last < nanoseconds {
            bounces += 1
            return false
        }
        lastAccepted = event.timestamp
        let nowActive = (event.edge == .rising) != activeLow
        defer { active = nowActive }
        // A repeated edge of the same direction (a missed event) is not a second pulse.
        guard nowActive, active != true else { return false }
        total += 1
        inInterval += 1
        return true
    }

    /// Ends an interval of `length`: returns its pulse count and rate per second, and starts
    /// the next interval.
    package mutating func closeInterval(length: Duration) -> (count: UInt64, perSecond: Double) {
        let seconds = Double(length.components.seconds) + Double(length.components.attoseconds) / 1e18
        let count = inInterval
        inInterval = 0
        return (count, seconds > 0 ? Double(count) / seconds : 0)
    }
}
