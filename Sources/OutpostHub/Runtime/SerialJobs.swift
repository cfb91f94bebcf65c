import Dispatch
import Synchronization

/// Work done one job at a time, in the order it was given, by one task of its own: what a serial
/// queue is for code that awaits the store. Given `ownThread`, the task runs on a thread of its
/// own (a dispatch queue as its task executor), beside Swift's cooperative threads rather than
/// on one of them: for heavy work (scoring) that would otherwise take a share of the threads
/// every request and ingest's signature checks run on. Giving a job never waits (`add`), or waits only while
/// `limit` jobs are already waiting (`addWhenRoom`), so that a fast producer cannot grow memory
/// without bound.
package final class SerialJobs: Sendable {
    package typealias Job = @Sendable () async -> Void

    private struct Room {
        var waiting = 0
        var blocked: [CheckedContinuation<Void, Never>] = []
    }

    /// Shared by the jobs' task and those who give jobs.
    private final class Shared: Sendable {
        let room = Mutex(Room())
    }

    private let jobs: AsyncStream<Job>.Continuation
    private let runner: Task<Void, Never>
    private let shared = Shared()
    private let limit: Int

    /// Starts the task; `limit` bounds the jobs `addWhenRoom` lets wait; `ownThread` names the
    /// queue it runs on, if not on the cooperative threads.
    package init(limit: Int = .max, ownThread: String? = nil) {
        self.limit = limit
        let (stream, jobs) = AsyncStream.makeStream(of: Job.self)
        self.jobs = jobs
        let shared = self.shared
        let executor = ownThread.map { QueueExecutor(label: $0) }
        runner = Task(executorPreference: executor) {
            for await job in stream {
                await job()
                let next = shared.room.withLock { room -> CheckedContinuation<Void, Never>? in
                    room.waiting -= 1
                    return room.blocked.isEmpty ? nil : room.blocked.removeFirst()
                }
                next?.resume()
            }
        }
    }

    deinit { jobs.finish() }

    /// Jobs given and not yet done.
    package var depth: Int { shared.room.withLock { $0.waiting } }

    /// Adds a job at the end.
    package func add(_ job: @escaping Job) {
        shared.room.withLock { $0.waiting += 1 }
        jobs.yield(job)
    }

    /// Adds a job at the end, first waiting while `limit` jobs wait.
    package func addWhenRoom(_ job: @escaping Job) async {
        while true {
            let full = shared.room.withLock { $0.waiting >= limit }
            guard full else { break }
            await withCheckedContinuation { continuation in
                let resumeNow = shared.room.withLock { room -> Bool in
                    guard room.waiting >= limit else { return true }
                    room.blocked.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        add(job)
    }

    /// Returns once every job given so far is done.
    package func settle() async {
        await withCheckedContinuation { continuation in add { continuation.resume() } }
    }
}
