import Foundation
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
        // Batches wait an hour: whatever the client sees in this test came over the live topic.
        let (configuration, agentFolder) = try testAgentConfiguration(
            "gw-od", identity: identity, brokerPort: broker.port, simulator: url,
            uplink: "hub_key = \"\(keys.write(Array(fleet.publicKeyPEM.utf8), to: "fleet.pem"))\"", batchMaxAge: "1h")
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
            let polled = await eventually(timeout: .seconds(60)) {
                agent.sourceCounters.values.reduce(0) { $0 + $1.goodSamples } >= 20
            }
            #expect(polled, "the agent reads its device")
            #expect(live.count == 0 && watch.count == 0, "nobody watches: no watch document, no live values")

            let client = LiveClient(
                port: hub.httpPort, token: viewer,
                subscribe: #"{"subscribe":[{"gateway":"gw-od","series":"room.temperature"}]}"#)
            defer { client.close() }
            #expect(await eventually { watch.count > 0 }, "the hub tells the gateway someone watches")
            let document = try FleetVerifier(publicKeyPEM: fleet.publicKeyPEM).open(
                try #require(watch.last), topic: topics.watch, as: WatchDocument.self)
            #expect(document.gateway == "gw-od")
            // Checked again by code nobody here wrote (Python's cryptography): the real hub's
            // document holds, and a copy asking for a longer watch does not.
            let verifier = packageRoot() + "/Tests/Peers/verify_hub_document.py"
            let envelope = try #require(watch.last)
            let checked = try await ChildProcess.running(
                "/usr/bin/python3",
                [verifier, keys.file("fleet.pem"), topics.watch, keys.write(envelope, to: "watch.json")])
            #expect(checked.exitStatus == 0 && checked.stdout.contains(#""gateway":"gw-od""#), "\(checked)")
            var longer = try SignedHubDocument(json: envelope)
            longer.payload = longer.payload.replacingOccurrences(
                of: #""until":\#(document.until)"#, with: #""until":\#(document.until + 600_000_000_000)"#)
            #expect(longer.payload != (try SignedHubDocument(json: envelope)).payload)
            let forged = try await ChildProcess.running(
                "/usr/bin/python3",
                [verifier, keys.file("fleet.pem"), topics.watch, keys.write(longer.encoded(), to: "forged.json")])
            #expect(forged.exitStatus == 1, "\(forged)")
            #expect(document.until - document.issuedAt == WatchDocument.span.components.seconds * 1_000_000_000)
            #expect(await eventually { live.count >= 1 }, "the agent sends live values")
            #expect(live.last?.first == LiveFrame.marker, "in the compact form")
            // The client sees temperatures the hub read from the compact frames: values of the
            // device at its resolution (0.1 °C), at the times the agent read them.
            let seen = await eventually(timeout: .seconds(20)) { client.has(#""series":"room.temperature""#) }
            #expect(seen, "the client saw a live value: \(client.transcript.suffix(600))")
            let line = client.log.lines.withLock { $0.first { $0.contains(#""series":"room.temperature""#) } } ?? ""
            let message = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let value = ((message?["samples"] as? [[Any]])?.first?[1] as? NSNumber)?.doubleValue
            #expect(
                value.map { (-40...80).contains($0) && abs(($0 * 10).rounded() - $0 * 10) < 1e-9 } == true, "\(line)")
            let stored = try await QueryEngine(store: hub.store()).range(
                SeriesKey(gateway: "gw-od", name: "room.temperature"), 0...Int64.max)
            #expect(stored.isEmpty, "no batch reached the hub: the value came over the live topic")
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
