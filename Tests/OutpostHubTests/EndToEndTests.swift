import Logging
import OutpostAgent
import OutpostBench
import OutpostDevices
import OutpostHub
import OutpostMQTT
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// An agent polling an XY-MD02 at `simulator` every 100 ms, committing every 100 ms and sealing
/// batches within 300 ms (or `batchMaxAge`), signed with `identity`'s key, sending to the broker on `brokerPort`
/// (with more `[uplink]` lines): its configuration, and the folder of its data (which must
/// outlive it).
func testAgentConfiguration(
    _ gateway: String, identity: GatewayIdentity, brokerPort: Int, simulator url: String, uplink: String = "",
    batchMaxAge: String = "300ms", folder given: TemporaryFolder? = nil
) throws -> (AgentConfiguration, TemporaryFolder) {
    let folder = try given ?? TemporaryFolder()
    let key = folder.write(Array(identity.privateKeyPEM.utf8), to: "signing.key")
    let text = """
        [gateway]
        id = "\(gateway)"
        data_dir = "\(folder.path)/data"

        [uplink]
        broker = "mqtt://127.0.0.1:\(brokerPort)"
        signing_key = "\(key)"
        batch_max_age = "\(batchMaxAge)"
        ack_timeout = "2s"
        \(uplink)

        [buffer]
        commit_interval = "100ms"

        [[modbus]]
        name = "room"
        url = "\(url)"
        profile = "xy-md02"
        interval = "100ms"
        timeout = "50ms"
        """
    let configuration = try AgentConfiguration(
        toml: text, file: "\(gateway).toml", profiles: ProfileLibrary(folders: [packageRoot() + "/hardware"]))
    return (configuration, folder)
}

/// The whole path: outpost-sim → outpost-agent → Mosquitto → outpost-hub serve → its store.
@Suite(
    "Hub end to end with the agent, a real broker and the simulator", .serialized,
    Requires.installed(Broker.isAvailable, "mosquitto"))
struct EndToEndTests {
    struct Gateway {
        let folder: TemporaryFolder
        let identity: GatewayIdentity
        let configuration: AgentConfiguration
    }

    func gateway(broker: Broker, simulator url: String) throws -> Gateway {
        let identity = try GatewayIdentity.generate(gatewayID: "gw-e2e")
        let (configuration, folder) = try testAgentConfiguration(
            "gw-e2e", identity: identity, brokerPort: broker.port, simulator: url)
        return Gateway(folder: folder, identity: identity, configuration: configuration)
    }

