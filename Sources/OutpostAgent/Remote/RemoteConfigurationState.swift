import OutpostSystem
import OutpostWire

/// What a gateway keeps of its remote configuration across restarts (`remote-config.json` in its
/// data directory, replaced atomically): the overlay it runs, the last one that worked, a trial
/// under way, and the last version it would not keep.
struct RemoteConfigurationState: Codable, Sendable, Equatable {
    /// One version of the overlay.
    struct Version: Codable, Sendable, Equatable {
        var version: Int64
        var toml: String
    }

    /// A version applied and not yet confirmed.
    struct Trial: Codable, Sendable, Equatable {
        var version: Int64
        /// Seconds it has, from its start, to be confirmed.
        var seconds: Int64
        /// Times the agent started again while it was on trial (a power cut, a crash).
        var restarts: Int
    }

    /// A version refused or rolled back.
    struct Failure: Codable, Sendable, Equatable {
        var version: Int64
        var outcome: String
        var reason: String
    }

    /// The overlay running (confirmed or on trial); nil: `agent.toml` alone.
    var running: Version?
    /// The last overlay confirmed; nil: `agent.toml` alone.
    var good: Version?
    var trial: Trial?
    var failed: Failure?

    /// The newest version this gateway has dealt with: a document older than it is a replay,
    /// one equal to it (the broker's retained copy again) is already dealt with.
    var newest: Int64 { max(running?.version ?? 0, good?.version ?? 0, failed?.version ?? 0) }

    /// The status document's part.
    func status(refusal: String?) -> RemoteConfigurationStatus {
        RemoteConfigurationStatus(
            applied: running?.version ?? 0, trial: trial?.version, failed: failed?.version, outcome: failed?.outcome,
            reason: failed?.reason, refusal: refusal)
    }

    /// The file in `dataDirectory`.
    static func path(in dataDirectory: String) -> String { dataDirectory + "/remote-config.json" }

    /// The state saved in `dataDirectory`; empty when there is none. A file that cannot be read
    /// is reported and read as none: the gateway runs on `agent.toml` rather than not at all.
    static func load(from dataDirectory: String) -> (state: RemoteConfigurationState, problem: String?) {
        let path = path(in: dataDirectory)
        guard let bytes = try? FileIO.read(path) else { return (RemoteConfigurationState(), nil) }
        do throws(DocumentError) {
            return (try DocumentJSON.decode(bytes, maxBytes: 256 * 1024, what: "remote configuration state"), nil)
        } catch {
            return (RemoteConfigurationState(), "\(path) is unreadable, agent.toml alone is used: \(error)")
        }
    }

    /// Saves the state into `dataDirectory`, synced before this returns.
    func save(in dataDirectory: String) throws {
        guard let bytes = DocumentJSON.encode(self) else {
            throw DocumentError("the remote configuration state cannot be written as JSON")
        }
        try FileIO.write(bytes, to: Self.path(in: dataDirectory), mode: 0o600)
    }
}
