import OutpostAgent
import OutpostWire
import Testing

@Suite("Pre-aggregation rules")
struct AggregatorTests {
    let second: Int64 = 1_000_000_000
    let t0: Int64 = 1_790_000_000 * 1_000_000_000

    func samples(_ series: String, _ values: [Double], every step: Int64 = 1_000_000_000) -> [SourceSample] {
        values.enumerated().map { SourceSample(series, at: t0 + Int64($0.offset) * step, $0.element) }
    }

    @Test("Globs: * and ? match, the first matching rule wins, others stay raw")
    func globs() {
        let rule = AggregationRule(pattern: "meter-*.voltage_l?", mode: .rate)
        #expect(rule.matches("meter-1.voltage_l1"))
        #expect(rule.matches("meter-12.voltage_l3"))
        #expect(!rule.matches("meter-1.voltage_l12"))
        #expect(!rule.matches("tank.voltage_l1"))
        #expect(AggregationRule(pattern: "*", mode: .raw).matches(""))
        var aggregator = Aggregator(rules: [
            AggregationRule(pattern: "a.*", mode: .deadband(absolute: 100, percent: nil, heartbeat: .seconds(60))),
            AggregationRule(pattern: "a.x", mode: .rate),
        ])
        #expect(aggregator.take(samples("a.x", [1, 2, 3])).count == 1, "deadband (first rule) keeps the first only")
        #expect(aggregator.take(samples("b.y", [1, 2, 3])).count == 3, "no rule: raw")
    }

    @Test("Deadband keeps changes beyond the band, repeats on the heartbeat, and keeps quality changes")
    func deadband() {
        var aggregator = Aggregator(rules: [
            AggregationRule(pattern: "*", mode: .deadband(absolute: 0.5, percent: nil, heartbeat: .seconds(5)))
        ])
        let values: [Double] = [20.0, 20.2, 20.4, 20.6, 20.7, 21.2, 21.2, 21.2, 21.2, 21.2, 21.2, 21.2]
        let kept = aggregator.take(samples("t", values))
        #expect(kept.map(\.sample.value) == [20.0, 20.6, 21.2, 21.2])
        // 21.2 at t=5 (a move of 0.6), then the heartbeat 5 s later at t=10.
        #expect(kept.map { ($0.sample.timestamp - t0) / second } == [0, 3, 5, 10])
        let failing = aggregator.take([
            SourceSample("t", at: t0 + 12 * second, .nan, Quality(.bad, code: 1)),
            SourceSample("t", at: t0 + 13 * second, .nan, Quality(.bad, code: 1)),
            SourceSample("t", at: t0 + 14 * second, 21.2),
        ])
        #expect(failing.map(\.sample.quality) == [Quality(.bad, code: 1), .good], "start and end of a failure")
        #expect(aggregator.counts.badSamples == 2)
        var percent = Aggregator(rules: [
            AggregationRule(pattern: "*", mode: .deadband(absolute: nil, percent: 10, heartbeat: .seconds(60)))
        ])
        #expect(percent.take(samples("p", [100, 105, 111, 115, 123])).map(\.sample.value) == [100, 111, 123])
    }

    @Test("Windows on wall-clock boundaries give min, max, mean, last and count; bad samples only counted")
    func windows() {
        var aggregator = Aggregator(rules: [AggregationRule(pattern: "*", mode: .window(.seconds(10)))])
        var input = samples("v", (0..<25).map { Double($0) })
        input[3] = SourceSample("v", at: t0 + 3 * second, .nan, Quality(.bad, code: 1))
        input[4] = SourceSample("v", at: t0 + 4 * second, 1e9, Quality(.uncertain, code: 2))
        let output = aggregator.take(input)
        // t0 is on a 10 s boundary: windows [0,10) and [10,20) closed; [20,25) still open.
        let first = output.filter { $0.sample.timestamp == t0 }
        let byName = Dictionary(first.map { ($0.series, $0.sample.value) }) { $1 }
        #expect(byName["v.min"] == 0)
        #expect(byName["v.max"] == 9)
        #expect(byName["v.count"] == 8)
        #expect(byName["v.bad"] == 2)
        #expect(byName["v.mean"] == Double(0 + 1 + 2 + 5 + 6 + 7 + 8 + 9) / 8, "bad values never enter the mean")
        #expect(byName["v.last"] == 9)
        #expect(output.filter { $0.sample.timestamp == t0 + 10 * second }.count == 5, "no .bad when none")
        #expect(aggregator.flush(before: t0 + 29 * second).isEmpty, "the open window ends at 30 s")
        let closed = aggregator.flush(before: t0 + 30 * second)
        #expect(Dictionary(closed.map { ($0.series, $0.sample.value) }) { $1 }["v.count"] == 5)
        #expect(aggregator.flushAll().isEmpty)
    }

    @Test("A window with only failures says so with their quality, not silence")
    func failedWindow() {
        var aggregator = Aggregator(rules: [AggregationRule(pattern: "*", mode: .window(.seconds(10)))])
        _ = aggregator.take([SourceSample("v", at: t0, .nan, Quality(.bad, code: 2))])
        let closed = aggregator.flushAll()
        #expect(closed.first { $0.series == "v.mean" }?.sample.quality == Quality(.bad, code: 2))
        #expect(closed.first { $0.series == "v.count" }?.sample.value == 0)
        #expect(closed.first { $0.series == "v.bad" }?.sample.value == 1)
    }

    @Test("Counters become rates; a reset starts again; failures pass as bad rate samples")
    func rates() {
        var aggregator = Aggregator(rules: [AggregationRule(pattern: "energy", mode: .rate)])
        var input = samples("energy", [1000, 1010, 1030, 5, 15], every: 10 * second)
        input.insert(SourceSample("energy", at: t0 + 25 * second, .nan, Quality(.bad, code: 1)), at: 3)
        let output = aggregator.take(input)
        #expect(output.map(\.series).allSatisfy { $0 == "energy.rate" })
        #expect(output.filter { $0.sample.quality == .good }.map(\.sample.value) == [1, 2, 1])
        #expect(output.contains { $0.sample.quality == Quality(.bad, code: 1) })
        #expect(aggregator.counts.counterResets == 1)
    }
}
