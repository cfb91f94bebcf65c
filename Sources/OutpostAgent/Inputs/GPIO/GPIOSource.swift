import Dispatch
import Logging
import OutpostGPIO
import OutpostSystem
import OutpostWire

/// The lines of one GPIO chip as a source: levels sampled and pulses counted (with debounce) per
/// interval, on wall-clock ticks. A chip or line that cannot be used gives bad samples for every
/// series each interval, and is retried with backoff. The blocking waits run on the source's own
/// dispatch queue, never on the Swift concurrency pool.
package final class GPIOSource: SampleSource {
    /// One line.
    package struct Line: Sendable, Hashable {
        /// What the source does with the line.
        package enum Mode: Sendable, Hashable {
            /// Samples its level each interval: series `NAME` is 1 when active, 0 when not.
            case level
            /// Counts pulses: series `NAME.count` (pulses in the interval × scale), `NAME.rate`
            /// (per second × scale) and `NAME.total` (pulses since start × scale).
            case pulses(debounce: Duration, scale: Double)
        }

        /// The series name.
        package var name: String
        /// The line offset on the chip.
        package var offset: Int
        /// Level or pulses.
        package var mode: Mode
        /// Active when low (open-collector outputs with a pull-up).
        package var activeLow: Bool

        /// Creates a line.
        package init(name: String, offset: Int, mode: Mode, activeLow: Bool = false) {
            self.name = name
            self.offset = offset
            self.mode = mode
            self.activeLow = activeLow
        }
    }

    package let name: String
    package let counters = SourceCounters()
    private let chip: String
    private let lines: [Line]
    private let schedule: TickSchedule
    private let opener: GPIOLineOpener
    private let reopen: Backoff
    private let log: RepeatedErrorLog
    private let clock: WallClock
    private let queue: DispatchQueue

    /// Creates the source for `lines` of `chip`, closing an interval every `interval`.
    package init(
        name: String, chip: String, lines: [Line], interval: Duration, logger: Logger,
        opener: @escaping GPIOLineOpener = LibgpiodLineAccess.opener,
        reopen: Backoff = Backoff(initial: .seconds(1), maximum: .seconds(60)),
        clock: @escaping WallClock = systemWallClock
    ) {
        self.name = "gpio.\(name)"
        self.chip = chip
        self.lines = lines
        schedule = TickSchedule(interval: interval)
        self.opener = opener
        self.reopen = reopen
        var logger = logger
        logger[metadataKey: "source"] = "\(self.name)"
        logger[metadataKey: "gpio.chip"] = "\(chip)"
        log = RepeatedErrorLog(logger: logger)
        self.clock = clock
        queue = DispatchQueue(label: "outpost.gpio.\(name)")
    }

    /// Every series the source produces, in line order.
    package var series: [String] {
        lines.flatMap { line -> [String] in
            switch line.mode {
            case .level: [line.name]
            case .pulses: ["\(line.name).count", "\(line.name).rate", "\(line.name).total"]
            }
        }
    }

    package func run(into sink: @escaping SampleSink) async {
        await runBlocking(on: queue, counters: counters, into: sink) { [self] stop, emit in
            readUntilStopped(stop, emit: emit)
        }
    }

    private func readUntilStopped(_ stop: StopFlag, emit: ([SourceSample]) -> Void) {
        var pulses = Dictionary(
            uniqueKeysWithValues: lines.compactMap { line -> (Int, PulseCounter)? in
                guard case .pulses(let debounce, _) = line.mode else { return nil }
                return (line.offset, PulseCounter(debounce: debounce, activeLow: line.activeLow))
            })
        let edgeLines = pulses.keys.sorted()
        var access: (any GPIOLineAccess)?
        var reopen = self.reopen
        var tick = schedule.tick(atOrAfter: clock())
        var previousTick: Int64?
        while !stop.isSet {
            if access == nil, reopen.mayAttempt(at: .now) {
                do throws(GPIOError) {
                    access = try opener(chip, edgeLines)
                    reopen.recordSuccess()
                    log.succeeded(keysWithPrefix: "\(name).")
                } catch {
                    fail(error, &reopen)
                }
            }
            let now = clock()
            if now >= tick {
                let length = Duration.nanoseconds(previousTick.map { tick - $0 } ?? schedule.interval)
                do throws(GPIOError) {
                    guard let open = access else { throw GPIOError.unavailable(chip: chip) }
                    emit(try close(at: tick, length: length, pulses: &pulses, access: open))
                } catch {
                    if access != nil { fail(error, &reopen) }
                    access = nil
                    emit(series.map { SourceSample($0, at: tick, .nan, SourceQuality.disconnected) })
                }
                previousTick = tick
                let (next, skipped) = schedule.next(after: tick, now: clock())
                if skipped > 0 { counters.overran(skipped) }
                tick = next
                continue
            }
            // Wait for edges until the tick, in short steps so a stop is noticed.
            let wait = min(schedule.wait(until: tick, now: now), .milliseconds(200))
            guard let open = access else {
                usleep(
                    UInt32(
                        clamping: wait.components.attoseconds / 1_000_000_000_000 + wait.components.seconds * 1_000_000)
                )
                continue
            }
            do throws(GPIOError) {
                for (line, event) in try open.waitForEdges(timeout: wait) { pulses[line]?.consume(event) }
            } catch {
                fail(error, &reopen)
                access = nil
            }
        }
    }

    /// Closes the interval ending at `tick`: reads the levels and takes the pulse counts.
    private func close(
        at tick: Int64, length: Duration, pulses: inout [Int: PulseCounter], access: any GPIOLineAccess
    ) throws(GPIOError) -> [SourceSample] {
        var samples: [SourceSample] = []
        for line in lines {
            switch line.mode {
            case .level:
                let high = try access.readLevel(line: line.offset)
                samples.append(SourceSample(line.name, at: tick, high != line.activeLow ? 1 : 0))
            case .pulses(_, let scale):
                guard var counter = pulses[line.offset] else { continue }
                let (count, perSecond) = counter.closeInterval(length: length)
                pulses[line.offset] = counter
                samples.append(SourceSample("\(line.name).count", at: tick, Double(count) * scale))
                samples.append(SourceSample("\(line.name).rate", at: tick, perSecond * scale))
                samples.append(SourceSample("\(line.name).total", at: tick, Double(counter.total) * scale))
            }
        }
        return samples
    }

    private func fail(_ error: GPIOError, _ reopen: inout Backoff) {
        counters.error(error.code, error.description)
        log.failed("\(name).\(error.code)", error.description)
        reopen.recordFailure(at: .now, random: Double.random(in: 0..<1))
    }
}

#if canImport(Glibc)
    import Glibc
#endif
