import Dispatch
import Logging
import OutpostAgent
import OutpostGPIO
import OutpostSystem
import OutpostWire
import Synchronization
import Testing

/// A GPIO chip driven by the test through the line-event seam: levels set, edges pushed, and an
/// unplug that makes every call fail as a vanished chip does.
final class ScriptedChip: Sendable {
    private let state = Mutex<(levels: [Int: Bool], edges: [(Int, LineEvent)], gone: Bool, opens: Int)>(
        ([:], [], false, 0))
    private let arrived = DispatchSemaphore(value: 0)

    func set(line: Int, high: Bool) { state.withLock { $0.levels[line] = high } }
    func push(_ edges: [(Int, LineEvent)]) {
        state.withLock { $0.edges += edges }
        arrived.signal()
    }
    func unplug(_ gone: Bool) { state.withLock { $0.gone = gone } }
    var opens: Int { state.withLock { $0.opens } }

    var opener: GPIOLineOpener {
        { chip, _ throws(GPIOError) in
            let gone = self.state.withLock { state in
                if !state.gone { state.opens += 1 }
                return state.gone
            }
            if gone { throw GPIOError(chip: chip, errno: ENODEV, doing: "opening the chip") }
            return Access(chip: self, name: chip)
        }
    }

    struct Access: GPIOLineAccess {
        let chip: ScriptedChip
        let name: String

        func readLevel(line: Int) throws(GPIOError) -> Bool {
            let (gone, level) = chip.state.withLock { ($0.gone, $0.levels[line] ?? false) }
            if gone { throw GPIOError(chip: name, line: line, errno: ENODEV, doing: "reading the line") }
            return level
        }

