import Dispatch
import Synchronization

/// Runs a source's blocking read loop (a serial port, GPIO edge events) on its own dispatch
/// queue, off the Swift concurrency pool, and delivers what it emits to `sink` until the calling
/// task is cancelled; the loop is told to stop through the flag and must check it often.
func runBlocking(
    on queue: DispatchQueue, counters: SourceCounters, into sink: @escaping SampleSink,
    _ loop: @escaping @Sendable (StopFlag, ([SourceSample]) -> Void) -> Void
) async {
    let (stream, continuation) = AsyncStream.makeStream(
        of: [SourceSample].self, bufferingPolicy: .bufferingOldest(4096))
    let stop = StopFlag()
    queue.async {
        loop(stop) { continuation.yield($0) }
        continuation.finish()
    }
    await withTaskCancellationHandler {
        for await batch in stream {
            counters.count(batch)
            await sink(batch)
        }
    } onCancel: {
        stop.set()
    }
}

/// A flag set once from any thread (a task's cancellation) and polled by a blocking loop.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    /// Whether a stop was asked for.
    var isSet: Bool { flag.load(ordering: .acquiring) }
    /// Asks for a stop.
    func set() { flag.store(true, ordering: .releasing) }
}
