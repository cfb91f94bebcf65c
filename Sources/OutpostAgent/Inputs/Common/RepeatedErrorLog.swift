import Logging
import Synchronization

/// Decides which of a stream of repeated failures are worth a log line: the first of a streak,
/// then one summary per interval with how many were held back, then one line when it recovers.
/// Pure: the caller passes the time.
package struct RepeatedErrorFilter: Sendable {
    /// What to do with one event.
    package enum Decision: Sendable, Hashable {
        /// Log it: the first failure of a streak.
        case log
        /// Hold it back; it is counted for the next summary.
        case suppress
        /// Log a summary: `repeats` failures were held back since the last line.
        case summarise(repeats: Int)
        /// Log that the streak ended after `failures` failures in all.
        case recovered(failures: Int)
    }

    private struct Streak: Sendable {
        var total: Int
        var heldBack: Int
        var lastLine: ContinuousClock.Instant
    }

    /// The least time between two lines about one failing thing.
    package let summaryInterval: Duration
    private var streaks: [String: Streak] = [:]

    /// Creates a filter that writes at most one line per `summaryInterval` per key.
    package init(summaryInterval: Duration = .seconds(300)) {
        self.summaryInterval = summaryInterval
    }

    /// A failure of `key` (a source and an error code, say) at `now`.
    package mutating func failure(_ key: String, at now: ContinuousClock.Instant) -> Decision {
        guard var streak = streaks[key] else {
            streaks[key] = Streak(total: 1, heldBack: 0, lastLine: now)
            return .log
        }
        streak.total += 1
        streak.heldBack += 1
        defer { streaks[key] = streak }
        guard now - streak.lastLine >= summaryInterval else { return .suppress }
        let repeats = streak.heldBack
        streak.heldBack = 0
        streak.lastLine = now
        return .summarise(repeats: repeats)
    }

    /// A success of `key`: ends its streak. Returns `.recovered` when there was one.
    package mutating func success(_ key: String) -> Decision? {
        guard let streak = streaks.removeValue(forKey: key) else { return nil }
        return .recovered(failures: streak.total)
    }

    /// The keys failing now.
    package var failingKeys: Set<String> { Set(streaks.keys) }
}

/// Logs a source's failures through a `RepeatedErrorFilter`, so a meter that times out every
/// second for a day writes a few hundred lines, not eighty thousand. Safe from any thread.
package final class RepeatedErrorLog: Sendable {
    private let logger: Logger
    private let filter: Mutex<RepeatedErrorFilter>
    /// What fails, as the log lines name it: `source failing`, `outbox failing`.
    private let subject: String
    /// The level of the first line of a streak and of its summaries.
    private let level: Logger.Level

    /// Creates a log writing to `logger`, at most one line per `summaryInterval` per key.
    package init(
        logger: Logger, summaryInterval: Duration = .seconds(300), subject: String = "source",
        level: Logger.Level = .info
    ) {
        self.logger = logger
        filter = Mutex(RepeatedErrorFilter(summaryInterval: summaryInterval))
        self.subject = subject
        self.level = level
    }

    /// Records a failure of `key`; `description` says what happened.
    package func failed(
        _ key: String, _ description: String, metadata: Logger.Metadata = [:], at now: ContinuousClock.Instant = .now
    ) {
        let decision = filter.withLock { $0.failure(key, at: now) }
        var metadata = metadata
        metadata["error.key"] = "\(key)"
        metadata["error"] = "\(description)"
        switch decision {
        case .log:
            logger.log(level: level, "\(subject) failing", metadata: metadata)
        case .summarise(let repeats):
            metadata["error.repeats"] = "\(repeats)"
            metadata["error.interval"] = "\(filter.withLock { $0.summaryInterval })"
            logger.log(level: level, "\(subject) still failing", metadata: metadata)
        case .suppress, .recovered:
            break
        }
    }

    /// Records a success of `key`; logs once if it was failing.
    package func succeeded(_ key: String, metadata: Logger.Metadata = [:]) {
        guard case .recovered(let failures) = filter.withLock({ $0.success(key) }) else { return }
        var metadata = metadata
        metadata["error.key"] = "\(key)"
        metadata["error.failures"] = "\(failures)"
        logger.info("\(subject) recovered", metadata: metadata)
    }

    /// Ends every streak whose key starts with `prefix` (a source that answered again).
    package func succeeded(keysWithPrefix prefix: String, metadata: Logger.Metadata = [:]) {
        let keys = filter.withLock { $0.failingKeys.filter { $0.hasPrefix(prefix) } }
        for key in keys.sorted() { succeeded(key, metadata: metadata) }
    }
}
