import Logging
import OutpostBench
import OutpostMQTT
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import ServiceLifecycle
import Synchronization
import Testing

@testable import OutpostAgent

/// An agent on `live = "on-demand"`: it sends live values only while a watch document signed
/// with the fleet key says someone watches; everything else that reaches its watch topic is
/// refused and said in its status. A real Mosquitto, the simulator, real signatures.
@Suite(
    "Live values on demand through a real broker", .serialized,
    Requires.installed(Broker.isAvailable, "mosquitto"))
struct LiveOnDemandTests {
    @Test(
        "Idle until a signed watch document; forged, foreign and replayed ones refused; cleared and expired ones stop it; a retained one holds across a restart"
    )
    func onDemand() async throws {
        let fleet = try GatewayIdentity.generate(gatewayID: "fleet")
        let signer = try FleetSigner(privateKeyPEM: fleet.privateKeyPEM)
        let forger = try FleetSigner(privateKeyPEM: try GatewayIdentity.generate(gatewayID: "forger").privateKeyPEM)
        let broker = try Broker(tls: false)
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02"])
        defer { sim.terminate() }
        let keyFolder = try TemporaryFolder()
        let hubKey = keyFolder.write(Array(fleet.publicKeyPEM.utf8), to: "fleet.pem")
        let delivery = DeliveryTests()
        let setup = try delivery.setup(broker: broker, simulator: url, uplink: "hub_key = \"\(hubKey)\"")
        #expect(setup.configuration.uplink.live == .onDemand)
        let peer = try AcknowledgingPeer(port: broker.port, verifier: setup.verifier)
        Task { await peer.run() }
        defer { peer.stop() }
        let live = try TopicCounter(port: broker.port, topic: GatewayTopics(gateway: "gw-1").live)
        defer { live.stop() }
        let hub = try MQTTClient(.init(host: "127.0.0.1", port: broker.port, clientID: "hub"))
        try hub.connect(host: "127.0.0.1", port: broker.port, keepalive: 5)
        defer { hub.shutdown() }
        let topic = GatewayTopics(gateway: "gw-1").watch
        func publish(_ payload: [UInt8]) throws {
            _ = try hub.publish(.init(topic: topic, payload: payload, qos: 1, retain: true))
        }
        func watch(
            gateway: String = "gw-1", issued: Int64 = systemWallClock(), seconds: Int64, by key: FleetSigner? = nil
        )
            throws -> [UInt8]
        {
            try (key ?? signer).sign(
                WatchDocument(gateway: gateway, issuedAt: issued, until: issued + seconds * 1_000_000_000), topic: topic
            )
        }
        func readings() -> Int { peer.state.withLock { $0.readings["room.temperature"]?.count ?? 0 } }

        try await Agent.running(setup.configuration) { agent in
            let uplink = agent.uplink
            #expect(await eventually { readings() >= 10 }, "batches flow")
            #expect(live.count == 0 && uplink.snapshot.live == "idle", "nobody watches: no live values")

            try publish(try watch(seconds: 60, by: forger))
            #expect(
                await eventually { uplink.snapshot.liveRefusal?.contains("not signed by this fleet's key") == true })
            try publish(try watch(gateway: "gw-2", seconds: 60))
            #expect(await eventually { uplink.snapshot.liveRefusal?.contains("'gw-2'") == true })
            try publish(Array("{\"payload\":".utf8))
            #expect(await eventually { uplink.snapshot.liveRefusal?.contains("signed hub document") == true })
            let before = readings()
            #expect(await eventually { readings() >= before + 5 })
            #expect(live.count == 0 && !uplink.isLive, "nothing refused switched live on")

            let issued = systemWallClock()
            try publish(try watch(issued: issued, seconds: 60))
            #expect(await eventually { live.count >= 3 }, "watched: live values go out")
            #expect(uplink.snapshot.live == "watched")
            try publish(try watch(issued: issued - 1_000_000_000, seconds: 600))
            #expect(await eventually { uplink.snapshot.liveRefusal?.contains("replay") == true })

            try publish([])  // the hub cleared its retained document
            #expect(await eventually { !uplink.isLive })
            try await expectSilence(live, while: readings)

            try publish(try watch(seconds: 60))
            #expect(await eventually { uplink.isLive && live.count > 0 })
            try publish(try watch(seconds: 0))  // a newer one whose time is up
            #expect(await eventually { !uplink.isLive && uplink.snapshot.live == "idle" })
            try await expectSilence(live, while: readings)

            try publish(try watch(seconds: 60))
            #expect(await eventually { uplink.isLive })
        }
        // A new run finds the retained document at once: a gateway that reconnects is told.
        try await Agent.running(setup.configuration) { agent in
            #expect(await eventually { agent.uplink.isLive }, "the retained watch document was taken on connect")
        }
    }

    /// No live value goes out while five more readings reach the hub (one already on its way
    /// may still arrive).
    func expectSilence(_ live: TopicCounter, while readings: () -> Int) async throws {
        let (count, before) = (live.count, readings())
        #expect(await eventually { readings() >= before + 5 })
        #expect(live.count <= count + 1, "\(live.count - count) live messages while idle")
    }
}
