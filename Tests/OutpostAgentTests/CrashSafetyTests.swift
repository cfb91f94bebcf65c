import OutpostAgent
import OutpostProvisioning
import OutpostTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `outpost-agent run` binary, killed and stopped.
@Suite("The agent process: SIGKILL and SIGTERM", .serialized)
struct CrashSafetyTests {
    /// A configuration polling outpost-sim fast, committing every 50 ms, with a broker `broker`.
    func configuration(in folder: TemporaryFolder, simulator url: String, broker: String) throws -> String {
        let identity = try GatewayIdentity.generate(gatewayID: "gw-kill")
        let key = folder.write(Array(identity.privateKeyPEM.utf8), to: "signing.key")
        let text = """
            [gateway]
            id = "gw-kill"
            data_dir = "\(folder.path)/data"

            [uplink]
            broker = "\(broker)"
            signing_key = "\(key)"
            batch_max_readings = 50
            batch_max_age = "200ms"

            [buffer]
            commit_interval = "50ms"

            [[modbus]]
            name = "meter"
            url = "\(url)"
            profile = "eastron-sdm630"
            interval = "50ms"
            timeout = "40ms"
            """
        return folder.write(Array(text.utf8), to: "agent.toml")
    }

    struct OutboxState: Equatable {
        var nextSequence: UInt64
        var readings: Int
        var batches: [UInt64: Int]
    }

    func inspect(_ config: String) throws -> OutboxState? {
        let verify = try ChildProcess.run(Binaries.path("outpost-agent"), ["verify", "--config", config])
        guard verify.exitStatus == 0 else {
            Issue.record("verify failed: \(verify)")
            return nil
        }
        let path = String(config.dropLast("agent.toml".count)) + "data/outbox.db"
        let report = try OutboxVerification.check(path: path)
        let statistics = try #require(report.statistics)
        return OutboxState(
            nextSequence: statistics.nextSequence, readings: statistics.pendingReadings + statistics.unsentReadings,
            batches: report.batchReadings)
    }

    @Test("Killed with SIGKILL a hundred times while writing: intact, no sequence reused, nothing committed lost")
    func killedAHundredTimes() throws {
        let folder = try TemporaryFolder()
        let (sim, url) = try Peers.simulator(["--profile", "eastron-sdm630"])
        defer { sim.terminate() }
        // No broker listens there: everything stays in the outbox, so nothing may ever shrink.
        let config = try configuration(in: folder, simulator: url, broker: "mqtt://127.0.0.1:\(try Broker.freePort())")
        var previous: OutboxState?
        var random = SplitMix(seed: 42)
        for round in 0..<100 {
            let agent = try ChildProcess(
                Binaries.path("outpost-agent"), ["run", "--config", config, "--log-level", "error"],
                environment: ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"])
            // Let it run until it has committed something new, then a random moment more.
            let baseline = previous?.readings ?? 0
            let committed = eventuallyBlocking {
                guard let statistics = try? OutboxVerification.statistics(path: folder.path + "/data/outbox.db")
                else { return false }
                return statistics.pendingReadings + statistics.unsentReadings > baseline
            }
            if !committed {
                agent.send(SIGKILL)
                let outcome = try agent.wait(timeout: .seconds(10))
                Issue.record("round \(round): the agent committed nothing new: \(outcome.stderr.suffix(2000))")
                return
            }
            // The behaviour under test: a kill at a random moment, 0-2 ms after its last commit.
            usleep(UInt32(random.next() * 2_000))
            agent.send(SIGKILL)
            _ = try agent.wait(timeout: .seconds(10))
            guard let state = try inspect(config) else { return }
            if let previous {
                #expect(state.nextSequence >= previous.nextSequence, "round \(round): sequence went back")
                #expect(state.readings >= previous.readings, "round \(round): committed readings lost")
                for (sequence, readings) in previous.batches {
                    #expect(
                        state.batches[sequence] == readings, "round \(round): batch \(sequence) changed or vanished")
                }
                let reused = state.batches.keys.filter { $0 < previous.nextSequence && previous.batches[$0] == nil }
                #expect(reused.isEmpty, "round \(round): sequence numbers reused: \(reused)")
            }
            previous = state
        }
        #expect((previous?.readings ?? 0) > 100)
    }

