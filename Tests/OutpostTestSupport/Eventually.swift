#if canImport(Glibc)
    import Glibc
#endif

/// Waits until `condition` holds, re-checking it every `interval`, for at most `timeout`;
/// returns whether it held. Every wait in the tests goes through here (or through a child
/// process's output): a condition with a deadline, never a fixed sleep. This one blocks its
/// thread: for synchronous tests only; async code uses `eventually`.
package func eventuallyBlocking(
    timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(10), _ condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while try !condition() {
        guard ContinuousClock.now < deadline else { return false }
        let parts = interval.components
        usleep(UInt32(clamping: parts.seconds * 1_000_000 + parts.attoseconds / 1_000_000_000_000))
    }
    return true
}

/// The same for async tests: suspends between checks instead of blocking a thread of the
/// (two-thread) concurrency pool.
package func eventually(
    timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(10),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { return false }
        do { try await Task.sleep(for: interval) } catch { return try await condition() }
    }
    return true
}

/// The first element of `sequence` that `match` accepts, or nil when none arrives within
/// `timeout` (or the sequence ends first): an event awaited with a deadline.
package func firstElement<Sequence: AsyncSequence & Sendable>(
    of sequence: Sequence, within timeout: Duration = .seconds(10),
    where match: @escaping @Sendable (Sequence.Element) -> Bool = { _ in true }
) async -> Sequence.Element? where Sequence.Element: Sendable {
    await withTaskGroup(of: Sequence.Element?.self) { group in
        group.addTask {
            do {
                for try await element in sequence where match(element) { return element }
            } catch {
                return nil
            }
            return nil
        }
        group.addTask {
            try? await Task.sleep(for: timeout)  // the deadline, raced against the sequence
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
