import Logging
import OutpostAgent
import OutpostDevices
import OutpostModbus
import OutpostSystem
import OutpostTestSupport
import OutpostWire
import Testing

@Suite("Modbus devices as scheduled sources", .serialized)
struct ModbusSourceTests {
    func xyMD02() throws -> DeviceProfile {
        try ProfileLibrary(folders: [packageRoot() + "/hardware"]).profile(named: "xy-md02")
    }

    @Test("Polls land on wall-clock ticks, one sample per point named DEVICE.POINT")
    func ticks() async throws {
        let profile = try xyMD02()
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02"])
        defer { sim.terminate() }
        let poller = ModbusPoller(
            bus: try ModbusBus(endpoint: try ModbusEndpoint(parsing: url)), points: profile.points,
            settings: .init(unit: 1), forbidden: profile.forbidden)
        let source = ModbusSource(
            device: "room-3", poller: poller, interval: .milliseconds(100), logger: Logger(label: "t"))
        let collector = SampleCollector()
        let task = Task { await source.run(into: collector.sink) }
        let polled = await collector.wait { $0.count >= 3 * profile.points.count }
        task.cancel()
        await task.value
        #expect(polled)
        let samples = collector.all
        #expect(Set(samples.map(\.series)) == Set(profile.points.map { "room-3.\($0.name)" }))
        #expect(samples.allSatisfy { $0.sample.timestamp % 100_000_000 == 0 && $0.sample.quality == .good })
        #expect(source.counters.snapshot.goodSamples == samples.count)
    }

    @Test("A device slower than the interval: ticks are skipped and counted, never run late")
    func overrun() async throws {
        let folder = try TemporaryFolder()
        let scenario = folder.write(Array("[[fault]]\nkind = \"slow\"\ndelay = \"250ms\"\n".utf8), to: "slow.toml")
        let profile = try xyMD02()
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02", "--scenario", scenario])
        defer { sim.terminate() }
        let poller = ModbusPoller(
            bus: try ModbusBus(endpoint: try ModbusEndpoint(parsing: url)), points: profile.points,
            settings: .init(unit: 1, timeout: .seconds(2)), forbidden: profile.forbidden)
        let source = ModbusSource(
            device: "slow", poller: poller, interval: .milliseconds(100), logger: Logger(label: "t"))
        let collector = SampleCollector()
        let task = Task { await source.run(into: collector.sink) }
        let overran = await collector.wait { _ in source.counters.snapshot.overruns >= 2 }
        task.cancel()
        await task.value
        #expect(overran)
        let stamps = Set(collector.all.map(\.sample.timestamp)).sorted()
        #expect(zip(stamps, stamps.dropFirst()).allSatisfy { $1 - $0 >= 200_000_000 }, "\(stamps)")
    }

    @Test("A slow answer past the timeout is a bad sample with the timeout code; in time it is good")
    func slowAnswers() async throws {
        let folder = try TemporaryFolder()
        let scenario = folder.write(
            Array("[[fault]]\nkind = \"slow\"\nat = \"0s\"\nduration = \"1s\"\ndelay = \"400ms\"\n".utf8),
            to: "slow.toml")
        let profile = try xyMD02()
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02", "--scenario", scenario])
        defer { sim.terminate() }
        let poller = ModbusPoller(
            bus: try ModbusBus(endpoint: try ModbusEndpoint(parsing: url)), points: profile.points,
            settings: .init(
                unit: 1, timeout: .milliseconds(150), retries: 0,
                backoff: Backoff(initial: .milliseconds(10), maximum: .milliseconds(20))),
            forbidden: profile.forbidden)
        let first = await poller.poll()
        #expect(first.readings.allSatisfy { $0.quality == SourceQuality.timeout }, "\(first.readings)")
        var recovered = false
        let deadline = ContinuousClock.now + .seconds(20)
        while !recovered, ContinuousClock.now < deadline {
            recovered = await poller.poll().readings.allSatisfy { $0.quality == .good }
        }
        #expect(recovered)
    }
}