    @Test("SIGTERM: exits 0 quickly, every reading sealed; systemd hears READY, WATCHDOG, STATUS, STOPPING")
    func sigterm() throws {
        let folder = try TemporaryFolder()
        let (sim, url) = try Peers.simulator(["--profile", "eastron-sdm630"])
        defer { sim.terminate() }
        let config = try configuration(in: folder, simulator: url, broker: "mqtt://127.0.0.1:\(try Broker.freePort())")
        let notify = try NotifySocket(in: folder)
        let agent = try ChildProcess(
            Binaries.path("outpost-agent"), ["run", "--config", config],
            environment: [
                "OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware", "NOTIFY_SOCKET": notify.path,
                "WATCHDOG_USEC": "400000",
            ])
        _ = try agent.waitForStderrLine(containing: "agent running")
        #expect(notify.wait(for: "READY=1") != nil)
        #expect(notify.wait(for: "WATCHDOG=1") != nil)
        #expect(notify.wait(for: "STATUS=backlog") != nil)
        let sealed = eventuallyBlocking {
            (try? OutboxVerification.statistics(path: folder.path + "/data/outbox.db"))?.unsentBatches ?? 0 >= 3
        }
        #expect(sealed)
        let stopped = ContinuousClock.now
        agent.send(SIGTERM)
        let outcome = try agent.wait(timeout: .seconds(20))
        #expect(outcome.exitStatus == 0, "\(outcome)")
        #expect(ContinuousClock.now - stopped < .seconds(5))
        #expect(outcome.stderr.contains("agent stopped"))
        let report = try OutboxVerification.check(path: folder.path + "/data/outbox.db")
        #expect(report.isHealthy)
        #expect(report.statistics?.pendingReadings == 0, "the last readings were sealed")
        #expect((report.statistics?.unsentReadings ?? 0) > 0)
        #expect(notify.wait(for: "STOPPING=1") != nil)
        // The status the agent left behind, as the technician reads it.
        let status = try ChildProcess.run(Binaries.path("outpost-agent"), ["status", "--config", config])
        #expect(status.exitStatus == 0, "\(status)")
        #expect(status.stdout.contains("gateway gw-kill"))
        #expect(status.stdout.contains("uplink: not connected"))
        #expect(status.stdout.contains("source modbus.meter:"))
        #expect(status.stdout.contains("lost to the quota: 0 readings dropped"))
    }

    @Test("check: a good configuration is summarised; a broken one lists every problem and exits 1")
    func check() throws {
        let folder = try TemporaryFolder()
        let config = try configuration(in: folder, simulator: "tcp://127.0.0.1:1502", broker: "mqtt://127.0.0.1:1883")
        let good = try ChildProcess.run(Binaries.path("outpost-agent"), ["check", "--config", config])
        #expect(good.exitStatus == 0, "\(good)")
        #expect(good.stdout.contains("configuration ok: gateway gw-kill"))
        #expect(good.stdout.contains("modbus meter: tcp://127.0.0.1:1502 unit 1, 16 points every 50ms"))
        let text = String(decoding: readFileBytes(config), as: UTF8.self)
            .replacingOccurrences("interval = \"50ms\"", "interval = \"5 sec\"")
            .replacingOccurrences("batch_max_readings = 50", "batch_max_readings = 0")
        let broken = folder.write(Array(text.utf8), to: "broken.toml")
        let refused = try ChildProcess.run(Binaries.path("outpost-agent"), ["check", "--config", broken])
        #expect(refused.exitStatus == 1)
        #expect(refused.stderr.contains("broken.toml: line 8, uplink.batch_max_readings: 0 is outside 1-1000000"))
        #expect(refused.stderr.contains("broken.toml: line 12, buffer.commit_interval: '5 sec' is not a duration"))
        #expect(
            refused.stderr.contains(
                "broken.toml: line 18, modbus[0].interval: '5 sec' is not a duration; use e.g. \"5s\""))
        #expect(refused.stderr.contains("3 problems to fix, each named above"))
    }
}
