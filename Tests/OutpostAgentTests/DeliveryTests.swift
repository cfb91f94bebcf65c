import Logging
import OutpostAgent
import OutpostBench
import OutpostDevices
import OutpostMQTT
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import ServiceLifecycle
import Synchronization
import Testing

/// The agent end to end: outpost-sim as the device, a real Mosquitto, the acknowledging peer as
/// the hub.
@Suite(
    "Delivery through a real broker", .serialized,
    Requires.installed(Broker.isAvailable, "mosquitto"))
struct DeliveryTests {
    struct Setup {
        let folder: TemporaryFolder
        let identity: GatewayIdentity
        let verifier: GatewayKeyVerifier
        let configuration: AgentConfiguration
    }

    func setup(
        broker: Broker, simulator url: String, extra: String = "", uplink: String = "", viaPort: Int? = nil,
        profile: String = "xy-md02"
    ) throws -> Setup {
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
            broker = "\(broker.tls == nil ? "mqtt" : "mqtts")://127.0.0.1:\(viaPort ?? broker.port)"
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
            profile = "\(profile)"
            interval = "100ms"
            timeout = "50ms"
            \(extra)
            """
        let configuration = try AgentConfiguration(
            toml: text, file: "agent.toml", profiles: ProfileLibrary(folders: [packageRoot() + "/hardware"]))
        let verifier = try GatewayKeyVerifier(gateway: "gw-1", publicKeyPEM: identity.publicKeyPEM)
        return Setup(folder: folder, identity: identity, verifier: verifier, configuration: configuration)
    }

    /// A broker (with TLS and client certificates when `tls`), the simulator, the agent's set-up
    /// and a running acknowledging peer that will lose its first `acksToDrop` acknowledgements.
    func start(tls: Bool = false, acksToDrop: Int = 0, viaPort: Int? = nil) throws -> (
        Broker, ChildProcess, Setup, AcknowledgingPeer
    ) {
        let broker = try Broker(tls: tls)
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02"])
        let setup = try setup(broker: broker, simulator: url, viaPort: viaPort)
        let peer = try AcknowledgingPeer(
            port: broker.port, verifier: setup.verifier,
            tls: broker.tls.map {
                .init(caFile: $0.caFile, certificateFile: $0.certificate("hub"), keyFile: $0.key("hub"))
            })
        peer.state.withLock { $0.acksToDrop = acksToDrop }
        Task { await peer.run() }
        return (broker, sim, setup, peer)
    }

    /// Runs the agent until `done` holds (or a deadline), then shuts it down gracefully.
    func runAgent(
        _ setup: Setup, until done: (Agent) async -> Bool, timeout: Duration = .seconds(60)
    ) async throws -> (Agent, Bool) {
        let agent = try Agent(configuration: setup.configuration, version: "test", logger: Logger(label: "agent"))
        let group = ServiceGroup(configuration: .init(services: [agent], logger: Logger(label: "group")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            _ = await eventually(timeout: timeout, every: .milliseconds(50)) { await done(agent) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        return (agent, await done(agent))
    }

    @Test("Every reading polled arrives exactly once, with its original timestamp and value")
    func exactlyOnce() async throws {
        let (broker, sim, setup, peer) = try start()
        defer {
            peer.stop()
            sim.terminate()
        }
        let watcher = try MQTTClient(
            .init(host: "127.0.0.1", port: broker.port, clientID: "watcher", cleanSession: true))
        try watcher.connect(host: "127.0.0.1", port: broker.port, keepalive: 5)
        let live = Task { await firstMessage(watcher, subscribing: GatewayTopics(gateway: "gw-1").live) }
        let (agent, arrived) = try await runAgent(setup) { _ in
            peer.state.withLock { $0.readings["room.temperature"]?.count ?? 0 } >= 20
        }
        #expect(arrived)
        // The live topic carried the latest values while the agent ran.
        let document = String(decoding: try #require(await live.value), as: UTF8.self)
        #expect(document.contains("\"room.temperature\":"), "\(document)")
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

    @Test("Broker down for a while: readings buffer, then all arrive after it is back, none twice")
    func brokerOutage() async throws {
        let (broker, sim, setup, peer) = try start()
        defer {
            peer.stop()
            sim.terminate()
        }
        let phase = Mutex(0)
        let (agent, finished) = try await runAgent(setup) { agent in
            let applied = peer.state.withLock { $0.readings["room.temperature"]?.count ?? 0 }
            switch phase.withLock({ $0 }) {
            case 0 where applied >= 5:
                broker.stop()
                phase.withLock { $0 = 1 }
            case 1:
                // Down until a backlog of sealed batches has built up in the outbox.
                if let statistics = try? await agent.outboxStatistics(), statistics.unsentBatches >= 5 {
                    try? broker.start()
                    phase.withLock { $0 = 2 }
                }
            case 2:
                let statistics = try? await agent.outboxStatistics()
                return statistics?.unsentBatches == 0 && statistics?.pendingReadings ?? 1 < 200 && applied > 30
            default:
                break
            }
            return false
        }
        #expect(finished, "\(peer.state.withLock { ($0.copies, $0.sequences.count) })")
        let statistics = try await agent.outboxStatistics()
        let taken = agent.sourceCounters.values.reduce(0) { $0 + $1.goodSamples + $1.badSamples }
        let applied = peer.state.withLock { $0.readings.values.reduce(0) { $0 + $1.count } }
        #expect(applied + statistics.unsentReadings == taken)
        let temperatures = peer.state.withLock { $0.readings["room.temperature"] ?? [] }
        #expect(Set(temperatures.map(\.timestamp)).count == temperatures.count)
        #expect(statistics.evictedReadings == 0)
    }

    @Test(
        "Broker away for 40 s, past the agent's own reconnect supervision: it delivers again within 20 s of the broker's return"
    )
    func deliveryAfterLongOutage() async throws {
        let (broker, sim, setup, peer) = try start()
        defer {
            peer.stop()
            sim.terminate()
        }
        let outage = Mutex<(stopped: ContinuousClock.Instant?, back: ContinuousClock.Instant?, before: Int)>(
            (nil, nil, 0))
        let inTime = Mutex<Duration?>(nil)
        let (_, finished) = try await runAgent(
            setup,
            until: { _ in
                let applied = peer.state.withLock { $0.readings["room.temperature"]?.count ?? 0 }
                let (stopped, back, before) = outage.withLock { $0 }
                guard let stopped else {
                    if applied >= 5 {
                        broker.stop()
                        outage.withLock { $0 = (.now, nil, applied) }
                    }
                    return false
                }
                guard let back else {
                    // The outage under test: 40 s, longer than the 30 s after which the agent
                    // restarts its connection itself (and used to back off to a minute).
                    if ContinuousClock.now - stopped >= .seconds(40) {
                        try? broker.start()
                        outage.withLock { $0.back = .now }
                    }
                    return false
                }
                if applied > before {
                    inTime.withLock { $0 = ContinuousClock.now - back }
                    return true
                }
                return ContinuousClock.now - back >= .seconds(20)
            }, timeout: .seconds(120))
        #expect(finished)
        let delay = inTime.withLock { $0 }
        #expect(delay.map { $0 < .seconds(20) } == true, "delivered \(String(describing: delay)) after the return")
    }

    @Test("Acknowledgements lost: the batches are sent again and applied once")
    func lostAcknowledgements() async throws {
        let (broker, sim, setup, peer) = try start(acksToDrop: 4)
        defer {
            peer.stop()
            sim.terminate()
            withExtendedLifetime(broker) {}  // the broker runs until the test ends
        }
        let (agent, finished) = try await runAgent(setup) { agent in
            let (dropped, copies, unique) = peer.state.withLock { ($0.acksDropped, $0.copies, $0.sequences.count) }
            guard dropped == 4, copies > unique else { return false }
            return (try? await agent.outboxStatistics())?.unsentBatches == 0
        }
        #expect(finished)
        let (copies, unique) = peer.state.withLock { ($0.copies, $0.sequences.count) }
        #expect(copies > unique, "some batches arrived twice")
        let temperatures = peer.state.withLock { $0.readings["room.temperature"] ?? [] }
        #expect(Set(temperatures.map(\.timestamp)).count == temperatures.count, "and were applied once")
        let statistics = try await agent.outboxStatistics()
        let taken = agent.sourceCounters.values.reduce(0) { $0 + $1.goodSamples + $1.badSamples }
        let applied = peer.state.withLock { $0.readings.values.reduce(0) { $0 + $1.count } }
        #expect(applied + statistics.unsentReadings == taken)
    }

    @Test("TLS with client certificates: the agent connects and delivers; the status is retained")
    func tls() async throws {
        let (broker, sim, setup, peer) = try start(tls: true)
        let certificates = try #require(broker.tls)
        defer {
            peer.stop()
            sim.terminate()
        }
        let (_, arrived) = try await runAgent(setup) { _ in
            peer.state.withLock { $0.readings["room.humidity"]?.count ?? 0 } >= 5
        }
        #expect(arrived)
        // The status stays retained on the broker; a clean stop left "offline" with the backlog.
        let reader = try MQTTClient(
            .init(
                host: "127.0.0.1", port: broker.port, clientID: "reader",
                tls: .init(
                    caFile: certificates.caFile, certificateFile: certificates.certificate("hub"),
                    keyFile: certificates.key("hub")),
                cleanSession: true))
        defer { reader.shutdown() }
        try reader.connect(host: "127.0.0.1", port: broker.port, keepalive: 5)
        let status = await firstMessage(reader, subscribing: GatewayTopics(gateway: "gw-1").status)
        let document = try StatusDocument(json: try #require(status))
        #expect(document.state == "offline")
        #expect(document.gateway == "gw-1")
        #expect(document.sources["modbus.room"]?.goodSamples ?? 0 > 0)
        // A client without a certificate is refused by this broker: never connected.
        let stranger = try MQTTClient(
            .init(host: "127.0.0.1", port: broker.port, clientID: "stranger", tls: .init(caFile: certificates.caFile)))
        var accepted = false
        do {
            try stranger.connect(host: "127.0.0.1", port: broker.port, keepalive: 5)
            accepted = await firstEvent(stranger) == .connected
        } catch {
            accepted = false  // refused during the handshake
        }
        stranger.shutdown()
        #expect(!accepted)
    }

    /// The first event of `client`, or nil after 10 s.
    func firstEvent(_ client: MQTTClient) async -> MQTTClient.Event? {
        await firstElement(of: client.events)
    }

    /// The first message on `topic` (a retained one arrives at once), or nil after 10 s.
    func firstMessage(_ client: MQTTClient, subscribing topic: String) async -> [UInt8]? {
        let message = await firstElement(of: client.events) { event in
            if case .connected = event { try? client.subscribe(topic, qos: 1) }
            if case .message(let received, _) = event { return received == topic }
            return false
        }
        client.shutdown()
        guard case .message(_, let payload) = message else { return nil }
        return payload
    }

    @Test("A broker that speaks only MQTT 3.1.1: the uplink is refused MQTT 5, falls back, and connects")
    func fallbackTo311() async throws {
        let broker = try ChildProcess("/usr/bin/python3", [packageRoot() + "/Tests/Peers/mqtt311_broker.py"])
        defer { broker.terminate() }
        let port = try #require(Int(try broker.waitForLine(startingWith: "listening ").dropFirst("listening ".count)))
        let folder = try TemporaryFolder()
        let outbox = try Outbox(
            .init(path: folder.file("outbox.db"), gatewayID: "gw-1", quota: 1 << 30, policy: .dropOldest),
            signer: GatewayFrameSigner.generate(), logger: Logger(label: "outbox"))
        let uplink = try Uplink(
            configuration: .init(broker: .init(host: "127.0.0.1", port: port, tls: false), signingKeyFile: ""),
            gatewayID: "gw-1", outbox: outbox, logger: Logger(label: "uplink"))
        let task = Task { await uplink.run(status: { _ in Array("{}".utf8) }) }
        defer { task.cancel() }
        #expect(await eventually { uplink.snapshot.connected })
        let lines = broker.currentStdout()
        #expect(lines.contains("connect level 5"), "\(lines)")
        #expect(lines.contains("connect level 4"), "\(lines)")
    }
}
