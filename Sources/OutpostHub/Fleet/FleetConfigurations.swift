import Logging
import OutpostAgent
import OutpostConfig
import OutpostDevices
import OutpostSigning
import OutpostWire
import ServiceLifecycle
import Synchronization

/// Gateways' remote configurations on the hub: checked with the agent's own checker, kept as
/// numbered versions, signed with the fleet key and retained on each gateway's config topic, so
/// that a gateway offline now takes its newest version when it reconnects.
package struct FleetConfigurations: Sendable {
    let store: any HubStore
    /// Signs the documents; nil when the hub has no fleet key (then nothing can be pushed).
    let signer: FleetSigner?
    /// Publishes retained on a topic; false when it could not (the broker away).
    let publish: @Sendable (_ topic: String, _ payload: [UInt8]) -> Bool
    let profiles: ProfileLibrary
    let clock: WallClock
    let logger: Logger

    package init(
        store: any HubStore, signer: FleetSigner?, profiles: ProfileLibrary = ProfileLibrary(),
        clock: @escaping WallClock = systemWallClock, logger: Logger,
        publish: @escaping @Sendable (_ topic: String, _ payload: [UInt8]) -> Bool
    ) {
        (self.store, self.signer, self.profiles, self.clock) = (store, signer, profiles, clock)
        (self.logger, self.publish) = (logger, publish)
    }

    /// What came of a push.
    package enum Outcome: Sendable {
        /// Stored as this version; `delivered` when the broker took it now (otherwise it goes
        /// out when the hub is connected again).
        case accepted(StoredConfiguration, delivered: Bool)
        /// Not stored: every problem, by line and key.
        case refused([ConfigError])
    }

    /// Checks `toml` as `gateway`'s next configuration, as the agent would; empty when usable.
    package func check(_ toml: String, gateway: String, version: Int64? = nil) -> [ConfigError] {
        let file = "\(gateway) configuration" + (version.map { " v\($0)" } ?? "")
        do throws(ConfigProblems) {
            _ = try RemoteOverlay(toml: toml, file: file, profiles: profiles)
            return []
        } catch {
            return error.problems
        }
    }

    /// Checks (unless `checked` already), stores and sends `toml` as `gateway`'s next version,
    /// written by `author`.
    package func push(
        gateway: String, toml: String, trialSeconds: Int64 = ConfigurationDocument.defaultTrialSeconds,
        note: String = "", author: String, checked: Bool = false
    ) async throws -> Outcome {
        let problems = checked ? [] : check(toml, gateway: gateway)
        guard problems.isEmpty else { return .refused(problems) }
        let stored = try await store.addConfiguration(
            gateway: gateway, toml: toml, trialSeconds: trialSeconds, author: author, note: note, at: clock())
        return .accepted(stored, delivered: send(stored))
    }

    /// Sends every gateway's newest version again (after the broker restarted, which may have
    /// lost what it retained); agents ignore a version they already dealt with.
    package func republish() async throws -> Int {
        var sent = 0
        for stored in try await store.newestConfigurations() where send(stored) { sent += 1 }
        return sent
    }

    /// Signs `stored` for its gateway's config topic and publishes it, retained.
    func send(_ stored: StoredConfiguration) -> Bool {
        guard let signer else { return false }
        let topic = GatewayTopics(gateway: stored.gateway).config
        let document = ConfigurationDocument(
            gateway: stored.gateway, version: stored.version, issuedAt: stored.createdAt, toml: stored.toml,
            trialSeconds: stored.trialSeconds)
        do {
            return publish(topic, try signer.sign(document, topic: topic))
        } catch {
            logger.error(
                "could not sign a configuration", metadata: ["gateway": "\(stored.gateway)", "error": "\(error)"])
            return false
        }
    }
}

/// Sends every gateway's newest configuration, open diagnostic requests and release offer each
/// time the hub's broker session comes up: a broker that restarted without persistence forgot
/// what it retained.
struct ConfigurationRepublisher: Service {
    let configurations: FleetConfigurations
    let diagnostics: DiagnosticsDesk
    let releases: ReleaseDesk
    let connected: @Sendable () -> Bool
    let logger: Logger

    func run() async throws {
        var wasConnected = false
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let now = connected()
            if now, !wasConnected {
                do {
                    let sent = try await configurations.republish()
                    let asked = try await diagnostics.resendOpen()
                    let offered = try await releases.republish()
                    if sent + asked + offered > 0 {
                        logger.info(
                            "configurations, diagnostic requests and release offers sent again",
                            metadata: [
                                "configurations": "\(sent)", "diagnostics": "\(asked)", "releases": "\(offered)",
                            ])
                    }
                } catch {
                    logger.error("could not read configurations to send", metadata: ["error": "\(error)"])
                }
            }
            wasConnected = now
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
