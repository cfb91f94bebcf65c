import Logging
import OutpostAgent
import OutpostDevices
import OutpostHub
import OutpostProvisioning
import OutpostTestSupport
import OutpostWire
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Several `outpost-hub serve` replicas on one PostgreSQL and one Mosquitto, sharing the batches
/// through a shared subscription, with real agents polling `outpost-sim`.
@Suite(
    "Hub replicas on PostgreSQL", .serialized,
    Requires.installed(Broker.isAvailable && TestPostgres.isAvailable, "mosquitto and postgresql"))
struct ReplicaTests {
    static let gateways = ["gw-r1", "gw-r2", "gw-r3"]

    /// A replica's count of frames it applied itself, from its metrics.
    func applied(_ hub: HubProcess) -> Int {
        guard let body = try? hub.call("GET", "/metrics", bearer: hub.token).body else { return -1 }
        let line = body.split(separator: "\n").first { $0.hasPrefix("outpost_hub_frames_applied_total ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
    }

    /// Readings stored of each of `gateways`, in their order.
    func storedCounts(_ store: any HubStore) async throws -> [Int] {
        var counts: [Int] = []
        for gateway in Self.gateways { counts.append(try await storedCount(store, gateway)) }
        return counts
    }

    func storedCount(_ store: any HubStore, _ gateway: String) async throws -> Int {
        try await QueryEngine(store: store).range(SeriesKey(gateway: gateway, name: "room.temperature"), 0...Int64.max)
            .count
    }

    @Test(
        "Two replicas share the batches of three agents: each reading stored once, through a replica killed with SIGKILL mid-ingest and restarted; the live view of one shows what reaches the other"
    )
    func replicasShareTheLoad() async throws {
        let broker = try Broker()
        let url = try TestPostgres.newDatabase()
        let (sim, simulatorURL) = try Peers.simulator(["--profile", "xy-md02"])
        defer { sim.terminate() }
        let first = try HubProcess(brokerPort: broker.port, postgresURL: url, clientID: "hub-a", sharedGroup: "outpost")
        let second = try HubProcess(
            brokerPort: broker.port, postgresURL: url, clientID: "hub-b", sharedGroup: "outpost")
        var configurations: [AgentConfiguration] = []
        var folders: [TemporaryFolder] = []
        for gateway in Self.gateways {
            let identity = try GatewayIdentity.generate(gatewayID: gateway)
            try first.enrol(gateway, publicKey: identity.publicKeyPEM)
            let (configuration, folder) = try testAgentConfiguration(
                gateway, identity: identity, brokerPort: broker.port, simulator: simulatorURL)
            configurations.append(configuration)
            folders.append(folder)
        }
        try first.start()
        try second.start()
        let store = try await second.store()
        let watcher = LiveClient(
            port: second.httpPort, token: second.token, subscribe: #"{"subscribe":[{"gateway":"gw-r1"}]}"#)
        defer { watcher.close() }

        let agents = try configurations.map {
            try Agent(configuration: $0, version: "test", logger: Logger(label: "agent"))
        }
        let group = ServiceGroup(configuration: .init(services: agents, logger: Logger(label: "agents")))
        let phases = Mutex<[String]>([])
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Both replicas apply batches: the broker shares them out.
            let shared = await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                applied(first) > 3 && applied(second) > 3
            }
            #expect(shared, "frames applied: first \(applied(first)), second \(applied(second))")
            // The first replica dies mid-ingest; the second carries on alone.
            let before = try await storedCounts(store)
            first.kill()
            phases.withLock { $0.append("killed") }
            let carried = await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                let now = (try? await storedCounts(store)) ?? before
                return zip(now, before).allSatisfy { $0 >= $1 + 20 }
            }
            #expect(carried, "the second replica went on storing every gateway's readings")
            // Restarted, the first rejoins and takes its share again.
            try first.start()
            let rejoined = await eventually(timeout: .seconds(60), every: .milliseconds(200)) { applied(first) > 3 }
            #expect(rejoined, "the restarted replica applied \(applied(first)) frames")
            // The second replica's live view shows gw-r1's values, whichever replica stores them.
            let live = await eventually(timeout: .seconds(20)) {
                watcher.has("\"type\":\"readings\"") && watcher.has("\"gateway\":\"gw-r1\"")
            }
            #expect(live, "live view: \(watcher.log.lines.withLock { $0.suffix(5) })")
            let latest = try first.http("/api/v1/gateways/gw-r2/latest")
            #expect(latest.contains("room.temperature"), "\(latest)")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(phases.withLock { $0 } == ["killed"])
        // Stopped gracefully, each agent waited for its acknowledgements: what it polled is stored
        // exactly once, nothing left unacknowledged.
        for (gateway, agent) in zip(Self.gateways, agents) {
            let statistics = try await agent.outboxStatistics()
            #expect(statistics.pendingReadings + statistics.unsentReadings == 0, "\(gateway): all acknowledged")
            let taken = agent.sourceCounters.values.reduce(0) { $0 + $1.goodSamples + $1.badSamples }
            var stored: [Sample] = []
            var keys: Set<String> = []
            for series in try await store.series(gateway: gateway) {
                let samples = try await QueryEngine(store: store).range(series.key, 0...Int64.max)
                stored += samples
                keys.formUnion(samples.map { "\(series.key.name)@\($0.timestamp)" })
            }
            #expect(stored.count == taken, "\(gateway): \(stored.count) stored, \(taken) polled")
            #expect(keys.count == stored.count, "\(gateway): no reading stored twice")
        }
        first.stop()
        second.stop()
        withExtendedLifetime((broker, folders)) {}
    }
}
