import Logging
import OutpostWire
import ServiceLifecycle

/// Moves the running rollouts along every few seconds: reads the gateways' reports, settles what
/// was sent, and sends to the next gateways (`Rollout.advance`): a configuration pushed, or a
/// release offered. Its state is all in the store,
/// so a hub restarted mid-rollout goes on where it was; replicas sharing a store take turns.
struct RolloutRunner: Service {
    let store: any HubStore
    let configurations: FleetConfigurations
    let releases: ReleaseDesk
    let logger: Logger
    var every: Duration = .seconds(2)

    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await tick()
            } catch {
                logger.error("could not move the rollouts along", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: every)
        }
    }

    /// One step of every running rollout, unless another replica is taking it.
    func tick() async throws {
        _ = try await store.movingRollouts { try await step() }
    }

    private func step() async throws {
        let running = try await store.rollouts(running: true, limit: 100)
        guard !running.isEmpty else { return }
        var reports: [String: RemoteConfigurationStatus] = [:]
        var releaseReports: [String: ReleaseStatus] = [:]
        for gateway in try await store.gateways() {
            reports[gateway.id] = gateway.configuration
            // A gateway that runs its package (no release) runs the status's version.
            var release = gateway.release ?? ReleaseStatus()
            release.running = release.running ?? gateway.agentVersion
            releaseReports[gateway.id] = release
        }
        for var rollout in running {
            let before = rollout
            let now = configurations.clock()
            let next =
                rollout.release == nil
                ? rollout.advance(reports: reports, now: now) : rollout.advance(releases: releaseReports, now: now)
            for gateway in next {
                guard let index = rollout.targets.firstIndex(where: { $0.gateway == gateway }) else { continue }
                if let version = rollout.release {
                    try await releases.offer(gateway: gateway, version: version, trialSeconds: rollout.trialSeconds)
                    rollout.targets[index].pushedAt = now
                    rollout.targets[index].state = Rollout.Target.sent
                    continue
                }
                let outcome = try await configurations.push(
                    gateway: gateway, toml: rollout.toml, trialSeconds: rollout.trialSeconds,
                    note: "rollout \(rollout.id)" + (rollout.note.isEmpty ? "" : ": \(rollout.note)"),
                    author: rollout.author, checked: true)
                if case .accepted(let stored, _) = outcome {
                    rollout.targets[index].version = stored.version
                    rollout.targets[index].pushedAt = stored.createdAt
                    rollout.targets[index].state = Rollout.Target.sent
                }
            }
            guard rollout != before else { continue }
            try await store.updateRollout(rollout)
            if rollout.state != before.state {
                logger.notice(
                    "rollout \(rollout.state)", metadata: ["rollout": "\(rollout.id)", "reason": "\(rollout.reason)"])
            }
        }
    }
}
