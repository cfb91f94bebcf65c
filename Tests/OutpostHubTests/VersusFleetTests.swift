import Foundation
import OutpostWire
import Testing

@testable import OutpostBench

/// The data `outpost-bench versus` feeds every system, and how it reads their answers: wrong
/// data or a lenient reader would make its table compare nothing.
@Suite("The versus benchmark's fleet and answer readers")
struct VersusFleetTests {
    let fleet = VersusFleet(gateways: 3, series: 2, liveMinutes: 2, historyDays: 30, now: 1_800_000_000 * NS.second)

    @Test("Readings as a sensor gives them: quantised, a daily cycle, steps and stuck periods, never on a minute")
    func sensorLike() {
        var frames: [[VersusFleet.Block]] = []
        fleet.forEachFrame { frames.append($0) }
        let samples = frames.flatMap { $0.flatMap(\.samples) }
        #expect(samples.count == fleet.readings)
        #expect(frames.count == 30 * 24 + 3 * 2, "an hour of history a frame, then a minute a live gateway")
        #expect(samples.allSatisfy { $0.timestamp % NS.second == 217_000_000 })
        #expect(samples.allSatisfy { ($0.value * 100).rounded() == ($0.value * 100 * 1e6).rounded() / 1e6 })
        // The history: time order, ending where the live minutes begin.
        let history = frames.prefix(720).flatMap { $0.filter { $0.series == 0 }.flatMap(\.samples) }
        #expect(zip(history, history.dropFirst()).allSatisfy { $0.timestamp < $1.timestamp })
        #expect(history.last.map { $0.timestamp < fleet.liveStart } == true)
        #expect(fleet.liveEnd < 1_800_000_000 * NS.second)
        // A day swings by the cycle's 8 units, give or take steps and noise.
        let day = history.prefix(8_640).map(\.value)
        #expect((day.max() ?? 0) - (day.min() ?? 0) > 7)
        // Stuck periods: a quarter of an hour (90 readings at 10 s) of one value, now and then.
        var longest = 0
        var run = 1
        for (a, b) in zip(history, history.dropFirst()) {
            run = a.value == b.value ? run + 1 : 1
            longest = max(longest, run)
        }
        #expect(longest >= 90)
        // Steps of 2.5 that last six hours: the 6-hour means differ by about that somewhere.
        let means = stride(from: 0, to: history.count - 2_160, by: 2_160).map { start in
            history[start..<(start + 2_160)].reduce(0) { $0 + $1.value } / 2_160
        }
        #expect(zip(means, means.dropFirst()).contains { abs($0 - $1) > 2 })
    }

    @Test("Answers are read strictly: an InfluxDB error throws, numbers compare to a millionth")
    func readers() throws {
        let matrix =
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"meter_point0"},"values":[[1,"20.5"],[2,"21"]]}]}}"#
        #expect(try VersusQuery.matrix(Array(matrix.utf8)).first?.values == [20.5, 21])
        let vector =
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"meter_point7","gateway":"bench-1"},"value":[1,"3.25"]}]}}"#
        let read = try VersusQuery.vector(Array(vector.utf8))
        #expect(read.first?.index == 7 && read.first?.gateway == "bench-1" && read.first?.value == 3.25)
        let influx =
            #"{"results":[{"statement_id":0,"series":[{"name":"meter_point3","tags":{"gateway":"bench-2"},"columns":["time","last"],"values":[[1800000000217,21.37]]}]}]}"#
        let rows = try VersusQuery.influx(Array(influx.utf8))
        #expect(rows.first?.index == 3 && rows.first?.gateway == "bench-2" && rows.first?.rows.first?.value == 21.37)
        #expect(throws: BenchFailure.self) {
            try VersusQuery.influx(Array(#"{"results":[{"statement_id":0,"error":"database not found"}]}"#.utf8))
        }
        #expect(throws: BenchFailure.self) { try VersusQuery.object(Array("[1]".utf8)) }
        #expect(VersusBenchmark.same([1, 2_000_000], [1, 2_000_000.5]))
        #expect(!VersusBenchmark.same([1, 2], [1, 2.01]))
        #expect(!VersusBenchmark.same([1], [1, 1]))
    }
}
