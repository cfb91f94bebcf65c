import OutpostAgent
import OutpostHub
import OutpostMQTT
import OutpostProvisioning
import OutpostSigning
import OutpostSystem
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// `outpost-bench link`: what a gateway costs on its link. `outpost-agent run` polls 100 points at
/// 1 Hz from the simulators and connects to Mosquitto through a `LinkRelay`, which counts every
/// byte each way above TCP (MQTT packets: batches, acknowledgements, status, live values, watch
/// documents, keepalives); an acknowledging peer plays the hub, and, for the watched runs, signs
/// and renews a watch document as the hub does while a dashboard is open.
package struct LinkBenchmark {
    /// One configuration of the agent, measured.
    package struct Scenario: Sendable {
        package var name: String
        /// `[uplink]` lines.
        package var uplink: String
        /// Whether a watch document says someone watches.
        package var watched: Bool
        /// Whether `uplink` sets a data budget: the agent may send only summaries, and its own
        /// count is compared with the relay's.
        package var budgeted: Bool

        package init(name: String, uplink: String, watched: Bool, budgeted: Bool = false) {
            (self.name, self.uplink, self.watched, self.budgeted) = (name, uplink, watched, budgeted)
        }
    }

    /// What one scenario cost.
    package struct Figures: Codable, Sendable {
        package var scenario: String
        package var seconds: Double
        package var readings: Int
        package var bytesUp: Int
        package var bytesDown: Int
        package var liveMessages: Int
        package var bytesPerReading: Double
        /// With a budget: the bytes the relay carried over the whole run, connection included,
        /// and what the agent counted against its budget (saved when it stopped).
        package var relayTotal: Int?
        package var agentCounted: Int64?
        /// With a budget: what the agent's status said it was sending at the end.
        package var sending: String?

        enum CodingKeys: String, CodingKey {
            case scenario, seconds, readings, sending
            case bytesUp = "bytes_up"
            case bytesDown = "bytes_down"
            case liveMessages = "live_messages"
            case bytesPerReading = "bytes_per_reading"
            case relayTotal = "relay_total_bytes"
            case agentCounted = "agent_counted_bytes"
        }
    }

    let folder: String
    let duration: Duration
    /// The gateway's link is TLS to this broker (the peers use its plain listener).
    let tls: TLSBenchBroker?

    /// What the 100-point configuration takes: 100 points at 1 Hz.
    static let readingsPerSecond = 100.0

    package init(folder: String, duration: Duration, tls: TLSBenchBroker? = nil) {
        self.folder = folder
        self.duration = duration
        self.tls = tls
    }

    /// Measures `scenario` against the broker on `port` and the simulators at `simulators`.
    package func measure(_ scenario: Scenario, port: Int, simulators: [String: String]) async throws -> Figures {
        // A gateway id of its own: no retained document of another run reaches it.
        let gateway = "link-\(scenario.name.filter { $0.isLetter || $0.isNumber })"
        let directory = folder + "/" + gateway
        mkdir(directory, 0o755)
        let identity = try GatewayIdentity.generate(gatewayID: gateway)
        let fleet = try GatewayIdentity.generate(gatewayID: "fleet")
        try FileIO.write(Array(identity.privateKeyPEM.utf8), to: directory + "/signing.key", mode: 0o600)
        try FileIO.write(Array(fleet.publicKeyPEM.utf8), to: directory + "/fleet.pem", mode: 0o644)
        let relay = try LinkRelay(target: tls?.tlsPort ?? port, tls: tls != nil)
        defer { relay.stop() }
        var uplink = scenario.uplink.replacingOccurrences(of: "{{FLEET}}", with: directory + "/fleet.pem")
        if let tls {
            let (key, certificate) = try tls.identity(gateway)
            uplink += "\nca = \"\(tls.authority.certificatePath)\"\ncertificate = \"\(certificate)\"\nkey = \"\(key)\""
        }
        let config = AgentBenchmark.hundredPointConfiguration(
            gateway: gateway, dataDirectory: directory + "/data", brokerPort: relay.port,
            signingKey: directory + "/signing.key", simulators: simulators, extra: uplink,
            scheme: tls == nil ? "mqtt" : "mqtts")
        try FileIO.write(Array(config.utf8), to: directory + "/agent.toml", mode: 0o600)
        let peer = try AcknowledgingPeer(
            port: port, verifier: try GatewayKeyVerifier(gateway: gateway, publicKeyPEM: identity.publicKeyPEM),
            keepsReadings: false)
        let live = try TopicCounter(port: port, topic: GatewayTopics(gateway: gateway).live)
        defer { live.stop() }
        let watcher = scenario.watched ? try WatchRenewer(port: port, gateway: gateway, fleet: fleet) : nil
        defer { watcher?.stop() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await peer.run() }
            if let watcher { group.addTask { await watcher.run() } }
            let agent = try SpawnedProcess.agent(configuration: directory + "/agent.toml")
            defer { agent.stop() }
            let outbox = directory + "/data/outbox.db"
            func taken() -> Int {
                peer.state.withLock { $0.readingCount } + ((try? AgentBenchmark.backlog(outbox)) ?? 0)
            }
            // Warm-up: connected, the first batch acknowledged, live values flowing if watched.
            let warm = ContinuousClock.now + .seconds(120)
            // With a budget, the first frame may be a summary, which carries no readings.
            func started() -> Bool {
                peer.state.withLock { scenario.budgeted ? !$0.sequences.isEmpty : $0.readingCount > 0 }
            }
            while !started() || (scenario.watched && live.count == 0), ContinuousClock.now < warm {
                try await Task.sleep(for: .milliseconds(100))
            }
            let (upStart, downStart) = relay.bytes
            let (takenStart, liveStart, start) = (taken(), live.count, ContinuousClock.now)
            try await Task.sleep(for: duration)
            let (up, down) = relay.bytes
            let readings = taken() - takenStart
            let seconds = (ContinuousClock.now - start).seconds
            let sending = try? StatusDocument(json: FileIO.read(directory + "/data/status.json")).budget?.sending
            if scenario.budgeted { agent.stop() }  // it saves its count on the way out
            group.cancelAll()
            peer.stop()
            let bytes = up - upStart + down - downStart
            // Per reading of the 100 a second the agent takes: the readings delivered in a
            // window move by whole batches (a batch of 10 s is 1,000 readings), the rate does not.
            var figures = Figures(
                scenario: scenario.name, seconds: seconds, readings: readings, bytesUp: up - upStart,
                bytesDown: down - downStart, liveMessages: live.count - liveStart,
                bytesPerReading: Double(bytes) / (seconds * Self.readingsPerSecond))
            if scenario.budgeted {
                figures.relayTotal = relay.bytes.up + relay.bytes.down
                figures.agentCounted = try OutboxVerification.budget(path: outbox)?.used
                figures.sending = sending ?? nil
            }
            return figures
        }
    }
}

