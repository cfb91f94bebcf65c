import Logging
import OutpostAgent
import OutpostTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's storage failing under it: a data folder mounted read-only, a disk that fills.
extension DeliveryTests {
    @Test(
        "A data folder on a read-only file system: the agent refuses to start, names the folder and why, and moves nothing",
        .enabled(if: Mount.isPermitted, "needs permission to mount (root with CAP_SYS_ADMIN)"))
    func readOnlyDataFolder() throws {
        let broker = try Broker()
        broker.stop()
        let setup = try setup(broker: broker, simulator: "tcp://127.0.0.1:1")
        let data = setup.folder.path + "/data"
        // A first start creates the outbox; then the folder becomes read-only.
        _ = try Agent(configuration: setup.configuration, version: "test", logger: Logger(label: "agent"))
        let before = directoryEntries(data).map(\.name).sorted()
        let mount = try Mount.readOnly(at: data)
        defer { mount.unmount() }
        do {
            _ = try Agent(configuration: setup.configuration, version: "test", logger: Logger(label: "agent"))
            Issue.record("the agent started on a read-only data folder")
        } catch let error as OutboxStorageError {
            #expect(error.description.contains(data) && error.description.contains("Read-only file system"), "\(error)")
        }
        #expect(directoryEntries(data).map(\.name).sorted() == before, "nothing moved aside or created")
        #expect(before.contains("outbox.db"))
    }

    @Test(
        "A disk that fills while the agent runs: readings wait in memory, are committed once there is room, none twice",
        .enabled(if: Mount.isPermitted, "needs permission to mount (root with CAP_SYS_ADMIN)"))
    func diskFills() async throws {
        let broker = try Broker()
        broker.stop()
        let (sim, url) = try Peers.simulator(["--profile", "eastron-sdm630"])
        defer { sim.terminate() }
        let setup = try setup(broker: broker, simulator: url, profile: "eastron-sdm630")
        let data = setup.folder.path + "/data"
        mkdir(data, 0o755)
        let disk = try Mount.tmpfs(at: data, bytes: 512 * 1024)
        defer { disk.unmount() }
        let filler = data + "/filler"
        let phase = Mutex(0)
        let (agent, done) = try await runAgent(
            setup,
            until: { agent in
                guard let statistics = try? await agent.outboxStatistics() else { return false }
                switch phase.withLock({ $0 }) {
                case 0 where statistics.pendingReadings + statistics.unsentReadings > 100:
                    fill(filler)
                    phase.withLock { $0 = 1 }
                case 1 where agent.readingsWaitingInMemory > 300:
                    unlink(filler)
                    phase.withLock { $0 = 2 }
                case 2:
                    return agent.readingsWaitingInMemory < 200
                default:
                    break
                }
                return false
            }, timeout: .seconds(90))
        #expect(done, "phase \(phase.withLock { $0 }), waiting in memory \(agent.readingsWaitingInMemory)")
        // After the graceful stop every reading taken is in the outbox, once.
        let statistics = try await agent.outboxStatistics()
        let taken = agent.sourceCounters.values.reduce(0) { $0 + $1.goodSamples + $1.badSamples }
        #expect(
            statistics.pendingReadings + statistics.unsentReadings == taken,
            "outbox \(statistics.pendingReadings) + \(statistics.unsentReadings), taken \(taken)")
        #expect(agent.readingsLostInMemory == 0)
        #expect(agent.readingsWaitingInMemory == 0)
        let report = try OutboxVerification.check(path: data + "/outbox.db")
        #expect(report.isHealthy, "\(report)")
    }
}

/// Writes to `path` until the file system is full.
private func fill(_ path: String) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else { return }
    defer { close(descriptor) }
    let block = [UInt8](repeating: 0xA5, count: 4096)
    while block.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
}
