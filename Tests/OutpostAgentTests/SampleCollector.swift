import OutpostAgent
import OutpostTestSupport
import Synchronization

/// Collects what a source delivers, and lets a test wait for a condition on it with a deadline.
final class SampleCollector: Sendable {
    private let samples = Mutex<[SourceSample]>([])

    /// The sink to give the source.
    var sink: SampleSink {
        { batch in self.samples.withLock { $0.append(contentsOf: batch) } }
    }

    /// Everything collected so far.
    var all: [SourceSample] { samples.withLock { $0 } }

    /// Waits until `condition` holds for the collected samples; false if `timeout` passed first.
    func wait(timeout: Duration = .seconds(20), until condition: ([SourceSample]) -> Bool) async -> Bool {
        await eventually(timeout: timeout) { condition(all) }
    }
}