/// Plays the hub's part in watching: a signed watch document retained on the gateway's topic,
/// renewed every `WatchDocument.renewal`, naming the live catalog it read from the gateway's
/// frames (as the hub does, so the agent sends its catalog only when the hub lacks it).
final class WatchRenewer: Sendable {
    private let client: MQTTClient
    private let signer: FleetSigner
    private let topics: GatewayTopics
    private let live = LiveValues()

    init(port: Int, gateway: String, fleet: GatewayIdentity) throws {
        client = try MQTTClient(.init(host: "127.0.0.1", port: port, clientID: "bench-watch-\(gateway)"))
        signer = try FleetSigner(privateKeyPEM: fleet.privateKeyPEM)
        topics = GatewayTopics(gateway: gateway)
        try client.connect(host: "127.0.0.1", port: port, keepalive: 30)
    }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                for await event in client.events {
                    if case .connected = event { try? client.subscribe(topics.live, qos: 0) }
                    if case .message(let topic, let payload) = event, topic == topics.live {
                        _ = try? live.update(gateway: topics.gateway, document: payload)
                    }
                }
            }
            while !Task.isCancelled {
                let document = WatchDocument(
                    gateway: topics.gateway, issuedAt: systemWallClock(), catalog: live.catalog(of: topics.gateway))
                if let signed = try? signer.sign(document, topic: topics.watch) {
                    _ = try? client.publish(.init(topic: topics.watch, payload: signed, qos: 1, retain: true))
                }
                try? await Task.sleep(for: WatchDocument.renewal)
            }
            group.cancelAll()
        }
    }

    func stop() { client.shutdown() }
}

