import Logging
import OutpostAgent
import OutpostBench
import OutpostHub
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import ServiceLifecycle
import Testing

/// A gateway on a data budget, end to end: real Mosquitto behind a byte-counting relay, the hub
/// process, the agent and the simulator. At the budget the agent sends minute summaries, the
/// hub's charts stay whole, the readings wait; once the budget allows, every reading arrives
/// once and the rollups count each once.
@Suite(
    "A data budget, from the agent through the broker to the hub", .serialized,
    Requires.installed(Broker.isAvailable, "mosquitto"))
struct DataBudgetHubTests {
    @Test("Summaries within the budget, counted at the relay; then every reading once, rolled up once")
    func budget() async throws {
        let broker = try Broker(tls: false)
        let relay = try LinkRelay(target: broker.port)
        defer { relay.stop() }
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02"])
        defer { sim.terminate() }
        let hub = try HubProcess(brokerPort: broker.port)
        let identity = try GatewayIdentity.generate(gatewayID: "gw-budget")
        try hub.enrol("gw-budget", publicKey: identity.publicKeyPEM)
        try hub.start()
        defer { hub.stop() }
        let status = try TopicCounter(port: broker.port, topic: GatewayTopics(gateway: "gw-budget").status)
        defer { status.stop() }
        let key = SeriesKey(gateway: "gw-budget", name: "room.temperature")
        let limit = 30_000

        // A day's budget of 30 kB: the rest of the day's status alone would need more, so from
        // the first batch on the agent sends summaries and keeps the readings.
        let (tight, folder) = try testAgentConfiguration(
            "gw-budget", identity: identity, brokerPort: relay.port, simulator: url,
            uplink: #"max_bytes_per_day = "30kB""#, batchMaxAge: "2s")
        #expect(tight.uplink.dataBudget == DataBudget.Limit(bytes: Int64(limit), period: .day))
        var summarised: StatusDocument.Budget?
        try await Agent.running(tight) { agent in
            let store = try await hub.store()
            let rolledUp = await eventually(timeout: .seconds(60)) {
                let minutes = (try? await store.rollups(of: key, level: .minute, in: 0...Int64.max)) ?? []
                return minutes.reduce(0) { $0 + $1.aggregate.count } >= 40
            }
            #expect(rolledUp, "minute summaries reach the hub's rollups")
            let raw = try await QueryEngine(store: store).range(key, 0...Int64.max)
            #expect(raw.isEmpty, "the readings wait for the budget")
            let reported = await eventually(timeout: .seconds(40)) {
                guard let last = status.last, let document = try? StatusDocument(json: last) else { return false }
                summarised = document.budget
                return document.budget?.sending == "summaries"
            }
            #expect(reported, "the status says summaries: \(String(describing: summarised))")
            #expect(try await agent.outboxStatistics().unsentReadings > 0, "the outbox keeps the readings")
        }
        let counted = relay.bytes.up + relay.bytes.down
        #expect(counted <= limit, "\(counted) bytes at the relay for a budget of \(limit)")
        // What the agent counted, as it saved it on stopping: never less than the relay saw.
        let outbox = try Outbox(
            .init(path: folder.path + "/data/outbox.db", gatewayID: "gw-budget", quota: 1 << 30, policy: .dropOldest),
            signer: try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM), logger: Logger(label: "outbox"))
        let used = try #require(try outbox.storedBudget()?.used)
        #expect(used >= Int64(counted) && used <= Int64(limit), "the agent counted \(used), the relay \(counted)")

        // The operator raises the budget: the held readings go, each once.
        let (generous, _) = try testAgentConfiguration(
            "gw-budget", identity: identity, brokerPort: relay.port, simulator: url,
            uplink: #"max_bytes_per_day = "50MB""#, batchMaxAge: "2s", folder: folder)
        try await Agent.running(generous) { agent in
            let drained = await eventually(timeout: .seconds(60)) {
                let statistics = try? await agent.outboxStatistics()
                return statistics.map { $0.unsentReadings == 0 && $0.pendingReadings < 200 } ?? false
            }
            #expect(drained, "the backlog is delivered")
        }
        let store = try await hub.store()
        let raw = try await QueryEngine(store: store).range(key, 0...Int64.max)
        let minutes = try await store.rollups(of: key, level: .minute, in: 0...Int64.max)
        let hours = try await store.rollups(of: key, level: .hour, in: 0...Int64.max)
        #expect(raw.count > 40)
        #expect(Set(raw.map(\.timestamp)).count == raw.count, "no reading twice")
        #expect(minutes.reduce(0) { $0 + $1.aggregate.count } == Int64(raw.count), "each reading rolled up once")
        #expect(hours.reduce(0) { $0 + $1.aggregate.count } == Int64(raw.count))
        withExtendedLifetime(folder) {}
    }
}
