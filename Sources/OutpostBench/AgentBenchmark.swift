import Logging
import OutpostAgent
import OutpostMQTT
import OutpostSigning
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's figures: readings/s into the outbox, drain rate of a backlog through a real
/// broker to an acknowledging peer, and the running agent's CPU, memory and storage writes.
package struct AgentBenchmark {
    /// What was measured.
    package struct Figures: Codable, Sendable {
        package var outboxReadingsPerSecond: Double
        package var backlogReadings: Int
        package var drainReadingsPerSecond: Double
        package var processes: [ProcessFigures]

        enum CodingKeys: String, CodingKey {
            case processes
            case outboxReadingsPerSecond = "outbox_readings_per_s"
            case backlogReadings = "backlog_readings"
            case drainReadingsPerSecond = "drain_readings_per_s"
        }

        /// Collects the figures.
        package init(
            outboxReadingsPerSecond: Double, backlogReadings: Int, drainReadingsPerSecond: Double,
            processes: [ProcessFigures]
        ) {
            self.outboxReadingsPerSecond = outboxReadingsPerSecond
            self.backlogReadings = backlogReadings
            self.drainReadingsPerSecond = drainReadingsPerSecond
            self.processes = processes
        }
    }

    /// `outpost-agent run` measured from outside.
    package struct ProcessFigures: Codable, Sendable {
        package var commitInterval: String
        package var seconds: Double
        package var readings: Int
        package var cpuPercentOfOneCore: Double
        package var maxRSSMegabytes: Double
        package var storageBytesPerReading: Double

        enum CodingKeys: String, CodingKey {
            case seconds, readings
            case commitInterval = "commit_interval"
            case cpuPercentOfOneCore = "cpu_percent_of_one_core"
            case maxRSSMegabytes = "max_rss_mb"
            case storageBytesPerReading = "storage_bytes_per_reading"
        }
    }

    let folder: String
    let outboxDuration: Duration
    let backlog: Int
    let agentDuration: Duration
    let signer = GatewayFrameSigner.generate()
    let logger = Logger(label: "bench")

    /// Creates the benchmark working in `folder` (created; left for inspection).
    package init(folder: String, outboxDuration: Duration, backlog: Int, agentDuration: Duration) {
        self.folder = folder
        self.outboxDuration = outboxDuration
        self.backlog = backlog
        self.agentDuration = agentDuration
    }

    /// 100 series at 1 Hz, `seconds` of them from `start`.
    static func readings(seconds: Range<Int>, start: Int64) -> [SourceSample] {
        var samples: [SourceSample] = []
        samples.reserveCapacity(seconds.count * 100)
        for second in seconds {
            for series in 0..<100 {
                let value = 20 + Double((second * 7 + series * 13) % 50) / 10
                samples.append(SourceSample("s\(series)", at: start + Int64(second) * 1_000_000_000, value))
            }
        }
        return samples
    }

    static func catalog() -> SeriesCatalog {
        var catalog = SeriesCatalog()
        for series in 0..<100 {
            catalog.describe("s\(series)", unit: "°C", kind: .gauge, resolution: Resolution(parsing: "0.1"))
        }
        return catalog
    }

    static func clock(_ seconds: Int) -> ClockReading {
        ClockReading(
            state: .synchronised, bootID: .zero, monotonic: Int64(seconds) * 1_000_000_000,
            wall: 1_790_000_000_000_000_000 + Int64(seconds) * 1_000_000_000)
    }

    /// Readings/s committed and sealed, in commits of 10 s of 100 series.
    package func outboxRate() async throws -> Double {
        let outbox = try Outbox(
            .init(path: folder + "/ingest.db", gatewayID: "bench", quota: 1 << 40, policy: .dropOldest), signer: signer,
            logger: logger)
        let catalog = Self.catalog()
        let start = ContinuousClock.now
        var second = 0
        var taken = 0
        while ContinuousClock.now - start < outboxDuration {
            let samples = Self.readings(seconds: second..<(second + 10), start: Self.clock(0).wall)
            try await outbox.append(samples, catalog: catalog, clock: Self.clock(second))
            try await outbox.seal(maxReadings: 10_000, maxAge: .seconds(3600), clock: Self.clock(second))
            second += 10
            taken += samples.count
        }
        return Double(taken) / (ContinuousClock.now - start).seconds
    }

    /// Fills an outbox with `backlog` readings, then measures how fast the uplink empties it
    /// through the broker on `port` to an acknowledging peer.
    package func drainRate(port: Int) async throws -> Double {
        let outbox = try Outbox(
            .init(path: folder + "/backlog.db", gatewayID: "bench", quota: 1 << 40, policy: .dropOldest),
            signer: signer,
            logger: logger)
        let catalog = Self.catalog()
        var second = 0
        while second * 100 < backlog {
            let samples = Self.readings(seconds: second..<(second + 100), start: Self.clock(0).wall)
            try await outbox.append(samples, catalog: catalog, clock: Self.clock(second))
            try await outbox.seal(maxReadings: 10_000, maxAge: .seconds(3600), clock: Self.clock(second), force: true)
            second += 100
        }
        let peer = try AcknowledgingPeer(
            port: port, verifier: GatewayKeyVerifier(gateway: "bench", publicKey: signer.publicKey),
            keepsReadings: false)
        let uplink = try Uplink(
            configuration: .init(
                broker: .init(host: "127.0.0.1", port: port, tls: false), signingKeyFile: "", ackTimeout: .seconds(60),
                live: .never),
            gatewayID: "bench", outbox: outbox, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await peer.run() }
            let start = ContinuousClock.now
            group.addTask { await uplink.run(status: { _ in Array("{}".utf8) }) }
            while try await outbox.statistics().unsentBatches > 0 {
                try await Task.sleep(for: .milliseconds(5))
            }
            let elapsed = ContinuousClock.now - start
            group.cancelAll()
            peer.stop()
            return Double(peer.state.withLock { $0.readingCount }) / elapsed.seconds
        }
    }

}
