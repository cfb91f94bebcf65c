import OutpostSigning
import OutpostSystem
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// Why a release was not installed, in words an operator can act on.
package struct ReleaseRefusal: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Installs a release beside the version that runs and points the gateway at it, on trial.
///
/// The steps, each leaving a gateway that starts on one complete, verified version if the power
/// goes: the manifest's signature and the file are checked; the file is copied into the free slot
/// under a temporary name, flushed, checked again as copied, and renamed; the manifest is written
/// beside it; only then is the pointer (`state.json`) switched, in one rename. Until that rename
/// the old version runs; after it, the new one starts on trial (`ReleaseLauncher`).
package struct ReleaseInstaller: Sendable {
    package let folder: ReleaseFolder
    package let verifier: ReleaseVerifier
    /// The packaged version (`OutpostVersion.current` of `/usr/bin/outpost-agent`).
    package let packaged: ReleaseVersion
    /// This gateway's Debian architecture.
    package let architecture: String

    package init(folder: ReleaseFolder, verifier: ReleaseVerifier, packaged: ReleaseVersion, architecture: String) {
        (self.folder, self.verifier, self.packaged, self.architecture) = (folder, verifier, packaged, architecture)
    }

    /// The Debian architecture this agent was built for.
    package static var thisArchitecture: String {
        #if arch(x86_64)
            return "amd64"
        #elseif arch(arm64)
            return "arm64"
        #elseif arch(arm)
            return "armhf"
        #elseif arch(i386)
            return "i386"
        #else
            return "unknown"
        #endif
    }

    /// Installs the release whose signed manifest is `signed` and whose file is at `file`, to be
    /// tried for `trialSeconds` at each start; returns the new state. A refusal is recorded in
    /// the state (the status shows it) and thrown.
    @discardableResult
    package func install(manifest signed: [UInt8], file: String, trialSeconds: Int64) throws(ReleaseRefusal)
        -> ReleaseState
    {
        var (state, _) = folder.load()
        let manifest: ReleaseManifest
        do {
            manifest = try verifier.open(signed)
        } catch {
            throw refuse(&state, version: nil, "its manifest is refused: \(error)")
        }
        let version = manifest.version.description
        if let trial = state.trial {
            throw ReleaseRefusal(
                "release \(trial.version) is still on trial: \(version) waits until it is kept or given up")
        }
        if let refusal = verifier.refusal(
            of: manifest, running: state.running(packaged: packaged), architecture: architecture)
        {
            throw refuse(&state, version: version, refusal)
        }
        if let failed = state.failed, failed.version == version, failed.outcome == RemoteConfigurationStatus.rolledBack
        {
            throw ReleaseRefusal(
                "release \(version) was rolled back on this gateway (\(failed.reason)); cut a newer one")
        }
        // The file is measured once, as copied into the slot: what will run is what was checked.
        let slot = state.freeSlot
        let staged: String?
        do {
            staged = try stage(signed, file: file, manifest: manifest, into: slot)
        } catch {
            throw refuse(&state, version: version, "it could not be copied into slot \(slot): \(error)")
        }
        if let mismatch = staged { throw refuse(&state, version: version, mismatch) }
        FaultInjection.crashIfAsked(at: "release-staged")
        state.previous = state.active
        state.active = .init(slot: slot, version: version)
        state.trial = .init(version: version, seconds: trialSeconds, starts: 0)
        state.failed = nil
        do {
            try folder.save(state)
        } catch {
            throw ReleaseRefusal("the switch to release \(version) could not be written: \(error)")
        }
        FaultInjection.crashIfAsked(at: "release-switched")
        return state
    }

    /// Copies the release into `slot` with its manifest beside it; returns how the copy differs
    /// from the manifest (and leaves nothing in the slot), or nil when it matches.
    private func stage(_ signed: [UInt8], file: String, manifest: ReleaseManifest, into slot: String) throws
        -> String?
    {
        let folderPath = folder.slotPath(slot)
        // Whatever the slot held is neither running nor the one to go back to.
        let partial = folder.binaryPath(slot) + ".partial"
        for path in [folder.binaryPath(slot), partial, folder.manifestPath(slot)] { unlink(path) }
        try FileIO.makeDirectory(folderPath)
        try FileIO.copy(file, to: partial, mode: 0o755)
        FaultInjection.crashIfAsked(at: "release-copied")
        if let mismatch = ReleaseFile.mismatch(manifest, path: partial) {
            unlink(partial)
            return mismatch
        }
        try FileIO.write(signed, to: folder.manifestPath(slot))
        guard rename(partial, folder.binaryPath(slot)) == 0 else {
            throw ReleaseRefusal("cannot rename \(partial): \(String(cString: strerror(errno)))")
        }
        FileIO.syncDirectory(folderPath)
        return nil
    }

    /// Records and returns a refusal of `version` (nil: its manifest could not be read).
    private func refuse(_ state: inout ReleaseState, version: String?, _ reason: String) -> ReleaseRefusal {
        state.failed = .init(version: version ?? "?", outcome: RemoteConfigurationStatus.refused, reason: reason)
        try? folder.save(state)
        return ReleaseRefusal("\(version.map { "release \($0)" } ?? "the release") is refused: \(reason)")
    }
}
