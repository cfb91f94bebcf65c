import OutpostAgent
import OutpostBench
import OutpostSystem
import OutpostTestSupport
import OutpostWire
import Synchronization
import Testing

extension DeliveryTests {
    /// Runs the agent with `policy` and a quota small enough to fill in seconds: delivering, then
    /// the broker stopped until the policy has acted, then back until the outbox is drained.
    /// Returns the agent, whether it drained, and its status file after the stop.
    private func fillWhileOffline(
        policy: AgentConfiguration.Buffer.Policy, quota: Int64 = 3_000, batchAge: Duration = .milliseconds(300),
        profile: String = "xy-md02", hasActed: @escaping @Sendable (OutboxStatistics) -> Bool
    ) async throws -> (agent: Agent, drained: Bool, status: StatusDocument, peer: AcknowledgingPeer) {
        let broker = try Broker()
        let (sim, url) = try Peers.simulator(["--profile", profile])
        defer { sim.terminate() }
        var setup = try setup(broker: broker, simulator: url, profile: profile)
        // Below the configuration's 1 MB minimum, so the test does not wait hours.
        setup = Setup(
            folder: setup.folder, identity: setup.identity, verifier: setup.verifier,
            configuration: {
                var configuration = setup.configuration
                configuration.buffer.quota = quota
                configuration.buffer.policy = policy
                configuration.uplink.batchMaxAge = batchAge
                // Back within two seconds of the broker, before the policy has more to do.
                configuration.uplink.reconnectMaximum = .seconds(2)
                return configuration
            }())
        let peer = try AcknowledgingPeer(port: broker.port, verifier: setup.verifier)
        Task { await peer.run() }
        defer { peer.stop() }
        let phase = Mutex(0)
        let (agent, drained) = try await runAgent(
            setup,
            until: { agent in
                guard let statistics = try? await agent.outboxStatistics() else { return false }
                switch phase.withLock({ $0 }) {
                case 0 where peer.state.withLock({ $0.readingCount }) >= 5:
                    broker.stop()
                    phase.withLock { $0 = 1 }
                case 1 where hasActed(statistics):
                    try? broker.start()
                    phase.withLock { $0 = 2 }
                case 2:
                    return statistics.unsentBatches == 0 && statistics.pendingReadings < 100
                default:
                    break
                }
                return false
            }, timeout: .seconds(120))
        let status = try StatusDocument(json: try FileIO.read(setup.folder.path + "/data/status.json"))
        return (agent, drained, status, peer)
    }

    /// Readings the agent took and the peer applied, and the outbox's counts.
    private func accounts(_ agent: Agent, _ peer: AcknowledgingPeer) async throws -> (
        taken: Int64, applied: Int64, statistics: OutboxStatistics
    ) {
        let statistics = try await agent.outboxStatistics()
        let taken = agent.sourceCounters.values.reduce(0) { $0 + $1.goodSamples + $1.badSamples }
        let applied = peer.state.withLock { $0.readings.values.reduce(0) { $0 + $1.count } }
        return (Int64(taken), Int64(applied + statistics.unsentReadings), statistics)
    }

    @Test("Quota reached while the broker is down, drop_oldest: the oldest batches go, counted; the rest arrives once")
    func quotaDropOldest() async throws {
        let (agent, drained, status, peer) = try await fillWhileOffline(policy: .dropOldest) { $0.evictedReadings > 0 }
        #expect(drained)
        let (taken, arrivedOrWaiting, statistics) = try await accounts(agent, peer)
        #expect(statistics.evictedReadings > 0)
        #expect(
            arrivedOrWaiting + statistics.evictedReadings == taken,
            "applied or waiting \(arrivedOrWaiting) + evicted \(statistics.evictedReadings) = taken \(taken)")
        #expect(status.evictedReadings == statistics.evictedReadings, "the status file says so")
        let temperatures = peer.state.withLock { $0.readings["room.temperature"] ?? [] }
        #expect(Set(temperatures.map(\.timestamp)).count == temperatures.count, "none twice")
    }

    @Test(
        "Quota reached while the broker is down, pause_sources: new readings are refused, counted; nothing stored is lost"
    )
    func quotaPauseSources() async throws {
        let (agent, drained, status, peer) = try await fillWhileOffline(policy: .pauseSources) {
            $0.refusedReadings > 0
        }
        #expect(drained)
        let (taken, arrivedOrWaiting, statistics) = try await accounts(agent, peer)
        #expect(statistics.refusedReadings > 0 && statistics.evictedReadings == 0)
        #expect(
            arrivedOrWaiting + statistics.refusedReadings == taken,
            "applied or waiting \(arrivedOrWaiting) + refused \(statistics.refusedReadings) = taken \(taken)")
        #expect(status.refusedReadings == statistics.refusedReadings, "the status file says so")
    }

    @Test(
        "Quota reached while the broker is down, degrade: old raw batches arrive as 1-minute aggregates; nothing dropped"
    )
    func quotaDegrade() async throws {
        // A meter of 16 points and batches of a second, so the quota fills in seconds and holds
        // runs of raw batches long enough to shrink when merged into their aggregates (as a
        // 1 MB quota does for ten-second batches).
        let (agent, drained, status, peer) = try await fillWhileOffline(
            policy: .degrade, quota: 24_000, batchAge: .seconds(1), profile: "eastron-sdm630"
        ) { $0.degradedBatches > 0 }
        #expect(drained)
        let statistics = try await agent.outboxStatistics()
        #expect(statistics.degradedBatches > 0 && statistics.evictedReadings == 0)
        #expect(status.degradedBatches == statistics.degradedBatches, "the status file says so")
        let series = peer.state.withLock { $0.readings }
        let means = series.filter { $0.key.hasSuffix(".mean") }
        #expect(!means.isEmpty, "the degraded minutes arrived as aggregates")
        let minute: Int64 = 60_000_000_000
        #expect(means.values.allSatisfy { $0.allSatisfy { $0.timestamp % minute == 0 } })
        // Raw series only: two merged runs may each hold a part of the same minute.
        let aggregates = [".min", ".max", ".mean", ".last", ".count", ".bad"]
        for (name, readings) in series where !aggregates.contains(where: { name.hasSuffix($0) }) {
            #expect(Set(readings.map(\.timestamp)).count == readings.count, "\(name): no reading twice")
        }
    }
}
