import Synchronization

/// What a source has done since start: samples by quality, errors by code, lines refused, ticks
/// skipped. Shared between the source's reader and the status reporter.
public final class SourceCounters: Sendable {
    /// A copy of the counters at one moment.
    public struct Snapshot: Sendable, Hashable {
        /// Good samples produced.
        public var goodSamples = 0
        /// Bad- or uncertain-quality samples produced.
        public var badSamples = 0
        /// Errors met, by code (`timeout`, `bad_checksum`, `disconnected`, …).
        public var errors: [String: Int] = [:]
        /// The last error's description, for the status page.
        public var lastError: String?
        /// Input that was not a reading: garbage, corrupt or unparseable lines.
        public var rejectedInput = 0
        /// Scheduled ticks skipped because the previous one overran.
        public var overruns = 0
        /// Times the source reconnected after losing its device.
        public var reconnects = 0
    }

    private let state = Mutex(Snapshot())

    /// Creates zeroed counters.
    public init() {}

    /// The counters now.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Counts samples by their quality.
    public func count(_ samples: [SourceSample]) {
        let bad = samples.reduce(0) { $0 + ($1.sample.quality.level == .good ? 0 : 1) }
        state.withLock {
            $0.goodSamples += samples.count - bad
            $0.badSamples += bad
        }
    }

    /// Counts an error of `code`.
    public func error(_ code: String, _ description: String) {
        state.withLock {
            $0.errors[code, default: 0] += 1
            $0.lastError = description
        }
    }

    /// Counts input that was not a reading.
    public func rejected(_ count: Int = 1) { state.withLock { $0.rejectedInput += count } }

    /// Counts skipped ticks.
    public func overran(_ ticks: Int = 1) { state.withLock { $0.overruns += ticks } }

    /// Counts a reconnect.
    public func reconnected() { state.withLock { $0.reconnects += 1 } }
}
