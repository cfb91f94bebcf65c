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

/// The whole on-demand loop: a dashboard client subscribes, the hub signs and retains a watch
/// document, the agent sends live values, they reach the client. Real Mosquitto, real hub
/// process, the agent and the simulator.
@Suite(
    "Live values on demand, from the dashboard to the agent and back", .serialized,
    Requires.installed(Broker.isAvailable, "mosquitto"))
struct LiveOnDemandHubTests {
    @Test(
        "Nothing on the live topic until a client subscribes; then a signed watch document, live values, and the client sees them"
    )
    func endToEnd() async throws {
        let fleet = try GatewayIdentity.generate(gatewayID: "fleet")
        let broker = try Broker(tls: false)
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02"])
        defer { sim.terminate() }
        let keys = try TemporaryFolder()
        let hub = try HubProcess(
            brokerPort: broker.port, fleetKey: keys.write(Array(fleet.privateKeyPEM.utf8), to: "fleet-key.pem"))
        let identity = try GatewayIdentity.generate(gatewayID: "gw-od")
        try hub.enrol("gw-od", publicKey: identity.publicKeyPEM)
        let viewer = try hub.makeToken(role: "viewer")
        try hub.start()
        defer { hub.stop() }
        let (configuration, agentFolder) = try testAgentConfiguration(
            "gw-od", identity: identity, brokerPort: broker.port, simulator: url,
            uplink: "hub_key = \"\(keys.write(Array(fleet.publicKeyPEM.utf8), to: "fleet.pem"))\"")
        defer { withExtendedLifetime(agentFolder) {} }  // the agent's data outlives the test's end
        #expect(configuration.uplink.live == .onDemand)
        let topics = GatewayTopics(gateway: "gw-od")
        let live = try TopicCounter(port: broker.port, topic: topics.live)
        let watch = try TopicCounter(port: broker.port, topic: topics.watch)
        defer {
            live.stop()
            watch.stop()
        }
        let agent = try Agent(configuration: configuration, version: "test", logger: Logger(label: "agent"))
        let group = ServiceGroup(configuration: .init(services: [agent], logger: Logger(label: "group")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            let key = SeriesKey(gateway: "gw-od", name: "room.temperature")
            let stored = await eventually(timeout: .seconds(60)) {
                (try? await QueryEngine(store: hub.store()).range(key, 0...Int64.max).count) ?? 0 >= 10
            }
            #expect(stored, "batches reach the hub")
            #expect(live.count == 0 && watch.count == 0, "nobody watches: no watch document, no live values")

            let client = LiveClient(
                port: hub.httpPort, token: viewer,
                subscribe: #"{"subscribe":[{"gateway":"gw-od","series":"room.temperature"}]}"#)
            defer { client.close() }
            #expect(await eventually { watch.count > 0 }, "the hub tells the gateway someone watches")
            let document = try FleetVerifier(publicKeyPEM: fleet.publicKeyPEM).open(
                try #require(watch.last), topic: topics.watch, as: WatchDocument.self)
            #expect(document.gateway == "gw-od")
            #expect(document.until - document.issuedAt == WatchDocument.span.components.seconds * 1_000_000_000)
            #expect(await eventually { live.count >= 3 }, "the agent sends live values")
            // Readings polled every 100 ms have times on that grid; a live document's time is
            // its commit's: a sample off the grid came through the live topic.
            let fromLive = await eventually(timeout: .seconds(20)) {
                client.log.lines.withLock { lines in
                    lines.contains { line in
                        guard line.contains("\"readings\""), let start = line.range(of: "\"samples\":[[") else {
                            return false
                        }
                        let digits = line[start.upperBound...].prefix { $0.isNumber }
                        return Int64(digits).map { $0 % 100_000_000 != 0 } ?? false
                    }
                }
            }
            #expect(fromLive, "the client saw a live value: \(client.transcript.suffix(600))")
            await group.triggerGracefulShutdown()
        }
    }
}

@Suite("Watch documents: when the hub renews them")
struct WatchRenewalTests {
    @Test("A gateway newly watched is due at once, then every renewal; one no longer watched is forgotten")
    func renewals() {
        var renewals = WatchRenewals()
        let start = ContinuousClock.now
        #expect(renewals.due(watched: ["b", "a"], at: start) == ["a", "b"])
        renewals.sent(to: "a", at: start)
        #expect(renewals.due(watched: ["a", "b"], at: start + .seconds(1)) == ["b"], "b's publish failed: again")
        renewals.sent(to: "b", at: start + .seconds(1))
        #expect(renewals.due(watched: ["a", "b"], at: start + WatchDocument.renewal - .seconds(1)).isEmpty)
        #expect(renewals.due(watched: ["a", "b"], at: start + WatchDocument.renewal) == ["a"])
        #expect(renewals.due(watched: ["b"], at: start + WatchDocument.renewal).isEmpty)
        #expect(
            renewals.due(watched: ["a", "b"], at: start + WatchDocument.renewal) == ["a"], "a watched again: at once")
        #expect(WatchDocument.renewal * 3 == WatchDocument.span, "two renewals may be lost before a watch runs out")
    }
}
