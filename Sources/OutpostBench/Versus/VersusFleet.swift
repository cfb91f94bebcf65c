import OutpostDatasets
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// The fleet `outpost-bench versus` feeds every system the same: `gateways` live gateways
/// (`bench-0`…) of `series` series read at 1 Hz for `liveMinutes`, after a history gateway
/// (`history-0`, the same series every 10 s for `historyDays`) whose 24-hour and 30-day queries
/// are asked. Values are what a sensor gives: a daily cycle, noise at the 0.01 resolution, level
/// steps, and stuck periods. Readings fall 0.217 s after the second, as polls do, never on a
/// minute's first nanosecond (where Prometheus's windows and rollup buckets would differ).
package struct VersusFleet: Sendable {
    package let gateways: Int
    package let series: Int
    package let liveMinutes: Int
    package let historyDays: Int
    /// Where the history ends and the live minutes begin (ns, a whole hour).
    package let liveStart: Int64

    static let second: Int64 = 1_000_000_000
    static let minute = 60 * second
    static let hour = 60 * minute
    static let day = 24 * hour
    static let phase: Int64 = 217_000_000
    /// Seconds between history readings.
    static let historyStep: Int64 = 10
    static let historyGateway = "history-0"

    /// A fleet whose live minutes end before `now` (ns).
    package init(gateways: Int, series: Int, liveMinutes: Int, historyDays: Int, now: Int64) {
        self.gateways = gateways
        self.series = series
        self.liveMinutes = liveMinutes
        self.historyDays = historyDays
        let end = now / Self.minute * Self.minute - Self.minute
        liveStart = (end - Int64(liveMinutes) * Self.minute) / Self.hour * Self.hour
    }

    /// When the live minutes end.
    package var liveEnd: Int64 { liveStart + Int64(liveMinutes) * Self.minute }
    /// Readings in the history.
    package var historyReadings: Int { series * historyDays * 86_400 / Int(Self.historyStep) }
    /// Readings in all.
    package var readings: Int { historyReadings + gateways * series * liveMinutes * 60 }

    /// The name of series `index` (the hub's) and its metric (Prometheus's and InfluxDB's measurement).
    static func name(_ index: Int) -> String { "meter.point\(index)" }
    static func metric(_ index: Int) -> String { "meter_point\(index)" }
    static func gateway(_ index: Int) -> String { "bench-\(index)" }

    /// A stretch of one series of one gateway: what a frame, an import line or a batch of lines
    /// carries.
    package struct Block: Sendable {
        package var gateway: String
        package var series: Int
        package var samples: [Sample]
    }

    /// The fleet's blocks in the order a fleet sends them: the history an hour at a time, then
    /// each live minute for every gateway. `body` gets each group of blocks (one frame's worth
    /// per gateway) and may encode it for one system.
    package func forEachFrame(_ body: ([Block]) throws -> Void) rethrows {
        let historyStart = liveStart - Int64(historyDays) * Self.day
        for hour in 0..<(historyDays * 24) {
            let start = historyStart + Int64(hour) * Self.hour
            try body(
                (0..<series).map { index in
                    Block(
                        gateway: Self.historyGateway, series: index,
                        samples: samples(gateway: -1, series: index, from: start, count: 360, step: Self.historyStep))
                })
        }
        for minute in 0..<liveMinutes {
            let start = liveStart + Int64(minute) * Self.minute
            for gateway in 0..<gateways {
                try body(
                    (0..<series).map { index in
                        Block(
                            gateway: Self.gateway(gateway), series: index,
                            samples: samples(gateway: gateway, series: index, from: start, count: 60, step: 1))
                    })
            }
        }
    }

    private func samples(gateway: Int, series: Int, from start: Int64, count: Int, step: Int64) -> [Sample] {
        (0..<count).map { index in
            let time = start + Int64(index) * step * Self.second + Self.phase
            return Sample(timestamp: time, value: value(gateway: gateway, series: series, at: time))
        }
    }

    /// The reading of `series` of `gateway` (−1: the history gateway) at `time`.
    func value(gateway: Int, series: Int, at time: Int64) -> Double {
        let key = UInt64(bitPattern: Int64(gateway + 1)) &* 1_000_003 &+ UInt64(series)
        // Stuck for a quarter of an hour now and then: the value of the period's start.
        let quarter = time / (15 * Self.minute)
        var period = SeededGenerator(seed: key &* 31 &+ UInt64(bitPattern: quarter))
        let stuck = period.next() % 40 == 0
        let at = stuck ? quarter * 15 * Self.minute + Self.phase : time
        let base = 20 + Double(series % 7) * 5 + Double(gateway % 11) * 0.5
        let cycle = 4 * sin(2 * Double.pi * Double(at % Self.day) / Double(Self.day) + Double(series) * 0.3)
        // A level step that lasts six hours, now and then.
        var shift = SeededGenerator(seed: key &* 131 &+ UInt64(bitPattern: at / (6 * Self.hour)))
        let step = shift.next() % 8 == 0 ? 2.5 : 0
        var noise = SeededGenerator(seed: key &* 7_919 &+ UInt64(bitPattern: at / Self.second))
        let jitter = Double(Int(noise.next() % 7) - 3) * 0.01
        return ((base + cycle + step + jitter) * 100).rounded() / 100
    }
}