    /// Runs the agent until `done`, then stops it gracefully (it waits for the last acknowledgements).
    func runAgent(_ gateway: Gateway, until done: @escaping () async -> Bool) async throws -> Agent {
        let agent = try Agent(configuration: gateway.configuration, version: "test", logger: Logger(label: "agent"))
        let group = ServiceGroup(configuration: .init(services: [agent], logger: Logger(label: "group")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let reached = await eventually(timeout: .seconds(90), every: .milliseconds(100)) { await done() }
            #expect(reached, "the agent's readings did not reach the hub in time")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        return agent
    }

    /// Readings of `series` in the hub's store.
    func stored(_ hub: HubProcess, _ series: String) async throws -> [Sample] {
        try await QueryEngine(store: hub.store()).range(SeriesKey(gateway: "gw-e2e", name: series), 0...Int64.max)
    }

    /// The readings of `series` as the hub recorded them (the gateway's own timestamps, before any
    /// clock correction), in time order, and the corrections it applied, each with whether the
    /// gateway's clock was synchronised when the chunk was taken.
    func recorded(_ hub: HubProcess, _ series: String) async throws -> ([Sample], [(shift: Int64, synced: Bool)]) {
        let chunks = try await hub.store().chunks(
            of: SeriesKey(gateway: "gw-e2e", name: series), overlapping: Int64.min...Int64.max)
        var samples: [Sample] = []
        var shifts: [(shift: Int64, synced: Bool)] = []
        for stored in chunks {
            let chunk = try Chunk(record: stored.record)
            samples += try chunk.decode().samples
            if stored.shift != 0 { shifts.append((stored.shift, chunk.clockSynchronised)) }
        }
        return (samples.sorted { $0.timestamp < $1.timestamp }, shifts)
    }

    /// What an observer saw the agent send (each sequence once) must be in the store exactly,
    /// series by series, and the store holds nothing more. Exactly as the gateway recorded them:
    /// the hub may move a chunk taken before the gateway's clock was synchronised (its estimate
    /// of that clock errs late by the frame's delay, which a loaded machine makes seconds), but
    /// never a synchronised one, and here (the gateway's clock is this machine's) by under a minute.
    func expectStoredExactly(_ observer: AcknowledgingPeer, in hub: HubProcess, agent: Agent) async throws {
        let sent = observer.state.withLock { $0.readings }
        #expect(!sent.isEmpty)
        var storedTotal = 0
        for (series, readings) in sent {
            let (stored, shifts) = try await recorded(hub, series)
            storedTotal += stored.count
            let expected = readings.sorted { $0.timestamp < $1.timestamp }
            #expect(stored.count == expected.count, "\(series): \(stored.count) stored, \(expected.count) sent")
            let mismatch = zip(stored, expected).first { !$0.0.isIdentical(to: $0.1) }
            if mismatch != nil {
                let differences = try await differences(stored: stored, sent: expected, series: series, hub: hub)
                Issue.record("\(series): stored and sent readings differ: \(differences)")
            }
            for (shift, synced) in shifts {
                #expect(!synced && shift.magnitude < 60_000_000_000, "\(series): a chunk moved by \(shift) ns")
            }
        }
        let statistics = try await agent.outboxStatistics()
        let taken = agent.sourceCounters.values.reduce(0) { $0 + $1.goodSamples + $1.badSamples }
        #expect(statistics.pendingReadings + statistics.unsentReadings == 0, "everything acknowledged")
        #expect(storedTotal == taken, "every reading polled is stored once")
    }

    /// What differs between the stored and the sent readings of `series`, and the stored chunks
    /// with their clock shifts, for a failure to say what happened.
    func differences(stored: [Sample], sent: [Sample], series: String, hub: HubProcess) async throws -> String {
        let storedTimes = Set(stored.map(\.timestamp))
        let sentTimes = Set(sent.map(\.timestamp))
        let chunks = try await hub.store().chunks(
            of: SeriesKey(gateway: "gw-e2e", name: series), overlapping: 0...Int64.max)
        return """
            only stored \(stored.filter { !sentTimes.contains($0.timestamp) }), \
            only sent \(sent.filter { !storedTimes.contains($0.timestamp) }), \
            timestamps stored twice \(stored.count - storedTimes.count), sent twice \(sent.count - sentTimes.count); \
            chunks (start, end, shift): \(chunks.map { "(\($0.start), \($0.end), \($0.shift))" }.joined(separator: " "))
            """
    }

    /// An observer of the batch topic that never acknowledges: it records what the agent sent.
    func observer(_ broker: Broker) throws -> AcknowledgingPeer {
        let peer = try AcknowledgingPeer(port: broker.port, verifier: AcceptAnySignature())
        peer.state.withLock { $0.acksToDrop = .max }
        Task { await peer.run() }
        return peer
    }

    /// A broker, the simulator, a gateway's configuration, the hub serving with the gateway
    /// enrolled, and a subscribed observer.
    func startAll() async throws -> (Broker, ChildProcess, Gateway, HubProcess, AcknowledgingPeer) {
        let broker = try Broker()
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02"])
        let gateway = try gateway(broker: broker, simulator: url)
        let hub = try HubProcess(brokerPort: broker.port)
        try hub.enrol("gw-e2e", publicKey: gateway.identity.publicKeyPEM)
        try hub.start()
        let watcher = try observer(broker)
        // The observer must hold its subscription before the agent's first batch, or it misses it and
        // the store looks as if it held readings nobody sent (seen on a loaded machine after 10 s).
        guard await eventually(timeout: .seconds(60), { watcher.state.withLock { $0.subscribed } }) else {
            throw HubTestFailure("the observer could not subscribe to the broker within 60 s")
        }
        return (broker, sim, gateway, hub, watcher)
    }

    @Test("Every reading polled is stored once, exactly; replays over HTTP and bad frames over MQTT change nothing")
    func everyReadingOnce() async throws {
        let (broker, sim, gateway, hub, watcher) = try await startAll()
        defer {
            watcher.stop()
            sim.terminate()
        }
        let agent = try await runAgent(gateway) {
            await ((try? self.stored(hub, "room.temperature").count) ?? 0) >= 30
        }
        try await expectStoredExactly(watcher, in: hub, agent: agent)
        let before = try await stored(hub, "room.temperature")

        // A replayed frame over HTTP: acknowledged as a duplicate, nothing changes.
        let signer = try GatewayFrameSigner(privateKeyPEM: gateway.identity.privateKeyPEM)
        let replay = BatchFrame(
            gatewayID: "gw-e2e", sequence: 1, bootID: .zero, clockState: .synchronised, createdAt: 1,
            createdMonotonic: 1,
            series: [SeriesDescriptor(id: 0, name: "room.temperature")],
            chunks: [
                FrameChunk(
                    seriesID: 0,
                    chunk: try Chunk(
                        encoding: SampleColumns([Sample(timestamp: 5, value: 1)]), resolution: nil,
                        clockSynchronised: true))
            ])
        let file = hub.folder.write(try replay.encoded(signer: signer), to: "replay.frame")
        let answer = try hub.http("/api/v1/ingest", post: file)
        #expect(answer.contains("\"duplicate\":true") && answer.contains("\"sequences\":[1]"), "\(answer)")
        // A new frame in its JSON rendering, as a client without the binary codec sends it: stored.
        let manual = BatchFrame(
            gatewayID: "gw-e2e", sequence: 1_000_000, bootID: .zero, clockState: .synchronised, createdAt: 1,
            createdMonotonic: 1, series: [SeriesDescriptor(id: 0, name: "manual.reading", unit: "m")],
            chunks: [
                FrameChunk(
                    seriesID: 0,
                    chunk: try Chunk(
                        encoding: SampleColumns([Sample(timestamp: 7_000, value: 2.5)]), resolution: nil,
                        clockSynchronised: true))
            ])
        let signed = try FrameDecoder().decode(try manual.encoded(signer: signer), verifier: AcceptAnySignature())
        let jsonFile = hub.folder.write(try FrameJSON.render(signed), to: "manual.json")
        let jsonAnswer = try hub.http("/api/v1/ingest", post: jsonFile, contentType: "application/json")
        #expect(
            jsonAnswer.contains("\"duplicate\":false") && jsonAnswer.contains("\"sequences\":[1000000]"),
            "\(jsonAnswer)")
        #expect(try await stored(hub, "manual.reading") == [Sample(timestamp: 7_000, value: 2.5)])
        // Garbage and a frame on another gateway's topic, straight onto the broker.
        let intruder = try MQTTClient(
            .init(host: "127.0.0.1", port: broker.port, clientID: "intruder", cleanSession: true))
        try intruder.connect(host: "127.0.0.1", port: broker.port, keepalive: 5)
        #expect(await firstElement(of: intruder.events) { $0 == .connected } == .connected)
        try intruder.publish(.init(topic: "outpost/v1/gw-e2e/batch", payload: Array("not a frame".utf8), qos: 1))
        try intruder.publish(
            .init(topic: "outpost/v1/gw-other/batch", payload: try replay.encoded(signer: signer), qos: 1))
        try intruder.publish(.init(topic: "outpost/v1/gw-e2e/status", payload: Array("{\"state\":".utf8), qos: 1))
        try intruder.publish(.init(topic: "outpost/v1/gw-e2e/live", payload: [0xFF, 0x00, 0x7B], qos: 0))
        let refusals = await eventually(timeout: .seconds(20)) {
            let body = (try? hub.http("/api/v1/refusals")) ?? ""
            return body.contains("bad_magic") && body.contains("topic_mismatch") && body.contains("bad_status")
                && body.contains("bad_live")
        }
        #expect(refusals, "the hub lists the refused frames for operators")
        intruder.shutdown()
        #expect(try await stored(hub, "room.temperature") == before, "nothing stored from replays or bad frames")
        #expect(try hub.http("/health").contains("ok"))
        let fleet = try hub.http("/api/v1/gateways")
        #expect(fleet.contains("\"id\":\"gw-e2e\""), "\(fleet)")
        let latest = try hub.http("/api/v1/gateways/gw-e2e/latest")
        #expect(latest.contains("room.temperature"), "\(latest)")
        let series =
            try hub.call("GET", "/api/v1/gateways/gw-e2e/series", bearer: hub.token).json["series"] as? [[String: Any]]
        let room = series?.first { $0["name"] as? String == "room.temperature" }
        #expect(
            (room?["latest"] as? [String: Any])?["value"] != nil,
            "series carry their latest value: \(String(describing: series))")
        // The agent's status reports (online, backlog) are kept as the gateway's health over time.
        let health = try hub.call("GET", "/api/v1/gateways/gw-e2e/health?from=now-1h", bearer: hub.token).json
        let points = health["points"] as? [[Any]] ?? []
        #expect(!points.isEmpty && points.allSatisfy { $0.count == 3 }, "\(health)")
    }

