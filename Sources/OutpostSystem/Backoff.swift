/// Exponential backoff with jitter, as a pure state machine: the caller says when an attempt
/// failed or succeeded and asks whether it may try now; no clock is read inside.
///
/// After the n-th consecutive failure the next attempt waits `initial × 2^(n-1)`, capped at
/// `maximum`, minus up to `jitter` of it (spread so a site's devices do not retry in lockstep).
package struct Backoff: Sendable {
    /// The first delay.
    package var initial: Duration
    /// The largest delay.
    package var maximum: Duration
    /// The fraction of each delay that is randomised away (0 to 1).
    package var jitter: Double
    /// Consecutive failures so far.
    package private(set) var failures = 0
    /// The earliest moment of the next attempt; nil when an attempt may be made at once.
    package private(set) var nextAttempt: ContinuousClock.Instant?

    /// Creates a backoff; defaults suit a field device: 1 s doubling to 60 s, 20 % jitter.
    package init(initial: Duration = .seconds(1), maximum: Duration = .seconds(60), jitter: Double = 0.2) {
        self.initial = initial
        self.maximum = maximum
        self.jitter = min(max(jitter, 0), 1)
    }

    /// Whether an attempt may be made at `now`.
    package func mayAttempt(at now: ContinuousClock.Instant) -> Bool {
        nextAttempt.map { now >= $0 } ?? true
    }

    /// Records a failure at `now`; `random` is a number in 0..<1 for the jitter.
    package mutating func recordFailure(at now: ContinuousClock.Instant, random: Double) {
        failures += 1
        nextAttempt = now + delay(afterFailures: failures, random: random)
    }

    /// Records a success: the next attempt may be made at once.
    package mutating func recordSuccess() {
        failures = 0
        nextAttempt = nil
    }

    /// The wait after `count` consecutive failures.
    package func delay(afterFailures count: Int, random: Double) -> Duration {
        guard count > 0 else { return .zero }
        var delay = initial
        for _ in 1..<min(count, 32) where delay < maximum { delay = delay * 2 }
        delay = min(delay, maximum)
        return delay * (1 - jitter * min(max(random, 0), 0.999_999))
    }
}
