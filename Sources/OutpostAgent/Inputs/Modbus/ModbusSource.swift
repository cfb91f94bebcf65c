import Logging
import OutpostModbus
import OutpostSystem
import OutpostWire

/// One Modbus device as a source: polls it on wall-clock ticks of its interval and delivers one
/// sample per point per poll, stamped with the tick, bad quality (with the error code) when the
/// read failed. Failures are counted and summarised in the log.
package final class ModbusSource: SampleSource {
    package let name: String
    package let counters = SourceCounters()
    private let device: String
    private let poller: ModbusPoller
    private let schedule: TickSchedule
    private let log: RepeatedErrorLog
    private let clock: WallClock

    /// Creates the source for the device named `device` (the series prefix), read by `poller`
    /// every `interval`.
    package init(
        device: String, poller: ModbusPoller, interval: Duration, logger: Logger,
        clock: @escaping WallClock = systemWallClock
    ) {
        self.device = device
        name = "modbus.\(device)"
        self.poller = poller
        schedule = TickSchedule(interval: interval)
        var logger = logger
        logger[metadataKey: "source"] = "\(name)"
        log = RepeatedErrorLog(logger: logger)
        self.clock = clock
    }

    /// The device's name (the series prefix).
    package var deviceName: String { device }

    /// One read of every point now, outside the schedule, on the device's own bus (so an RTU
    /// line is never opened twice): a remote probe.
    package func probe() async -> ModbusPoller.Outcome { await poller.poll(ignoringBackoff: true) }

    package func run(into sink: @escaping SampleSink) async {
        var tick = schedule.tick(atOrAfter: clock())
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: schedule.wait(until: tick, now: clock()))
            } catch {
                return  // cancelled: the agent is stopping
            }
            let samples = await poll(at: tick)
            counters.count(samples)
            await sink(samples)
            let (next, skipped) = schedule.next(after: tick, now: clock())
            if skipped > 0 { counters.overran(skipped) }
            tick = next
        }
    }

    /// One poll, as samples stamped `tick`.
    func poll(at tick: Int64) async -> [SourceSample] {
        let outcome = await poller.poll()
        for error in outcome.errors {
            counters.error(error.code.description, error.description)
            log.failed("\(name).\(error.code)", error.description)
        }
        if outcome.errors.isEmpty, !outcome.skippedForBackoff { log.succeeded(keysWithPrefix: "\(name).") }
        return outcome.readings.map { SourceSample("\(device).\($0.point)", at: tick, $0.value, $0.quality) }
    }
}