extension LinkBenchmark {
    /// How long after a restarted broker is back the agent delivers again: for each downtime, the
    /// broker stops (the agent sees it go), stays down that long and starts again on its port;
    /// the time from its listening to the hub's peer taking the agent's next batch.
    package func deliveryAfterRestart(
        downtimes: [Duration], simulators: [String: String]
    ) async throws -> [(downtime: Duration, seconds: Double)] {
        let directory = folder + "/restart"
        mkdir(directory, 0o755)
        var (broker, port) = try BenchBroker.start(in: directory, persistent: true)
        defer { broker.stop() }
        let identity = try GatewayIdentity.generate(gatewayID: "link-restart")
        try FileIO.write(Array(identity.privateKeyPEM.utf8), to: directory + "/signing.key", mode: 0o600)
        let config = AgentBenchmark.hundredPointConfiguration(
            gateway: "link-restart", dataDirectory: directory + "/data", brokerPort: port,
            signingKey: directory + "/signing.key", simulators: simulators, extra: "batch_max_age = \"1s\"")
        try FileIO.write(Array(config.utf8), to: directory + "/agent.toml", mode: 0o600)
        let peer = try AcknowledgingPeer(
            port: port,
            verifier: try GatewayKeyVerifier(gateway: "link-restart", publicKeyPEM: identity.publicKeyPEM),
            keepsReadings: false, clientID: "link-restart-hub", cleanSession: false)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await peer.run() }
            let agent = try SpawnedProcess.agent(configuration: directory + "/agent.toml")
            defer { agent.stop() }
            func delivered() -> Int { peer.state.withLock { $0.readingCount } }
            var results: [(Duration, Double)] = []
            for downtime in downtimes {
                let ready = ContinuousClock.now + .seconds(120)
                let before = delivered()
                while delivered() <= before, ContinuousClock.now < ready {
                    try await Task.sleep(for: .milliseconds(50))
                }
                broker.stop()
                try await Task.sleep(for: downtime)
                (broker, port) = try BenchBroker.start(in: directory, persistent: true, port: port)
                let back = ContinuousClock.now
                let atRestart = delivered()
                let deadline = back + .seconds(300)
                while delivered() <= atRestart, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                results.append((downtime, (ContinuousClock.now - back).seconds))
            }
            group.cancelAll()
            peer.stop()
            return results
        }
    }
}

extension LinkBenchmark {
    /// A month's bytes on the link of a gateway with `points` series read every `interval`,
    /// nobody watching, at the defaults: signed batches of 5 minutes as the agent's codec writes
    /// them (values of a sensor: a slow cycle and noise at a 0.01 resolution, series named like
    /// `meter3.voltage_l1`), each with its MQTT headers and acknowledgement; the status every
    /// 30 s at its measured size for seven sources (`statusBytes`); keepalives every 30 s.
    package static func monthlyBytes(points: Int, interval: Duration, statusBytes: Int = 1_257) throws -> Double {
        let batchSeconds = 300.0
        let readings = max(1, Int((batchSeconds / interval.seconds).rounded()))
        let resolution = Resolution(parsing: "0.01")
        let start: Int64 = 1_790_000_000_000_000_000
        let step = Int64(interval.seconds * 1e9)
        var series: [SeriesDescriptor] = []
        var chunks: [FrameChunk] = []
        for point in 0..<points {
            series.append(
                SeriesDescriptor(
                    id: UInt32(point), name: "meter\(point / 16).point_\(point % 16)", unit: "V", resolution: resolution
                ))
            let samples = (0..<readings).map { index -> Sample in
                let time = Double(index) * interval.seconds
                let noise = Double((index &* 7919 &+ point &* 104_729) % 7 - 3) / 100
                let value = ((230 + 2 * sin(time / 1800 + Double(point)) + noise) * 100).rounded() / 100
                return Sample(timestamp: start + Int64(index) * step, value: value)
            }
            chunks.append(
                FrameChunk(
                    seriesID: UInt32(point),
                    chunk: try Chunk(encoding: SampleColumns(samples), resolution: resolution, clockSynchronised: true))
            )
        }
        let frame = try BatchFrame(
            gatewayID: "gw-017", sequence: 1, bootID: .zero, clockState: .synchronised, createdAt: start,
            createdMonotonic: 0, series: series, chunks: chunks
        ).encoded(signer: GatewayFrameSigner.generate())
        // PUBLISH QoS 1 (fixed header, topic, packet id, properties) and its PUBACK, each way.
        let publish = { (payload: Int, topic: String) in Double(payload + 5 + 2 + topic.utf8.count + 2 + 1 + 4) }
        let topics = GatewayTopics(gateway: "gw-017")
        let batch = publish(frame.count, topics.batch) + publish(60, topics.ack)
        let status = publish(statusBytes, topics.status)
        let keepalive = 4.0
        let month = 30.0 * 86_400
        return month / batchSeconds * batch + month / 30 * (status + keepalive)
    }
}
