import Dispatch

/// A task executor that runs its jobs on a serial dispatch queue, whose thread is not one of
/// Swift's cooperative ones.
package final class QueueExecutor: TaskExecutor {
    private let queue: DispatchQueue

    /// Creates the queue, named `label`.
    package init(label: String) { queue = DispatchQueue(label: label) }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
