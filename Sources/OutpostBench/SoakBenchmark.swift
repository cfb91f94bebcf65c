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

/// `outpost-bench soak`: the hub with a fleet of simulated gateways at their normal rate and a
/// real agent polling 100 points at 1 Hz, for minutes or hours, sampled each minute: resident
/// memory, CPU, open descriptors and database size of both. What it must show is no growth that
/// the stored data does not explain.
package struct SoakBenchmark {
    /// One minute's look at both processes.
    package struct Minute: Sendable, Codable {
        package var minute: Int
        package var hubRSSMegabytes: Double
        package var hubCPUPercent: Double
        package var hubDescriptors: Int
        package var hubStoreMegabytes: Double
        package var agentRSSMegabytes: Double
        package var agentCPUPercent: Double
        package var agentDescriptors: Int
        package var outboxKilobytes: Double
        /// Frames the hub acknowledged so far (the fleet's and the agent's).
        package var framesAcknowledged: Int
    }

    /// The run.
    package struct Report: Sendable, Codable {
        package var gateways: Int
        package var readingsPerSecond: Int
        package var minutes: [Minute]
        /// Resident memory at the end against the look at two thirds of the run, percent.
        package var hubRSSGrowthPercent: Double
        package var agentRSSGrowthPercent: Double
        /// Largest minus smallest descriptor count over the last third.
        package var hubDescriptorSpread: Int
        package var agentDescriptorSpread: Int
        /// Store bytes per reading at the end of the run (what the stored data explains).
        package var storeBytesPerReading: Double

        /// Why the run shows a leak; empty when it does not.
        package var failures: [String] {
            var reasons: [String] = []
            if hubRSSGrowthPercent > 5 { reasons.append(String(format: "hub RSS grew %.1f %%", hubRSSGrowthPercent)) }
            if agentRSSGrowthPercent > 5 {
                reasons.append(String(format: "agent RSS grew %.1f %%", agentRSSGrowthPercent))
            }
            if hubDescriptorSpread > 8 { reasons.append("hub descriptors varied by \(hubDescriptorSpread)") }
            if agentDescriptorSpread > 8 { reasons.append("agent descriptors varied by \(agentDescriptorSpread)") }
            return reasons
        }
    }

    let folder: String
    let minutes: Int
    let gateways: Int
    let seriesPerGateway = 10
    let batchSeconds = 10

    /// A soak of `minutes` in `folder` with `gateways` simulated gateways.
    package init(folder: String, minutes: Int, gateways: Int = 1000) {
        self.folder = folder
        self.minutes = max(1, minutes)
        self.gateways = gateways
    }

    /// Runs it, saying each minute's figures through `progress`.
    package func run(progress: @escaping @Sendable (Minute) -> Void) async throws -> Report {
        let (broker, port) = try BenchBroker.start(in: folder)
        defer { broker.stop() }
        let hubFolder = folder + "/hub"
        try FileIO.makeDirectory(hubFolder)
        let storePath = hubFolder + "/hub.db"
        let fleet = try await SimulatedFleet(gateways: gateways, series: seriesPerGateway, enrollingIn: storePath)
        let agentIdentity = try GatewayIdentity.generate(gatewayID: "soak-agent")
        try await BenchHub.enrol(agentIdentity, in: try SQLiteHubStore(path: storePath))
        try BenchHub.writeConfiguration(
            to: folder + "/hub.toml", dataDirectory: hubFolder, brokerPort: port, clientID: "soak-hub")
        let hub = try BenchHub.start(
            configuration: folder + "/hub.toml", ready: "subscribed to gateway topics", log: folder + "/hub.log")
        defer { hub.stop() }
        let (simulators, devices) = try AgentBenchmark.startSimulators()
        defer { devices.forEach { $0.stop() } }
        let agentFolder = folder + "/agent"
        try FileIO.makeDirectory(agentFolder)
        try FileIO.write(Array(agentIdentity.privateKeyPEM.utf8), to: agentFolder + "/signing.key", mode: 0o600)
        let agentConfig = AgentBenchmark.hundredPointConfiguration(
            gateway: "soak-agent", dataDirectory: agentFolder + "/data", brokerPort: port,
            signingKey: agentFolder + "/signing.key", simulators: simulators, extra: "")
        try FileIO.write(Array(agentConfig.utf8), to: agentFolder + "/agent.toml")
        let agent = try SpawnedProcess.agent(
            configuration: agentFolder + "/agent.toml", log: agentFolder + "/agent.log")
        defer { agent.stop() }

        let acknowledged = try AcknowledgementWatcher(port: port, clientID: "soak-acks")
        defer { acknowledged.stop() }
        let every = Duration.seconds(batchSeconds)
        let sending = Task { try await fleet.send(port: port, every: every) }
        defer { sending.cancel() }

        var samples: [Minute] = []
        let start = ContinuousClock.now
        var cpu = (hub: ProcessProbe.cpuSeconds(hub.pid), agent: ProcessProbe.cpuSeconds(agent.pid))
        for minute in 1...minutes {
            try await Task.sleep(until: start + .seconds(60 * minute))
            let now = (hub: ProcessProbe.cpuSeconds(hub.pid), agent: ProcessProbe.cpuSeconds(agent.pid))
            let sample = Minute(
                minute: minute, hubRSSMegabytes: Double(ProcessProbe.residentKilobytes(hub.pid)) / 1024,
                hubCPUPercent: (now.hub - cpu.hub) / 60 * 100, hubDescriptors: ProcessProbe.openDescriptors(hub.pid),
                hubStoreMegabytes: Double(ProcessProbe.databaseBytes(storePath)) / 1e6,
                agentRSSMegabytes: Double(ProcessProbe.residentKilobytes(agent.pid)) / 1024,
                agentCPUPercent: (now.agent - cpu.agent) / 60 * 100,
                agentDescriptors: ProcessProbe.openDescriptors(agent.pid),
                outboxKilobytes: Double(ProcessProbe.databaseBytes(agentFolder + "/data/outbox.db")) / 1e3,
                framesAcknowledged: acknowledged.count)
            cpu = now
            samples.append(sample)
            progress(sample)
        }
        let readingsPerSecond = gateways * seriesPerGateway + 100
        let storedReadings = Double(readingsPerSecond) * Double(60 * minutes)
        return Self.report(
            samples, gateways: gateways, readingsPerSecond: readingsPerSecond,
            storeBytesPerReading: Double(ProcessProbe.databaseBytes(storePath)) / storedReadings)
    }

    /// The verdict over `samples`: growth over the last third of the run. A leak grows with
    /// what passes through, every minute; the hub's memory instead rises in steps while it warms
    /// (SQLite's page caches, the first maintenance run, the first hour's rollups: an hour's soak
    /// showed steps in its first 31 minutes and 0.5 % over its last 29).
    static func report(_ samples: [Minute], gateways: Int, readingsPerSecond: Int, storeBytesPerReading: Double)
        -> Report
    {
        let settled = Array(samples.dropFirst(samples.count * 2 / 3))
        func growth(_ value: (Minute) -> Double) -> Double {
            guard let first = settled.first.map(value), let last = settled.last.map(value), first > 0 else { return 0 }
            return (last - first) / first * 100
        }
        func spread(_ value: (Minute) -> Int) -> Int {
            (settled.map(value).max() ?? 0) - (settled.map(value).min() ?? 0)
        }
        return Report(
            gateways: gateways, readingsPerSecond: readingsPerSecond, minutes: samples,
            hubRSSGrowthPercent: growth(\.hubRSSMegabytes), agentRSSGrowthPercent: growth(\.agentRSSMegabytes),
            hubDescriptorSpread: spread(\.hubDescriptors), agentDescriptorSpread: spread(\.agentDescriptors),
            storeBytesPerReading: storeBytesPerReading)
    }
}

