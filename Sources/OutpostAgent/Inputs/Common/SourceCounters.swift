import Synchronization

/// What a source has done since start: samples by quality, errors by code, lines refused, ticks
/// skipped. Shared between the source's reader and the status reporter.
package final class SourceCounters: Sendable {
    /// A copy of the counters at one moment.
    package struct Snapshot: Sendable, Hashable {
        /// Good samples produced.
        package var goodSamples = 0
        /// Bad- or uncertain-quality samples produced.
        package var badSamples = 0
        /// Errors met, by code (`timeout`, `bad_checksum`, `disconnected`, …).
        package var errors: [String: Int] = [:]
        /// The last error's description, for the status page.
        package var lastError: String?
        /// Input that was not a reading: garbage, corrupt or unparseable lines.
        package var rejectedInput = 0
        /// Scheduled ticks skipped because the previous one overran.
        package var overruns = 0
        /// Times the source reconnected after losing its device.
        package var reconnects = 0
    }

    private let state = Mutex(Snapshot())

    /// Creates zeroed counters.
    package init() {}

    /// The counters now.
    package var snapshot: Snapshot { state.withLock { $0 } }

    /// Counts samples by their quality.
    package func count(_ samples: [SourceSample]) {
        let bad = samples.reduce(0) { $0 + ($1.sample.quality.level == .good ? 0 : 1) }
        state.withLock {
            $0.goodSamples += samples.count - bad
            $0.badSamples += bad
        }
    }

    /// Counts an error of `code`.
    package func error(_ code: String, _ description: String) {
        state.withLock {
            $0.errors[code, default: 0] += 1
            $0.lastError = description
        }
    }

    /// Counts input that was not a reading.
    package func rejected(_ count: Int = 1) { state.withLock { $0.rejectedInput += count } }

    /// Counts skipped ticks.
    package func overran(_ ticks: Int = 1) { state.withLock { $0.overruns += ticks } }

    /// Counts a reconnect.
    package func reconnected() { state.withLock { $0.reconnects += 1 } }
}
