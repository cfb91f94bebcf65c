import Logging
import OutpostConfig
import OutpostDevices
import OutpostSigning
import OutpostWire
import Synchronization

/// The agent's side of remote configuration: takes the hub's signed documents, decides which
/// to apply, runs each applied one on trial and goes back to the last one that worked when the
/// trial fails. The collect loop makes the changes (`takeChange`); this keeps the state, saved
/// in the data directory at every step, so a power cut at any point leaves the gateway on a
/// configuration that worked or one still on trial.
package final class RemoteConfigurator: Sendable {
    /// A change for the collect loop: run `overlay` (nil: `agent.toml` alone) as `version`.
    struct Change: Sendable {
        var version: Int64
        var overlay: RemoteOverlay?
        /// A new version to try for `trialSeconds`; otherwise a return to one that worked.
        var trialSeconds: Int64?
    }

    private struct Inner: Sendable {
        var state: RemoteConfigurationState
        var pending: Change?
        var trial: ConfigurationTrial?
        var refusal: String?
    }

    let gateway: String
    let dataDirectory: String
    let topic: String
    let verifier: FleetVerifier?
    let profiles: ProfileLibrary
    let logger: Logger
    private let inner: Mutex<Inner>

    /// Loads the saved state of `gateway`; the documents are checked with `verifier` (none
    /// without `hub_key`: remote configuration is then off).
    init(
        gateway: String, dataDirectory: String, verifier: FleetVerifier?, profiles: ProfileLibrary = ProfileLibrary(),
        logger: Logger
    ) {
        (self.gateway, self.dataDirectory, self.verifier) = (gateway, dataDirectory, verifier)
        (self.profiles, self.logger) = (profiles, logger)
        topic = GatewayTopics(gateway: gateway).config
        let (state, problem) = RemoteConfigurationState.load(from: dataDirectory)
        if let problem { logger.error("remote configuration state unreadable", metadata: ["problem": "\(problem)"]) }
        inner = Mutex(Inner(state: state, refusal: problem))
    }

    /// The configuration to start with: `base` refined by the overlay that runs, or by the last
    /// one that worked when the agent restarted twice during a trial or the overlay no longer
    /// reads (a profile gone after an update).
    func startingConfiguration(base: AgentConfiguration) -> AgentConfiguration {
        inner.withLock { inner in
            if var trial = inner.state.trial {
                trial.restarts += 1
                inner.state.trial = trial
                if trial.restarts > 1 {
                    fallBack(&inner, reason: "the agent restarted \(trial.restarts) times during its trial")
                } else {
                    inner.trial = ConfigurationTrial(
                        version: trial.version, started: .now, length: .seconds(trial.seconds))
                }
                save(inner.state)
            }
            defer { inner.pending = nil }  // the configuration returned is the one to run
            for _ in 0..<2 {
                guard let running = inner.state.running else { return base }
                do throws(ConfigProblems) {
                    return try overlay(running).applied(to: base)
                } catch {
                    // The version that worked no longer reads either (an update removed its
                    // profile): agent.toml alone is what works now.
                    if inner.state.good == inner.state.running { inner.state.good = nil }
                    fallBack(&inner, reason: "it no longer reads: \(error)")
                    save(inner.state)
                }
            }
            return base
        }
    }

    /// Takes the payload of the config topic; a change to make is left for `takeChange`.
    func receive(_ payload: [UInt8]) {
        guard !payload.isEmpty else { return }  // the hub cleared its retained document
        guard let verifier else { return }
        let document: ConfigurationDocument
        do throws(DocumentError) {
            document = try verifier.open(payload, topic: topic, as: ConfigurationDocument.self)
        } catch {
            refuse("a configuration document was refused: \(error.description)")
            return
        }
        guard document.gateway == gateway else {
            refuse("a configuration for gateway '\(document.gateway)', not this one, was refused")
            return
        }
        inner.withLock { inner in
            let newest = max(inner.state.newest, inner.pending?.version ?? 0)
            if document.version < newest {
                inner.refusal = "configuration v\(document.version) is older than v\(newest), already had (a replay?)"
                return
            }
            guard document.version > newest else { return }
            do throws(ConfigProblems) {
                let overlay = try overlay(
                    RemoteConfigurationState.Version(version: document.version, toml: document.toml))
                inner.pending = Change(version: document.version, overlay: overlay, trialSeconds: document.trialSeconds)
            } catch {
                inner.state.failed = .init(
                    version: document.version, outcome: RemoteConfigurationStatus.refused, reason: error.description)
                save(inner.state)
            }
        }
        logger.notice("remote configuration received", metadata: ["version": "\(document.version)"])
    }

    /// The change to make now, if any.
    func takeChange() -> Change? {
        inner.withLock { inner in
            defer { inner.pending = nil }
            return inner.pending
        }
    }

    /// `change` is made: a new version is on trial from now; a return is final.
    func made(_ change: Change) {
        inner.withLock { inner in
            guard let seconds = change.trialSeconds else { return }
            inner.state.running = change.overlay.map { .init(version: change.version, toml: $0.text) }
            inner.state.trial = .init(version: change.version, seconds: seconds, restarts: 0)
            inner.trial = ConfigurationTrial(version: change.version, started: .now, length: .seconds(seconds))
            save(inner.state)
        }
    }

    /// `change` could not be made (its sources could not be created): the last configuration
    /// that worked comes back.
    func failed(_ change: Change, reason: String) {
        inner.withLock { inner in
            inner.state.running = change.overlay.map { .init(version: change.version, toml: $0.text) }
            fallBack(&inner, reason: reason)
            save(inner.state)
        }
    }

    /// The overlay running cannot run here (its sources could not be created at start): the last
    /// one that worked is used instead (`startingConfiguration` again).
    func abandon(reason: String) {
        inner.withLock { inner in
            fallBack(&inner, reason: reason)
            inner.pending = nil
            save(inner.state)
        }
    }

    /// Judges the trial under way, if any, at `now`: confirms it, or fails it and leaves the
    /// return to the last configuration that worked for `takeChange`. True when it did either
    /// (the hub should hear of it).
    @discardableResult
    func judge(
        at now: ContinuousClock.Instant, lastAcknowledgement: ContinuousClock.Instant?,
        sources: () -> [String: SourceCounters.Snapshot]
    ) -> Bool {
        // The counters are gathered only while a trial runs: this is asked at every commit.
        guard let trial = inner.withLock({ $0.trial }) else { return false }
        let counters = sources()
        return inner.withLock { inner in
            guard inner.trial == trial else { return false }  // a change came in between
            switch trial.verdict(at: now, lastAcknowledgement: lastAcknowledgement, sources: counters) {
            case .pending: return false
            case .confirmed:
                inner.state.good = inner.state.running
                inner.state.trial = nil
                inner.trial = nil
                logger.notice("remote configuration confirmed", metadata: ["version": "\(trial.version)"])
            case .failed(let reason):
                fallBack(&inner, reason: reason)
            }
            save(inner.state)
            return true
        }
    }

    /// The overlay's text that runs; nil for agent.toml alone.
    var runningOverlay: String? { inner.withLock { $0.state.running?.toml } }

    /// The status document's part; nil when remote configuration is off (no `hub_key`).
    var status: RemoteConfigurationStatus? {
        guard verifier != nil else { return nil }
        return inner.withLock { $0.state.status(refusal: $0.refusal) }
    }

    /// The version running is given up for `reason`: the last one that worked runs again.
    private func fallBack(_ inner: inout Inner, reason: String) {
        let version = inner.state.running?.version ?? inner.state.trial?.version ?? 0
        inner.state.failed = .init(version: version, outcome: RemoteConfigurationStatus.rolledBack, reason: reason)
        inner.state.trial = nil
        inner.trial = nil
        inner.state.running = inner.state.good
        let good = inner.state.good
        inner.pending = Change(
            version: good?.version ?? 0, overlay: good.flatMap { try? overlay($0) }, trialSeconds: nil)
        logger.error(
            "remote configuration rolled back", metadata: ["version": "\(version)", "reason": "\(reason)"])
    }

    private func refuse(_ reason: String) {
        inner.withLock { $0.refusal = reason }
        logger.warning("remote configuration refused", metadata: ["reason": "\(reason)"])
    }

    private func overlay(_ version: RemoteConfigurationState.Version) throws(ConfigProblems) -> RemoteOverlay {
        try RemoteOverlay(toml: version.toml, file: "remote configuration v\(version.version)", profiles: profiles)
    }

    private func save(_ state: RemoteConfigurationState) {
        do {
            try state.save(in: dataDirectory)
        } catch {
            logger.error("remote configuration state not saved", metadata: ["error": "\(error)"])
        }
    }
}
