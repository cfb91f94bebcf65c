import Logging
import OutpostBench
import OutpostMQTT
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

@testable import OutpostAgent

/// Remote configuration on a real agent: signed documents through a real Mosquitto, the
/// simulator as the device, the acknowledging peer as the hub. Every reading the sources took is
/// counted against what the peer applied, across every push, refusal and rollback.
@Suite(
    "Remote configuration through a real broker", .serialized,
    Requires.installed(Broker.isAvailable, "mosquitto"))
struct RemoteConfigurationTests {
    @Test(
        "Applied, refused when forged, foreign or replayed, rolled back from a dead device and from a silent hub, applied after a restart; nothing lost or twice"
    )
    func pushes() async throws {
        let fleet = FleetSigner.generate()
        let forger = FleetSigner.generate()
        let broker = try Broker(tls: false)
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02"])
        defer { sim.terminate() }
        let keys = try TemporaryFolder()
        let hubKey = keys.write(Array(fleet.publicKeyPEM.utf8), to: "fleet.pem")
        let setup = try DeliveryTests().setup(broker: broker, simulator: url, uplink: "hub_key = \"\(hubKey)\"")
        let peer = try AcknowledgingPeer(port: broker.port, verifier: setup.verifier)
        Task { await peer.run() }
        defer { peer.stop() }
        let hub = try MQTTClient(.init(host: "127.0.0.1", port: broker.port, clientID: "hub"))
        try hub.connect(host: "127.0.0.1", port: broker.port, keepalive: 5)
        defer { hub.shutdown() }
        let topic = GatewayTopics(gateway: "gw-1").config
        func push(
            _ version: Int64, _ toml: String, trial: Int64 = 600, gateway: String = "gw-1", by: FleetSigner? = nil
        )
            throws
        {
            let document = ConfigurationDocument(
                gateway: gateway, version: version, issuedAt: systemWallClock(), toml: toml, trialSeconds: trial)
            _ = try hub.publish(
                .init(topic: topic, payload: try (by ?? fleet).sign(document, topic: topic), qos: 1, retain: true))
        }
        func device(_ name: String, _ url: String) -> String {
            "[[modbus]]\nname = \"\(name)\"\nurl = \"\(url)\"\nprofile = \"xy-md02\"\ninterval = \"100ms\"\ntimeout = \"50ms\"\n"
        }
        func readings(_ series: String) -> Int { peer.state.withLock { $0.readings[series]?.count ?? 0 } }
        var runs: [Agent] = []

        try await Agent.running(setup.configuration) { agent in
            runs.append(agent)
            func status() -> RemoteConfigurationStatus? { agent.remote.status }
            #expect(await eventually { readings("room.temperature") >= 5 }, "agent.toml's device is read")
            #expect(status() == RemoteConfigurationStatus(applied: 0))

            // v1: a second device beside the first.
            try push(1, device("room", url) + device("annex", url))
            #expect(await eventually { readings("annex.temperature") >= 5 }, "the new device is read")
            #expect(
                await eventually { status()?.applied == 1 && status()?.trial == nil }, "\(String(describing: status()))"
            )

            // Forged, another gateway's, damaged: refused, v1 runs on.
            try push(2, device("forged", url), by: forger)
            #expect(await eventually { status()?.refusal?.contains("not signed by this fleet's key") == true })
            try push(2, device("foreign", url), gateway: "gw-2")
            #expect(await eventually { status()?.refusal?.contains("'gw-2'") == true })

            // v3: a device on a port where nothing answers fails in every poll: back to v1.
            let dead = "tcp://127.0.0.1:\(try Broker.freePort())"
            try push(3, device("room", url) + device("dead", dead))
            #expect(
                await eventually(timeout: .seconds(60)) { status()?.failed == 3 && status()?.applied == 1 },
                "\(String(describing: status()))")
            #expect(status()?.outcome == RemoteConfigurationStatus.rolledBack)
            #expect(
                status()?.reason?.contains("source modbus.dead failed in every poll") == true,
                "\(String(describing: status()))")
            let annex = readings("annex.temperature")
            #expect(await eventually { readings("annex.temperature") >= annex + 5 }, "v1's devices are read again")

            // A replay of v1 (older than v3) is refused; v1 still runs.
            try push(1, device("replayed", url))
            #expect(await eventually { status()?.refusal?.contains("older than v3") == true })

            // v4 with a 5 s trial while the hub acknowledges nothing: back to v1.
            peer.state.withLock { $0.acksToDrop = 1_000_000 }
            try push(4, device("room", url), trial: 5)
            #expect(
                await eventually(timeout: .seconds(60)) { status()?.failed == 4 && status()?.applied == 1 },
                "\(String(describing: status()))")
            #expect(status()?.reason?.contains("no batch acknowledged by the hub within 5 s") == true)
            peer.state.withLock { $0.acksToDrop = 0 }
            let afterSilence = readings("annex.temperature")
            #expect(await eventually { readings("annex.temperature") >= afterSilence + 5 })
        }

        // Pushed while the gateway is off: applied when it is back, from the retained copy.
        try push(5, device("room", url) + device("cellar", url))
        try await Agent.running(setup.configuration) { agent in
            runs.append(agent)
            #expect(agent.remote.status?.applied == 1, "the version that worked runs after a restart")
            #expect(await eventually { readings("cellar.temperature") >= 5 }, "v5 was taken on reconnect")
            #expect(await eventually { agent.remote.status?.applied == 5 && agent.remote.status?.trial == nil })
            #expect(await eventually { (try? await agent.outboxStatistics())?.unsentBatches == 0 })
        }
        // Every reading taken reached the peer once: none lost, none twice.
        let taken = runs.reduce(0) { $0 + $1.readingsTaken }
        let (applied, series) = peer.state.withLock { ($0.readingCount, $0.readings) }
        #expect(applied == taken, "\(applied) applied, \(taken) taken")
        for (name, samples) in series {
            #expect(Set(samples.map(\.timestamp)).count == samples.count, "\(name) has a reading twice")
        }
    }
}
