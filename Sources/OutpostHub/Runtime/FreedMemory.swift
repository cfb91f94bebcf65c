import CFiles
import Synchronization

/// Gives freed memory back to the kernel after bursts of large, short-lived buffers.
///
/// Sending a release, each 64 KiB chunk is read, copied, encoded and queued for the broker on
/// several threads, each allocating from its own glibc arena; the freed blocks stay in the arenas,
/// between blocks still in use, and glibc returns none of them by itself. `outpost-bench fleet`
/// found 199 MB of the hub's 208 MB of heap free but kept after 2.3 GiB sent, growing with the
/// bytes sent (1.46 GB after 7.8 GiB). `malloc_trim` returns those pages; at most once a second,
/// on NIO's pool for blocking work, since it holds each arena's lock while it walks it.
package enum FreedMemory {
    private static let last = Mutex<ContinuousClock.Instant?>(nil)

    /// Returns what is free now, unless that was done less than a second ago.
    package static func giveBack() {
        let now = ContinuousClock.now
        let due = last.withLock { last in
            guard last.map({ now - $0 >= .seconds(1) }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        Task { _ = try? await BlockingWork.run { outpost_return_free_memory() } }
    }
}
