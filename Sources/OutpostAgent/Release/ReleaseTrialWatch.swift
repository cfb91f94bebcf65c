import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// In a release started on trial (`ReleaseLauncher.superviseTrial`), confirms it in the release
/// state once it has done what an agent is for: connected, had a batch acknowledged by the hub
/// since it started, and polled every source (an answer or an error: a device that was already
/// dead does not make a good release fail). Asked at every commit; the launcher outside judges
/// the deadline.
package final class ReleaseTrialWatch: Sendable {
    let folder: ReleaseFolder
    let slot: String
    let started = ContinuousClock.now
    private let settled = Atomic<Bool>(false)

    /// A watch for the release in `slot`, when this process runs one on trial; nil otherwise.
    package static func forThisProcess(dataDirectory: String) -> ReleaseTrialWatch? {
        guard let slot = ReleaseLauncher.slotOfThisProcess else { return nil }
        let folder = ReleaseFolder(dataDirectory: dataDirectory)
        let state = folder.load().state
        guard state.active?.slot == slot, state.trial != nil else { return nil }
        return ReleaseTrialWatch(folder: folder, slot: slot)
    }

    init(folder: ReleaseFolder, slot: String) { (self.folder, self.slot) = (folder, slot) }

    /// Confirms the release when it has earned it; true when it did now (the hub should hear).
    func judge(lastAcknowledgement: ContinuousClock.Instant?, sources: () -> [String: SourceCounters.Snapshot]) -> Bool
    {
        guard !settled.load(ordering: .relaxed), let acknowledged = lastAcknowledgement, acknowledged > started else {
            return false
        }
        let polled = sources().values.allSatisfy { $0.goodSamples + $0.badSamples + $0.errors.count > 0 }
        guard polled else { return false }
        settled.store(true, ordering: .relaxed)
        var state = folder.load().state
        guard state.active?.slot == slot, state.trial != nil else { return false }
        state.trial = nil
        do {
            try folder.save(state)
            return true
        } catch {
            settled.store(false, ordering: .relaxed)
            return false
        }
    }
}
