import OutpostDatasets
import OutpostHub
import OutpostMQTT
import OutpostProvisioning
import OutpostSigning
import OutpostSystem
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// `outpost-bench ingest`: a fleet's frames through a real Mosquitto into `outpost-hub serve`.
///
/// Every simulated gateway is enrolled with its own key and sends signed frames of 20 series ×
/// 60 one-second readings (a minute of data), published QoS 1 by a few MQTT clients as fast as
/// the broker takes them. The clock runs from the first publish to the last acknowledgement,
/// which the hub sends only after the frame's transaction is on disk.
package struct IngestBenchmark {
    /// What was measured.
    package struct Figures: Codable, Sendable {
        /// The store: `sqlite` or `postgres`.
        package var store: String
        /// Hub replicas sharing the batches.
        package var replicas: Int
        /// Gateways simulated.
        package var gateways: Int
        /// Frames sent (and acknowledged).
        package var frames: Int
        /// Readings sent.
        package var readings: Int
        /// First publish to last acknowledgement.
        package var seconds: Double
        /// Readings committed per second.
        package var readingsPerSecond: Double
        /// The hubs' CPU over that time, % of one core (all replicas together).
        package var hubCPUPercent: Double
        /// The database server's CPU over that time, % of one core (0 for SQLite, inside the hub).
        package var databaseCPUPercent: Double
        /// The largest resident set of a hub.
        package var hubMaxRSSMegabytes: Double
        /// Store bytes per reading as ingested (chunks as they arrived, rollups, dedupe records).
        package var bytesPerReadingIngested: Double
        /// The same after compaction merged the chunks.
        package var bytesPerReadingCompacted: Double
    }

    let folder: String
    let gateways: Int
    let framesPerGateway: Int
    let seriesPerGateway = 20
    let readingsPerChunk = 60
    let publishers = 4
    let store: BenchStore.Kind
    let replicas: Int

    /// Creates the benchmark, working in `folder`, with `replicas` hubs on `store` (several need
    /// PostgreSQL).
    package init(
        folder: String, gateways: Int = 1000, framesPerGateway: Int = 10, store: BenchStore.Kind = .sqlite,
        replicas: Int = 1
    ) {
        self.folder = folder
        self.gateways = gateways
        self.framesPerGateway = framesPerGateway
        self.store = store
        self.replicas = max(1, replicas)
    }

    /// Runs it against the hub binary beside this program.
    package func run() async throws -> Figures {
        guard replicas == 1 || store == .postgres else {
            throw SpawnedProcess.Failure(description: "several replicas need --store postgres")
        }
        let backing = try BenchStore(store, folder: folder)
        let (broker, port) = try BenchBroker.start(in: folder)
        defer { broker.stop() }
        let frames = try await makeFrames(enrollingIn: try backing.open(dataDirectory: folder + "/hub-0"))
        var hubs: [SpawnedProcess] = []
        defer { hubs.forEach { $0.stop() } }
        for replica in 0..<replicas {
            let config = folder + "/hub-\(replica).toml"
            try BenchHub.writeConfiguration(
                to: config, dataDirectory: folder + "/hub-\(replica)", brokerPort: port,
                clientID: "bench-hub-\(replica)",
                extra: "[maintenance]\ninterval = \"1d\"", store: backing, sharedGroup: replicas > 1 ? "outpost" : nil)
            hubs.append(
                try BenchHub.start(
                    configuration: config, ready: "subscribed to gateway topics", log: folder + "/hub-\(replica).log"))
        }
        // Distinct (gateway, sequence) pairs acknowledged: a frame sent twice in the warm-up counts once.
        let watcher = try AcknowledgementWatcher(port: port, clientID: "bench-acks")
        defer { watcher.stop() }
        let acknowledged = { watcher.count }
        // Warm-up: one frame through, which also proves the ack subscription is live.
        let senders = try (0..<publishers).map { index in
            try MQTTClient(
                .init(
                    host: "127.0.0.1", port: port, clientID: "bench-gw-\(index)", cleanSession: true, maxInflight: 1000)
            )
        }
        defer { senders.forEach { $0.shutdown() } }
        for sender in senders { try sender.connect(host: "127.0.0.1", port: port, keepalive: 30) }
        let warmUpDeadline = ContinuousClock.now + .seconds(60)
        while acknowledged() == 0 {
            try checkRunning(hubs)
            guard ContinuousClock.now < warmUpDeadline else {
                throw SpawnedProcess.Failure(
                    description: "no hub acknowledged a frame within 60 s; their logs: \(folder)/hub-*.log")
            }
            try senders[0].publish(.init(topic: frames[0].topic, payload: frames[0].bytes, qos: 1))
            try await Task.sleep(for: .milliseconds(200))
        }
        let warmed = acknowledged()
        let hubCPU = { hubs.reduce(0) { $0 + ProcessProbe.cpuSeconds($1.pid) } }
        let cpuStart = hubCPU()
        let databaseStart = backing.serverCPUSeconds()
        let start = ContinuousClock.now
        for (index, frame) in frames.enumerated().dropFirst() {
            try senders[index % publishers].publish(.init(topic: frame.topic, payload: frame.bytes, qos: 1))
        }
        let resident = { hubs.map { ProcessProbe.residentKilobytes($0.pid) }.max() ?? 0 }
        var maxRSS = resident()
        let total = frames.count - 1
        let deadline = start + .seconds(600)
        while acknowledged() - warmed < total, ContinuousClock.now < deadline {
            try checkRunning(hubs)
            try await Task.sleep(for: .milliseconds(50))
            maxRSS = max(maxRSS, resident())
        }
        let elapsed = (ContinuousClock.now - start).seconds
        let cpu = hubCPU() - cpuStart
        let databaseCPU = backing.serverCPUSeconds() - databaseStart
        hubs.forEach { $0.stop() }
        let readings = frames.count * seriesPerGateway * readingsPerChunk
        let stored = try await backing.open(dataDirectory: folder + "/hub-0")
        let ingested = try await stored.diskBytes()
        _ = try await stored.compact(settledBefore: .max, targetCount: 4096)
        let compacted = try await stored.diskBytes()
        let timed = (acknowledged() - warmed) * seriesPerGateway * readingsPerChunk
        return Figures(
            store: store.rawValue, replicas: replicas, gateways: gateways, frames: frames.count, readings: readings,
            seconds: elapsed, readingsPerSecond: Double(timed) / elapsed, hubCPUPercent: cpu / elapsed * 100,
            databaseCPUPercent: databaseCPU / elapsed * 100, hubMaxRSSMegabytes: Double(maxRSS) / 1024,
            bytesPerReadingIngested: Double(ingested) / Double(readings),
            bytesPerReadingCompacted: Double(compacted) / Double(readings))
    }

    /// Throws when a hub has ended: nothing it was sent will be acknowledged.
    private func checkRunning(_ hubs: [SpawnedProcess]) throws {
        guard let ended = hubs.firstIndex(where: { !$0.isRunning }) else { return }
        throw SpawnedProcess.Failure(
            description: "hub \(ended) ended during the run; its log: \(folder)/hub-\(ended).log")
    }

    /// Enrols every gateway in the store at `path` and signs its frames: random walks at the
    /// 0.01 resolution of a typical meter, one reading a second, a minute per frame.
    private func makeFrames(enrollingIn store: any HubStore) async throws -> [(topic: String, bytes: [UInt8])] {
        var random = SeededGenerator(seed: 11)
        let resolution = Resolution(parsing: "0.01")
        let minute: Int64 = 60_000_000_000
        let origin = systemWallClock() / minute * minute - Int64(framesPerGateway) * minute
        var perGateway: [[(topic: String, bytes: [UInt8])]] = []
        for gateway in 0..<gateways {
            let id = "bench-\(gateway)"
            let identity = try GatewayIdentity.generate(gatewayID: id)
            let signer = try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM)
            try await BenchHub.enrol(identity, in: store)
            let descriptors = (0..<seriesPerGateway).map {
                SeriesDescriptor(id: UInt32($0), name: "meter.point\($0)", unit: "V", resolution: resolution)
            }
            var levels = (0..<seriesPerGateway).map { _ in Double(Int.random(in: 20_000...25_000, using: &random)) }
            var frames: [(topic: String, bytes: [UInt8])] = []
            for index in 0..<framesPerGateway {
                let start = origin + Int64(index) * minute
                let chunks = try (0..<seriesPerGateway).map { series in
                    let samples = (0..<readingsPerChunk).map { step -> Sample in
                        levels[series] += Double(Int.random(in: -2...2, using: &random))
                        return Sample(timestamp: start + Int64(step) * 1_000_000_000, value: levels[series] / 100)
                    }
                    return FrameChunk(
                        seriesID: UInt32(series),
                        chunk: try Chunk(
                            encoding: SampleColumns(samples), resolution: resolution, clockSynchronised: true))
                }
                let frame = BatchFrame(
                    gatewayID: id, sequence: UInt64(index + 1), bootID: .zero, clockState: .synchronised,
                    createdAt: start + minute, createdMonotonic: 0, series: descriptors, chunks: chunks)
                frames.append((GatewayTopics(gateway: id).batch, try frame.encoded(signer: signer)))
            }
            perGateway.append(frames)
        }
        // Interleaved as a fleet sends: every gateway's first minute, then every second minute…
        return (0..<framesPerGateway).flatMap { index in perGateway.map { $0[index] } }
    }

}
