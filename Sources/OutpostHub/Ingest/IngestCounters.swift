import Synchronization

/// What ingest has done since the hub started, for metrics and logs.
public final class IngestCounters: Sendable {
    /// A snapshot.
    public struct Values: Sendable, Hashable {
        /// Frames stored.
        public var framesApplied = 0
        /// Frames acknowledged again without change (already applied).
        public var duplicates = 0
        /// Readings stored.
        public var readings = 0
        /// Frames refused, by reason.
        public var refused: [String: Int] = [:]
        /// Group commits.
        public var commits = 0
        /// Transactions that failed (nothing acknowledged; the gateways send again).
        public var storeFailures = 0
    }

    private let values = Mutex(Values())

    /// Creates zeroed counters.
    public init() {}

    /// The counts now.
    public var snapshot: Values { values.withLock { $0 } }

    func update(_ change: (inout Values) -> Void) { values.withLock { change(&$0) } }
}
