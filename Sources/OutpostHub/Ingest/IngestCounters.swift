import Synchronization

/// What ingest has done since the hub started, for metrics and logs.
package final class IngestCounters: Sendable {
    /// A snapshot.
    package struct Values: Sendable, Hashable {
        /// Frames stored.
        package var framesApplied = 0
        /// Frames acknowledged again without change (already applied).
        package var duplicates = 0
        /// Readings stored.
        package var readings = 0
        /// Frames refused, by reason.
        package var refused: [String: Int] = [:]
        /// Group commits.
        package var commits = 0
        /// Transactions that failed (nothing acknowledged; the gateways send again).
        package var storeFailures = 0
    }

    private let values = Mutex(Values())

    /// Creates zeroed counters.
    package init() {}

    /// The counts now.
    package var snapshot: Values { values.withLock { $0 } }

    func update(_ change: (inout Values) -> Void) { values.withLock { change(&$0) } }
}