/// Gateways made up in the benchmark: each enrolled with its own key, each sending a signed frame
/// of its series' last `every` of one-second readings, spread evenly over the interval as a
/// fleet's batches are.
final class SimulatedFleet: Sendable {
    private let signers: [GatewayFrameSigner]
    private let series: Int

    init(gateways: Int, series: Int, enrollingIn path: String) async throws {
        let store = try SQLiteHubStore(path: path)
        var signers: [GatewayFrameSigner] = []
        for index in 0..<gateways {
            let identity = try GatewayIdentity.generate(gatewayID: "soak-\(index)")
            try await BenchHub.enrol(identity, in: store)
            signers.append(try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM))
        }
        self.signers = signers
        self.series = series
    }

    /// Sends until cancelled: gateway after gateway, each once per `every`.
    func send(port: Int, every interval: Duration) async throws {
        let client = try MQTTClient(
            .init(host: "127.0.0.1", port: port, clientID: "soak-fleet", cleanSession: true, maxInflight: 1000))
        defer { client.shutdown() }
        try client.connect(host: "127.0.0.1", port: port, keepalive: 30)
        let resolution = Resolution(parsing: "0.01")
        let descriptors = (0..<series).map {
            SeriesDescriptor(id: UInt32($0), name: "meter.point\($0)", unit: "V", resolution: resolution)
        }
        let step = interval / signers.count
        let seconds = Int64(interval.components.seconds)
        var random = SeededGenerator(seed: 5)
        var sequences = [UInt64](repeating: 0, count: signers.count)
        var next = ContinuousClock.now
        while !Task.isCancelled {
            for (index, signer) in signers.enumerated() {
                next += step
                try await Task.sleep(until: next)
                let end = systemWallClock() / 1_000_000_000 * 1_000_000_000
                let chunks = try (0..<series).map { point in
                    let base = 230 + Double(point)
                    let samples = (0..<seconds).map { back in
                        Sample(
                            timestamp: end - (seconds - 1 - back) * 1_000_000_000,
                            value: base + Double(Int.random(in: -50...50, using: &random)) / 100)
                    }
                    return FrameChunk(
                        seriesID: UInt32(point),
                        chunk: try Chunk(
                            encoding: SampleColumns(samples), resolution: resolution, clockSynchronised: true))
                }
                sequences[index] += 1
                let frame = BatchFrame(
                    gatewayID: "soak-\(index)", sequence: sequences[index], bootID: .zero, clockState: .synchronised,
                    createdAt: end, createdMonotonic: 0, series: descriptors, chunks: chunks)
                // A publish refused while the broker is busy is this minute's loss, not the run's end.
                _ = try? client.publish(
                    .init(
                        topic: GatewayTopics(gateway: "soak-\(index)").batch,
                        payload: try frame.encoded(signer: signer), qos: 1))
            }
        }
    }
}