        func waitForEdges(timeout: Duration) throws(GPIOError) -> [(line: Int, event: LineEvent)] {
            // Blocks like the kernel's poll: until edges are pushed or the timeout passes.
            _ = chip.arrived.wait(
                timeout: .now()
                    + .milliseconds(
                        Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
            )
            let (gone, edges) = chip.state.withLock { state in
                defer { state.edges.removeAll() }
                return (state.gone, state.edges)
            }
            if gone { throw GPIOError(chip: name, errno: ENODEV, doing: "waiting for edges") }
            return edges.map { (line: $0.0, event: $0.1) }
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif

@Suite("GPIO sources: levels and pulses per interval")
struct GPIOSourceTests {
    let logger = Logger(label: "test")

    @Test("Pulses with contact bounce count once each; levels honour active-low; series per interval")
    func pulsesAndLevels() async throws {
        let chip = ScriptedChip()
        chip.set(line: 4, high: false)
        let source = GPIOSource(
            name: "yard", chip: "gpiochip0",
            lines: [
                .init(name: "rain", offset: 17, mode: .pulses(debounce: .milliseconds(5), scale: 0.2), activeLow: true),
                .init(name: "door_open", offset: 4, mode: .level, activeLow: true),
            ], interval: .milliseconds(100), logger: logger, opener: chip.opener)
        #expect(source.series == ["rain.count", "rain.rate", "rain.total", "door_open"])
        let collector = SampleCollector()
        let task = Task { await source.run(into: collector.sink) }
        defer { task.cancel() }
        #expect(await collector.wait { $0.contains { $0.series == "door_open" } })
        // Seven tips of a reed-switch gauge, each closing (falling: active-low) with two bounces
        // within a millisecond, then opening 50 ms later.
        var edges: [(Int, LineEvent)] = []
        for tip in 0..<7 {
            let base = Int64(tip) * 200_000_000
            edges += [
                (17, LineEvent(.falling, at: base)), (17, LineEvent(.rising, at: base + 300_000)),
                (17, LineEvent(.falling, at: base + 600_000)), (17, LineEvent(.rising, at: base + 50_000_000)),
            ]
        }
        chip.push(edges)
        #expect(
            await collector.wait { samples in
                samples.last { $0.series == "rain.total" }.map { abs($0.sample.value - 1.4) < 1e-9 } ?? false
            }, "\(collector.all.filter { $0.series == "rain.total" })")
        let counts = collector.all.filter { $0.series == "rain.count" }.map(\.sample.value)
        #expect(abs(counts.reduce(0, +) - 1.4) < 1e-9)
        let doors = collector.all.filter { $0.series == "door_open" }
        #expect(doors.allSatisfy { $0.sample.value == 1 }, "low on an active-low line is active")
        // Interval samples sit on 100 ms ticks.
        #expect(collector.all.allSatisfy { $0.sample.timestamp % 100_000_000 == 0 })
        // Each interval's rate is its count over its length (100 ms, longer after a skipped tick).
        let countAt = Dictionary(
            collector.all.filter { $0.series == "rain.count" }.map { ($0.sample.timestamp, $0.sample.value) }
        ) { $1 }
        var previous: Int64?
        for rate in collector.all.filter({ $0.series == "rain.rate" }) {
            let length = Double(previous.map { rate.sample.timestamp - $0 } ?? 100_000_000) / 1e9
            #expect(abs(rate.sample.value * length - (countAt[rate.sample.timestamp] ?? -1)) < 1e-9)
            previous = rate.sample.timestamp
        }
    }

    @Test("A chip that vanishes gives bad samples for every series, and its lines come back with it")
    func chipVanishes() async throws {
        let chip = ScriptedChip()
        chip.set(line: 4, high: true)
        let source = GPIOSource(
            name: "pump", chip: "gpiochip1", lines: [.init(name: "running", offset: 4, mode: .level)],
            interval: .milliseconds(50), logger: logger, opener: chip.opener,
            reopen: Backoff(initial: .milliseconds(20), maximum: .milliseconds(50)))
        let collector = SampleCollector()
        let task = Task { await source.run(into: collector.sink) }
        defer { task.cancel() }
        #expect(await collector.wait { $0.contains { $0.sample.value == 1 } })
        chip.unplug(true)
        #expect(await collector.wait { $0.contains { $0.sample.quality == SourceQuality.disconnected } })
        chip.unplug(false)
        let before = collector.all.count
        #expect(await collector.wait { $0.count > before && $0.last?.sample.quality == .good })
        #expect(chip.opens >= 2)
        #expect(source.counters.snapshot.errors["not_found", default: 0] >= 1)
    }

    @Test("Through libgpiod, a chip that does not exist is a counted error naming the chip, not a crash")
    func missingChipThroughLibgpiod() async throws {
        let source = GPIOSource(
            name: "absent", chip: "gpiochip99", lines: [.init(name: "level", offset: 3, mode: .level)],
            interval: .milliseconds(50), logger: logger)
        let collector = SampleCollector()
        let task = Task { await source.run(into: collector.sink) }
        let marked = await collector.wait { $0.filter { $0.sample.quality == SourceQuality.disconnected }.count >= 2 }
        task.cancel()
        await task.value
        #expect(marked)
        #expect(collector.all.allSatisfy { $0.series == "level" && $0.sample.value.isNaN })
        let snapshot = source.counters.snapshot
        #expect(snapshot.errors["not_found", default: 0] >= 1, "\(snapshot)")
        #expect(snapshot.lastError?.contains("gpiochip99") == true)
    }

    @Test("Ticks sit on the wall clock; an overrun skips ticks and counts them")
    func ticks() {
        let schedule = TickSchedule(interval: .seconds(10))
        let second: Int64 = 1_000_000_000
        #expect(schedule.tick(atOrAfter: 1_790_000_003 * second) == 1_790_000_010 * second)
        #expect(schedule.tick(atOrAfter: 1_790_000_010 * second) == 1_790_000_010 * second)
        #expect(
            schedule.next(after: 1_790_000_010 * second, now: 1_790_000_012 * second) == (1_790_000_020 * second, 0))
        #expect(
            schedule.next(after: 1_790_000_010 * second, now: 1_790_000_035 * second) == (1_790_000_040 * second, 2))
        // A clock stepped a day forward is a restart of the schedule, not 8640 overruns.
        #expect(
            schedule.next(after: 1_790_000_010 * second, now: 1_790_086_415 * second) == (1_790_086_420 * second, 0))
        #expect(schedule.wait(until: 1_790_000_010 * second, now: 1_700_000_000 * second) == .seconds(10))
        #expect(schedule.wait(until: 1_790_000_010 * second, now: 1_790_000_011 * second) == .zero)
    }
}
