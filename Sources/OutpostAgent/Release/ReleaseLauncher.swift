import OutpostSigning
import OutpostSystem
import OutpostWire
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What `outpost-agent run` does first, in the packaged binary: picks the version to run from
/// the release state, and runs a release on trial under watch, so the previous version comes
/// back by itself whatever the new one does.
///
/// - A confirmed release replaces this process (`execv`), checked against its manifest first.
/// - A release on trial runs as a child. It must confirm itself (connect, get a batch
///   acknowledged, poll every source: `ReleaseTrialWatch`) within its trial. If it exits first,
///   or the trial runs out (it hangs, never connects), it is stopped and the state goes back to
///   the previous version, with the reason, which then runs here.
/// - Each start of a release on trial is counted before it runs: one cut short by a power cut or
///   a SIGKILL counts, and after `ReleaseState.maxStarts` it is given up.
/// - A package at least as new as the release (an `apt` upgrade) wins: the slots are forgotten.
package struct ReleaseLauncher: Sendable {
    package let folder: ReleaseFolder
    package let verifier: ReleaseVerifier
    package let packaged: ReleaseVersion
    package let log: @Sendable (String) -> Void

    /// The environment variable that tells a release's process which slot it runs from.
    package static let slotVariable = "OUTPOST_RELEASE_SLOT"

    /// The slot this process runs from; nil for the packaged agent (the launcher).
    package static var slotOfThisProcess: String? { getenv(slotVariable).map { String(cString: $0) } }

    package init(
        folder: ReleaseFolder, verifier: ReleaseVerifier, packaged: ReleaseVersion,
        log: @escaping @Sendable (String) -> Void
    ) {
        (self.folder, self.verifier, self.packaged, self.log) = (folder, verifier, packaged, log)
    }

    /// What to run.
    package enum Choice: Sendable, Equatable {
        case packaged
        case slot(String, onTrial: Bool)
    }

    /// Picks what runs, counting a start of a release on trial and giving up what cannot run;
    /// the state is saved before anything starts.
    package func choose() -> Choice {
        var (state, problem) = folder.load()
        if let problem { log(problem) }
        while let active = state.active {
            guard let version = ReleaseVersion(active.version), version > packaged else {
                log("the packaged version \(packaged) is at least as new as release \(active.version): it runs")
                state = ReleaseState(failed: state.failed)
                save(state)
                return .packaged
            }
            if var trial = state.trial {
                // The file is data: a count outside 0...maxStarts (damaged, edited) is not trusted
                // to add up, only to say the release has had its starts.
                guard (0..<ReleaseState.maxStarts).contains(trial.starts) else {
                    giveUp(
                        &state,
                        "started \(ReleaseState.maxStarts) times without being confirmed (each start was cut short: a crash, a hang or a power cut)"
                    )
                    continue
                }
                trial.starts += 1
                state.trial = trial
            }
            if let problem = slotProblem(active.slot) {
                giveUp(&state, problem)
                continue
            }
            save(state)
            if state.trial != nil { FaultInjection.crashIfAsked(at: "release-start-counted") }
            return .slot(active.slot, onTrial: state.trial != nil)
        }
        return .packaged
    }

    /// Replaces this process with the confirmed release in `slot`; returns only when it could
    /// not start (the state is rolled back then).
    package func replaceProcess(slot: String, arguments: [String]) {
        let binary = folder.binaryPath(slot)
        setenv(Self.slotVariable, slot, 1)
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        execv(binary, argv)
        let reason = "it could not be started: \(String(cString: strerror(errno)))"
        argv.forEach { free($0) }
        unsetenv(Self.slotVariable)
        var (state, _) = folder.load()
        giveUp(&state, reason)
    }

    /// Why the release in `slot` must not run, or nil: its manifest and binary as installed.
    func slotProblem(_ slot: String) -> String? {
        let manifest: ReleaseManifest
        do {
            manifest = try verifier.open(try FileIO.read(folder.manifestPath(slot), limit: SignedHubDocument.maxBytes))
        } catch {
            return "slot \(slot)'s manifest is refused: \(error)"
        }
        return ReleaseFile.mismatch(manifest, path: folder.binaryPath(slot)).map { "slot \(slot) is damaged: \($0)" }
    }

    /// Rolls back from the active release for `reason`, saved.
    func giveUp(_ state: inout ReleaseState, _ reason: String) {
        log("release \(state.active?.version ?? "?") rolled back: \(reason)")
        state.rollBack(reason: reason)
        save(state)
    }

    func save(_ state: ReleaseState) {
        do {
            try folder.save(state)
        } catch {
            log("the release state could not be saved: \(error)")
        }
    }
}
