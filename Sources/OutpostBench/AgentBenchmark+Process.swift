import OutpostAgent
import OutpostProvisioning
import OutpostSigning
import OutpostSystem

#if canImport(Glibc)
    import Glibc
#endif

extension AgentBenchmark {
    /// Runs `outpost-agent run` polling 100 points at 1 Hz from three simulators (five SDM630s,
    /// an iEM3155 and an ATV320) into the broker on `port`, and measures it from outside over
    /// `agentDuration` after a warm-up of 5 s and the first commit.
    package func measureProcess(
        port: Int, simulators: [String: String], commitInterval: String, batchAge: String = "10s"
    ) async throws -> ProcessFigures {
        let directory = folder + "/agent-\(commitInterval)-\(batchAge)"
        mkdir(directory, 0o755)
        let identity = try GatewayIdentity.generate(gatewayID: "bench-agent")
        let keyPath = directory + "/signing.key"
        try write(identity.privateKeyPEM, to: keyPath)
        let config = Self.hundredPointConfiguration(
            gateway: "bench-agent", dataDirectory: directory + "/data", brokerPort: port, signingKey: keyPath,
            simulators: simulators,
            extra: """
                batch_max_age = "\(batchAge)"

                [buffer]
                commit_interval = "\(commitInterval)"
                """)
        try write(config, to: directory + "/agent.toml")
        let peer = try AcknowledgingPeer(
            port: port, verifier: try GatewayKeyVerifier(gateway: "bench-agent", publicKeyPEM: identity.publicKeyPEM),
            keepsReadings: false)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await peer.run() }
            let agent = try SpawnedProcess.agent(configuration: directory + "/agent.toml")
            // Readings taken = delivered + what waits in the outbox (read from outside, read-only).
            let outboxPath = directory + "/data/outbox.db"
            // The warm-up ends after the first commit, which registers the series in the database
            // (once in an outbox's life): the figures are those of a gateway running for years.
            try await Task.sleep(for: .seconds(5))
            let warm = ContinuousClock.now + .seconds(60)
            while peer.state.withLock({ $0.readingCount }) + ((try? Self.backlog(outboxPath)) ?? 0) == 0,
                ContinuousClock.now < warm
            {
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .seconds(1))
            let cpuStart = ProcessProbe.cpuTicks(agent.pid)
            let writtenStart = Int(StorageWrites.bytesWritten(by: agent.pid))
            let takenStart = peer.state.withLock { $0.readingCount } + (try Self.backlog(outboxPath))
            let start = ContinuousClock.now
            var maxRSS = ProcessProbe.residentKilobytes(agent.pid)
            while ContinuousClock.now - start < agentDuration {
                try await Task.sleep(for: .seconds(1))
                maxRSS = max(maxRSS, ProcessProbe.residentKilobytes(agent.pid))
            }
            let elapsed = (ContinuousClock.now - start).seconds
            let cpu = Double(ProcessProbe.cpuTicks(agent.pid) - cpuStart) / Double(sysconf(Int32(_SC_CLK_TCK)))
            let written = Int(StorageWrites.bytesWritten(by: agent.pid)) - writtenStart
            let delivered = peer.state.withLock { $0.readingCount } + (try Self.backlog(outboxPath)) - takenStart
            agent.stop()
            group.cancelAll()
            peer.stop()
            return ProcessFigures(
                commitInterval: commitInterval, seconds: elapsed, readings: delivered,
                cpuPercentOfOneCore: cpu / elapsed * 100, maxRSSMegabytes: Double(maxRSS) / 1024,
                storageBytesPerReading: delivered > 0 ? Double(written) / Double(delivered) : .nan)
        }
    }

    /// Starts the simulators the 100-point configuration polls: profile → URL, and the processes.
    package static func startSimulators() throws -> ([String: String], [SpawnedProcess]) {
        var simulators: [String: String] = [:]
        var running: [SpawnedProcess] = []
        for profile in ["eastron-sdm630", "schneider-iem3155", "schneider-atv320"] {
            let sim = try SpawnedProcess(
                executable: SpawnedProcess.beside("outpost-sim"),
                arguments: ["modbus", "--listen", "127.0.0.1:0", "--profile", profile], ready: "listening ")
            simulators[profile] = String(sim.readyLine.dropFirst("listening ".count))
            running.append(sim)
        }
        return (simulators, running)
    }

    /// An agent configuration polling 100 points at 1 Hz: five SDM630 meters, an iEM3155 and an
    /// ATV320, served by the simulators at `simulators` (profile → URL). `extra` ends the
    /// `[uplink]` section and may add sections.
    static func hundredPointConfiguration(
        gateway: String, dataDirectory: String, brokerPort: Int, signingKey: String, simulators: [String: String],
        extra: String, scheme: String = "mqtt"
    ) -> String {
        func device(_ name: String, _ profile: String) -> String {
            """

            [[modbus]]
            name = "\(name)"
            url = "\(simulators[profile] ?? "tcp://127.0.0.1:1")"
            profile = "\(profile)"
            interval = "1s"

            """
        }
        var devices = ""
        for index in 1...5 { devices += device("meter\(index)", "eastron-sdm630") }
        devices += device("incomer", "schneider-iem3155")
        devices += device("pump", "schneider-atv320")
        return """
            [gateway]
            id = "\(gateway)"
            data_dir = "\(dataDirectory)"

            [uplink]
            broker = "\(scheme)://127.0.0.1:\(brokerPort)"
            signing_key = "\(signingKey)"
            \(extra)
            \(devices)
            """
    }

    private func write(_ text: String, to path: String) throws {
        try FileIO.write(Array(text.utf8), to: path, mode: 0o600)
    }

    static func backlog(_ path: String) throws -> Int {
        let statistics = try OutboxVerification.statistics(path: path)
        return statistics.pendingReadings + statistics.unsentReadings
    }
}
