import OutpostAgent
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
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(all) { return true }
            // Checked every 10 ms; the wait ends on the condition, the deadline only bounds it.
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(all)
    }
}
