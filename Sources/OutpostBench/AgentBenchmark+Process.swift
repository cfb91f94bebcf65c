import OutpostAgent
import OutpostCLI
import OutpostProvisioning
import OutpostSigning

#if canImport(Glibc)
    import Glibc
#endif

extension AgentBenchmark {
    /// Runs `outpost-agent run` polling 100 points at 1 Hz from three simulators (five SDM630s,
    /// an iEM3155 and an ATV320) into the broker on `port`, and measures it from outside over
    /// `agentDuration` after a 5 s warm-up.
    public func measureProcess(
        port: Int, simulators: [String: String], commitInterval: String, batchAge: String = "10s"
    ) async throws -> ProcessFigures {
        let directory = folder + "/agent-\(commitInterval)-\(batchAge)"
        mkdir(directory, 0o755)
        let identity = try GatewayIdentity.generate(gatewayID: "bench-agent")
        let keyPath = directory + "/signing.key"
        try write(identity.privateKeyPEM, to: keyPath)
        var devices = ""
        for index in 1...5 { devices += device("meter\(index)", simulators["eastron-sdm630"], "eastron-sdm630") }
        devices += device("incomer", simulators["schneider-iem3155"], "schneider-iem3155")
        devices += device("pump", simulators["schneider-atv320"], "schneider-atv320")
        let config = """
            [gateway]
            id = "bench-agent"
            data_dir = "\(directory)/data"

            [uplink]
            broker = "mqtt://127.0.0.1:\(port)"
            signing_key = "\(keyPath)"
            batch_max_age = "\(batchAge)"

            [buffer]
            commit_interval = "\(commitInterval)"
            \(devices)
            """
        try write(config, to: directory + "/agent.toml")
        let peer = try AcknowledgingPeer(
            port: port, verifier: try GatewayKeyVerifier(gateway: "bench-agent", publicKeyPEM: identity.publicKeyPEM),
            keepsReadings: false)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await peer.run() }
            let agent = try SpawnedProcess(
                executable: SpawnedProcess.beside("outpost-agent"),
                arguments: ["run", "--config", directory + "/agent.toml"], ready: "agent running", readyOnStderr: true)
            try await Task.sleep(for: .seconds(5))
            let cpuStart = ProcessProbe.cpuTicks(agent.pid)
            let writtenStart = Int(StorageWrites.bytesWritten(by: agent.pid))
            // Readings taken = delivered + what waits in the outbox (read from outside, read-only).
            let outboxPath = directory + "/data/outbox.db"
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

    private func device(_ name: String, _ url: String?, _ profile: String) -> String {
        """

        [[modbus]]
        name = "\(name)"
        url = "\(url ?? "tcp://127.0.0.1:1")"
        profile = "\(profile)"
        interval = "1s"

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
