import Logging
import OutpostAgent
import OutpostDevices
import OutpostMQTT
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import ServiceLifecycle
import Testing

/// The agent end to end: outpost-sim as the device, a real Mosquitto, the acknowledging peer as
/// the hub.
@Suite(
    "Delivery through a real broker", .serialized,
    .enabled(if: Broker.isAvailable, "needs mosquitto (make deps)"))
struct DeliveryTests {
    struct Setup {
        let folder: TemporaryFolder
        let identity: GatewayIdentity
        let verifier: GatewayKeyVerifier
        let configuration: AgentConfiguration
    }

    func setup(broker: Broker, simulator url: String, extra: String = "", uplink: String = "") throws -> Setup {
        let folder = try TemporaryFolder()
        let identity = try GatewayIdentity.generate(gatewayID: "gw-1")
        let keyPath = folder.write(Array(identity.privateKeyPEM.utf8), to: "signing.key")
        var tls = ""
        if let certificates = broker.tls {
            tls = """
                ca = "\(certificates.caFile)"
                certificate = "\(certificates.certificate("gw-1"))"
                key = "\(certificates.key("gw-1"))"
                """
        }
        let text = """
            [gateway]
            id = "gw-1"
            data_dir = "\(folder.path)/data"

            [uplink]
            broker = "\(broker.tls == nil ? "mqtt" : "mqtts")://127.0.0.1:\(broker.port)"
            signing_key = "\(keyPath)"
            batch_max_age = "300ms"
            ack_timeout = "2s"
            \(tls)
            \(uplink)

            [buffer]
            commit_interval = "100ms"

            [[modbus]]
            name = "room"
            url = "\(url)"
            profile = "xy-md02"
            interval = "100ms"
            timeout = "50ms"
            \(extra)
            """
        let configuration = try AgentConfiguration(
            toml: text, file: "agent.toml", profiles: ProfileLibrary(folders: [packageRoot() + "/hardware"]))
        let verifier = try GatewayKeyVerifier(gateway: "gw-1", publicKeyPEM: identity.publicKeyPEM)
        return Setup(folder: folder, identity: identity, verifier: verifier, configuration: configuration)
    }

    /// Runs the agent until `done` holds (or a deadline), then shuts it down gracefully.
    func runAgent(_ setup: Setup, until done: @escaping @Sendable (Agent) async -> Bool) async throws -> (Agent, Bool) {
        let agent = try Agent(configuration: setup.configuration, version: "test", logger: Logger(label: "agent"))
        let group = ServiceGroup(configuration: .init(services: [agent], logger: Logger(label: "group")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline, !(await done(agent)) {
                try await Task.sleep(for: .milliseconds(50))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        return (agent, await done(agent))
    }

    @Test("Every reading polled arrives exactly once, with its original timestamp and value")
    func exactlyOnce() async throws {
        let broker = try Broker()
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02"])
        defer { sim.terminate() }
        let setup = try setup(broker: broker, simulator: url)
        let peer = try AcknowledgingPeer(port: broker.port, verifier: setup.verifier)
        let peerTask = Task { await peer.run() }
        defer {
            peer.client.shutdown()
            peerTask.cancel()
        }
        let (agent, arrived) = try await runAgent(setup) { _ in
            peer.state.withLock { $0.readings["room.temperature"]?.count ?? 0 } >= 20
        }
        #expect(arrived)
        // After the graceful stop, the last readings were sealed; wait until they were applied.
        let statistics = try await agent.outboxStatistics()
        let taken = agent.sourceCounters.values.reduce(0) { $0 + $1.goodSamples + $1.badSamples }
        #expect(statistics.pendingReadings == 0)
        #expect(taken > 0)
        let applied = peer.state.withLock { $0.readings.values.reduce(0) { $0 + $1.count } }
        #expect(applied + statistics.unsentReadings == taken, "every reading taken is applied or waits, none twice")
        let temperatures = peer.state.withLock { $0.readings["room.temperature"] ?? [] }
        #expect(Set(temperatures.map(\.timestamp)).count == temperatures.count, "no reading twice")
        #expect(temperatures.allSatisfy { $0.timestamp % 100_000_000 == 0 && (-40...80).contains($0.value) })
    }
}
