/// Wall-clock ticks of a fixed interval: a 10 s poll runs at :00, :10, :20 of every minute on
/// every gateway, so readings line up across a fleet. Pure: times go in, ticks come out.
///
/// A tick that is missed because the previous one overran is skipped, not run late, and counted.
package struct TickSchedule: Sendable, Hashable {
    /// The interval in nanoseconds.
    package let interval: Int64

    /// Creates a schedule; intervals below 1 ms are raised to 1 ms.
    package init(interval: Duration) {
        let nanoseconds = interval.components.seconds * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000
        self.interval = max(nanoseconds, 1_000_000)
    }

    /// The first tick at or after `time` (nanoseconds since the epoch).
    package func tick(atOrAfter time: Int64) -> Int64 {
        let remainder = ((time % interval) + interval) % interval
        return remainder == 0 ? time : time - remainder + interval
    }

    /// The tick to run after finishing `done` at `now`, and how many ticks were skipped because
    /// `now` is already past them.
    package func next(after done: Int64, now: Int64) -> (tick: Int64, skipped: Int) {
        let following = done + interval
        guard now > following else { return (following, 0) }
        // A wall clock stepped far forward (NTP after boot) is not an overrun: start again from now.
        guard now - following < 1000 * interval else { return (tick(atOrAfter: now), 0) }
        let skipped = Int((now - following) / interval) + 1
        return (following + Int64(skipped) * interval, skipped)
    }

    /// How long to wait from `now` until `tick`: never negative, and never more than one interval
    /// (a wall clock stepped backwards does not stall polling).
    package func wait(until tick: Int64, now: Int64) -> Duration {
        .nanoseconds(min(max(tick - now, 0), interval))
    }
}
