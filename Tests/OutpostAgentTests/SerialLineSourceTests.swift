import Logging
import OutpostAgent
import OutpostSerial
import OutpostSystem
import OutpostTestSupport
import OutpostWire
import Testing

@Suite(
    "Serial line sources on real ptys", .serialized,
    Requires.installed(SerialPair.isAvailable, "socat"))
struct SerialLineSourceTests {
    let logger = Logger(label: "test")

    func quickReopen() -> Backoff { Backoff(initial: .milliseconds(50), maximum: .milliseconds(200)) }

    @Test("A GPS from outpost-sim: positions arrive, damaged sentences are counted and never read")
    func gpsFromSimulator() async throws {
        let sim = try ChildProcess(
            Binaries.path("outpost-sim"), ["nmea", "--pty", "--period", "0.05", "--corrupt-one-in", "3", "--seed", "5"])
        defer { sim.terminate() }
        let path = String(try sim.waitForLine(startingWith: "listening ").dropFirst("listening ".count))
        let source = try SerialLineSource(
            .init(name: "gps", line: SerialLine(device: path, baud: 4800), format: .nmea), logger: logger)
        let collector = SampleCollector()
        let task = Task { await source.run(into: collector.sink) }
        let arrived = await collector.wait { samples in
            samples.filter { $0.series == "gps.latitude" }.count >= 20 && source.counters.snapshot.rejectedInput >= 2
        }
        task.cancel()
        await task.value
        #expect(arrived, "\(source.counters.snapshot)")
        let latitudes = collector.all.filter { $0.series == "gps.latitude" }
        // The loop is centred on 46.9479 N with a 500 m radius: every reading lies on it.
        #expect(latitudes.allSatisfy { abs($0.sample.value - 46.9479) < 0.005 && $0.sample.quality == .good })
        #expect(Set(latitudes.map(\.sample.value)).count > 1, "the receiver moves")
        #expect(Set(collector.all.map(\.series)).isSuperset(of: ["gps.longitude", "gps.speed", "gps.satellites"]))
        let snapshot = source.counters.snapshot
        #expect(snapshot.badSamples == 0)
        #expect(snapshot.errors.keys.contains { ["bad_checksum", "garbage", "malformed"].contains($0) })
    }

    @Test("key=value lines with garbage and partial lines in between: only whole lines become samples")
    func keyValueWithGarbage() async throws {
        let folder = try TemporaryFolder()
        let pair = try SerialPair(in: folder)
        let source = try SerialLineSource(
            .init(
                name: "ws", line: SerialLine(device: pair.second), format: .keyValue(separator: "="),
                fields: ["T": "weather.temperature", "RH": "weather.humidity"]), logger: logger)
        let collector = SampleCollector()
        let task = Task { await source.run(into: collector.sink) }
        defer { task.cancel() }
        let device = try SerialPort(SerialLine(device: pair.first))
        // The source opens its end asynchronously; bytes written before that are lost, like a
        // device talking before the agent started. Keep writing the first line until one arrives.
        let first = await collector.wait {
            _ = try? device.write(Array("T=1.0 RH=2\r\n".utf8))
            return !$0.isEmpty
        }
        #expect(first)
        try device.write(Array("\u{FF}\u{FE}\u{00}\u{13}\n".utf8))  // line noise
        try device.write(Array("T=21.5 RH=4".utf8))  // a line in two pieces
        try device.write(Array("0.5 id=north\r\n".utf8))
        try device.write(Array(String(repeating: "x", count: 2000).utf8) + [0x0A])  // a run with no end
        try device.write(Array("T=-3.25\n".utf8))
        let done = await collector.wait { $0.contains { $0.sample.value == -3.25 } }
        #expect(done, "\(collector.all)")
        let values = collector.all.filter { ![1.0, 2.0].contains($0.sample.value) }
        #expect(values.map(\.series) == ["weather.humidity", "weather.temperature", "weather.temperature"])
        #expect(values.map(\.sample.value) == [40.5, 21.5, -3.25])
        #expect(source.counters.snapshot.rejectedInput >= 2, "\(source.counters.snapshot)")
    }

    @Test("An adapter unplugged and plugged back: bad samples while it is gone, then readings again")
    func unplugAndReplug() async throws {
        let folder = try TemporaryFolder()
        let pair = try SerialPair(in: folder)
        let source = try SerialLineSource(
            .init(
                name: "logger", line: SerialLine(device: pair.second),
                format: .columns(delimiter: ",", names: ["level", "", "flow"]), reopen: quickReopen()), logger: logger)
        let collector = SampleCollector()
        let task = Task { await source.run(into: collector.sink) }
        defer { task.cancel() }
        var device: SerialPort? = try SerialPort(SerialLine(device: pair.first))
        #expect(
            await collector.wait {
                _ = try? device?.write(Array("1.5,ignored,7\n".utf8))
                return $0.contains { $0.series == "logger.flow" }
            })
        device = nil
        pair.unplug()
        #expect(
            await collector.wait { samples in
                samples.contains { $0.series == "logger.flow" && $0.sample.quality == SourceQuality.disconnected }
            }, "\(source.counters.snapshot)")
        let gone = collector.all.filter { $0.sample.quality == SourceQuality.disconnected }
        #expect(Set(gone.map(\.series)) == ["logger.level", "logger.flow"])
        #expect(gone.allSatisfy { $0.sample.value.isNaN })

        try pair.plugBack()
        device = try SerialPort(SerialLine(device: pair.first))
        #expect(
            await collector.wait {
                _ = try? device?.write(Array("2.5,x,9\n".utf8))
                return $0.contains { $0.series == "logger.flow" && $0.sample.value == 9 }
            }, "\(source.counters.snapshot)")
        let snapshot = source.counters.snapshot
        #expect(snapshot.reconnects >= 1)
        #expect(snapshot.errors["disconnected", default: 0] + snapshot.errors["not_found", default: 0] >= 1)
    }

    @Test("A port that does not exist: counted, and the source keeps trying without crashing")
    func missingPort() async throws {
        let source = try SerialLineSource(
            .init(
                name: "nothing", line: SerialLine(device: "/dev/outpost-no-such-port"), format: .nmea,
                reopen: quickReopen()), logger: logger)
        let collector = SampleCollector()
        let task = Task { await source.run(into: collector.sink) }
        let tried = await collector.wait { _ in source.counters.snapshot.errors["not_found", default: 0] >= 3 }
        task.cancel()
        await task.value
        #expect(tried)
        #expect(source.counters.snapshot.lastError?.contains("/dev/outpost-no-such-port") == true)
        #expect(collector.all.isEmpty, "no series known yet, so nothing to mark bad")
    }
}
