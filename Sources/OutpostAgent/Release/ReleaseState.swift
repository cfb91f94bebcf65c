import OutpostSystem
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// Which version of the agent a gateway runs, kept in `releases/state.json` in its data folder
/// and replaced atomically: the pointer that an update switches.
///
/// Three versions can be on a gateway: the packaged one (`/usr/bin/outpost-agent`, what dpkg
/// installed, always there and never changed by an update) and two slots, `a` and `b`, each a
/// verified release with its signed manifest. `active` is what runs (nil: the packaged one),
/// `previous` what to go back to.
package struct ReleaseState: Codable, Sendable, Equatable {
    /// A release in a slot.
    package struct Installed: Codable, Sendable, Equatable {
        /// `a` or `b`.
        package var slot: String
        /// Its version, `MAJOR.MINOR.PATCH`.
        package var version: String

        package init(slot: String, version: String) { (self.slot, self.version) = (slot, version) }
    }

    /// A release started and not yet confirmed.
    package struct Trial: Codable, Sendable, Equatable {
        package var version: String
        /// Seconds each start has to connect, get a batch acknowledged and poll every source.
        package var seconds: Int64
        /// Times it was started: more than `ReleaseState.maxStarts` and it is given up.
        package var starts: Int

        package init(version: String, seconds: Int64, starts: Int) {
            (self.version, self.seconds, self.starts) = (version, seconds, starts)
        }
    }

    /// The last release refused or rolled back.
    package struct Failure: Codable, Sendable, Equatable {
        package var version: String
        /// `refused` or `rolled_back`: the outcomes of configurations (`RemoteConfigurationStatus`).
        package var outcome: String
        package var reason: String

        package init(version: String, outcome: String, reason: String) {
            (self.version, self.outcome, self.reason) = (version, outcome, reason)
        }
    }

    package var active: Installed?
    package var previous: Installed?
    package var trial: Trial?
    package var failed: Failure?

    /// Starts a release on trial gets: one, and one more after a power cut. A third start means
    /// it crashed, hung or never confirmed.
    package static let maxStarts = 2

    package init(active: Installed? = nil, previous: Installed? = nil, trial: Trial? = nil, failed: Failure? = nil) {
        (self.active, self.previous, self.trial, self.failed) = (active, previous, trial, failed)
    }

    /// The version that runs: the active slot's, else the packaged one.
    package func running(packaged: ReleaseVersion) -> ReleaseVersion {
        active.flatMap { ReleaseVersion($0.version) } ?? packaged
    }

    /// The slot a new release goes into: neither the one running nor the one to go back to.
    package var freeSlot: String { active?.slot == "a" ? "b" : "a" }

    /// Goes back to `previous`, recording why `active` was given up.
    package mutating func rollBack(reason: String) {
        if let active {
            failed = Failure(version: active.version, outcome: RemoteConfigurationStatus.rolledBack, reason: reason)
        }
        active = previous
        previous = nil
        trial = nil
    }

    /// The status document's part.
    package var status: ReleaseStatus {
        ReleaseStatus(
            running: active?.version, trial: trial?.version, failed: failed?.version, outcome: failed?.outcome,
            reason: failed?.reason)
    }
}

/// The files of releases in a gateway's data folder: `releases/state.json` and the slots
/// `releases/slot-a`, `releases/slot-b`, each holding `outpost-agent` and its `manifest`.
package struct ReleaseFolder: Sendable {
    /// `<data>/releases`.
    package let path: String

    package init(dataDirectory: String) { path = dataDirectory + "/releases" }

    /// The largest state file read: a few hundred bytes are written.
    static let maxStateBytes = 64 * 1024

    package var statePath: String { path + "/state.json" }
    package func slotPath(_ slot: String) -> String { path + "/slot-" + slot }
    package func binaryPath(_ slot: String) -> String { slotPath(slot) + "/outpost-agent" }
    package func manifestPath(_ slot: String) -> String { slotPath(slot) + "/manifest" }

    /// The state; none when there is no file. A file that cannot be read is reported and read as
    /// none: the packaged version runs rather than nothing.
    package func load() -> (state: ReleaseState, problem: String?) {
        guard access(statePath, F_OK) == 0 else { return (ReleaseState(), nil) }
        do {
            let bytes = try FileIO.read(statePath, limit: Self.maxStateBytes)
            return (try DocumentJSON.decode(bytes, maxBytes: Self.maxStateBytes, what: "release state"), nil)
        } catch {
            return (ReleaseState(), "\(statePath) is unreadable, the packaged version runs: \(error)")
        }
    }

    /// Replaces the state atomically and durably: written beside, flushed, renamed, and the
    /// folder flushed, so a power cut leaves the old pointer or the new one.
    package func save(_ state: ReleaseState) throws {
        try FileIO.makeDirectory(path)
        guard let bytes = DocumentJSON.encode(state) else {
            throw FileIO.Failure(description: "\(statePath): the release state cannot be written as JSON")
        }
        try FileIO.write(bytes, to: statePath)
        FileIO.syncDirectory(path)
    }
}