    @Test("The hub killed with SIGKILL mid-ingest and restarted: nothing lost, nothing doubled")
    func hubKilled() async throws {
        let (broker, sim, gateway, hub, watcher) = try await startAll()
        defer {
            watcher.stop()
            sim.terminate()
        }
        let kills = Mutex(0)
        let agent = try await runAgent(gateway) {
            let count = await (try? self.stored(hub, "room.temperature").count) ?? 0
            // Kill it three times while readings flow, each time once more has been stored.
            let killed = kills.withLock { $0 }
            if killed < 3, count >= 10 * (killed + 1) {
                hub.kill()
                kills.withLock { $0 += 1 }
                do { try hub.start() } catch { return false }
            }
            return killed == 3 && count >= 50
        }
        #expect(kills.withLock { $0 } == 3)
        try await expectStoredExactly(watcher, in: hub, agent: agent)
        withExtendedLifetime(broker) {}
    }

    @Test("import then export through the CLI gives back the same readings; a bad CSV names its lines")
    func importExportCLI() async throws {
        let hub = try HubProcess(brokerPort: nil)
        let lines = (0..<500).map {
            "2026-11-20T00:\(String(format: "%02d", $0 / 60)):\(String(format: "%02d", $0 % 60)).5Z,\(Double($0) * 0.5)"
        }
        let csv = hub.folder.write(Array(("timestamp,value\n" + lines.joined(separator: "\n")).utf8), to: "logger.csv")
        let imported = try hub.command([
            "import", "--gateway", "logger-7", "--series", "level", "--resolution", "0.5", csv,
        ])
        #expect(imported.exitStatus == 0, "\(imported)")
        #expect(imported.stdout.contains("imported 500 readings"))
        let exported = try hub.command([
            "export", "--gateway", "logger-7", "--series", "level", "--from", "2026-11-20T00:00:00Z", "--to",
            "2026-11-21T00:00:00Z",
        ])
        #expect(exported.exitStatus == 0, "\(exported)")
        let back = try CSVReadings.parse(Array(exported.stdout.utf8))
        let original = try CSVReadings.parse(readFileBytes(csv))
        #expect(back.count == original.count)
        let differing = zip(back, original).first { !$0.0.isIdentical(to: $0.1) }
        #expect(
            differing == nil,
            "exported \(String(describing: differing?.0)), imported \(String(describing: differing?.1))")
        let json = try hub.command([
            "export", "--gateway", "logger-7", "--series", "level", "--from", "2026-11-20T00:00:00Z", "--format",
            "json",
        ])
        #expect(json.stdout.hasPrefix("{\"gateway\":\"logger-7\""), "\(json.stdout)")
        let bad = hub.folder.write(Array("t,v\n2026-11-20T00:00:00Z,1\n2026-11-20T00:00:01Z,one\n".utf8), to: "bad.csv")
        let refused = try hub.command(["import", "--gateway", "logger-7", "--series", "other", bad])
        #expect(refused.exitStatus != 0)
        #expect(refused.stderr.contains("bad.csv: line 3: 'one' is not a number"), "\(refused.stderr)")
        #expect(
            try await hub.store().series(gateway: "logger-7").map(\.key.name) == ["level"],
            "nothing of the bad file stored")
    }
}
