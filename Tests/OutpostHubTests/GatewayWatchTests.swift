import OutpostWire
import Testing

@testable import OutpostHub

@Suite("Gateway checks: silence, fleet outage, backlog, clock steps")
struct GatewayWatchTests {
    let second: Int64 = 1_000_000_000

    /// Frames of `gateway` every `gap` seconds, `count` of them, ending at `end`.
    func feed(_ watch: inout GatewayWatch, _ gateway: String, count: Int, gap: Int64, end: Int64) {
        for index in 0..<count {
            _ = watch.frame(gateway, at: end - Int64(count - 1 - index) * gap * second, boot: [1], wallMinusMonotonic: 0, synchronised: true)
        }
    }

    @Test("Silent for ten usual gaps (at least five minutes): one alert, resolved by the next frame; no judgement before five gaps are known")
    func silence() {
        var watch = GatewayWatch()
        feed(&watch, "gw-0", count: 3, gap: 10, end: 0)
        #expect(watch.check(at: 3600 * second).isEmpty, "too little history to judge")
        var fresh = GatewayWatch()
        swap(&watch, &fresh)
        feed(&watch, "gw-1", count: 10, gap: 60, end: 1000 * second)
        #expect(watch.check(at: 1000 * second + 500 * second).isEmpty, "within ten usual gaps")
        #expect(watch.check(at: 1000 * second + 700 * second) == [.open(gateway: "gw-1", kind: .silence, at: 1700 * second)])
        #expect(watch.check(at: 1800 * second).isEmpty, "one silence, one alert")
        #expect(
            watch.frame("gw-1", at: 1900 * second, boot: [1], wallMinusMonotonic: 0, synchronised: true)
                == [.resolve(gateway: "gw-1", kind: .silence, at: 1900 * second)])
    }

    @Test("The whole fleet silent at once is one incident, not an alert per gateway")
    func fleetOutage() {
        var watch = GatewayWatch()
        for index in 0..<20 { feed(&watch, "gw-\(index)", count: 10, gap: 60, end: 0) }
        let actions = watch.check(at: 1000 * second)
        #expect(actions == [.open(gateway: "", kind: .fleetSilence, at: 1000 * second)])
        for index in 0..<20 {
            _ = watch.frame("gw-\(index)", at: 1100 * second, boot: [1], wallMinusMonotonic: 0, synchronised: true)
        }
        #expect(watch.check(at: 1110 * second) == [.resolve(gateway: "", kind: .fleetSilence, at: 1110 * second)])
    }

    @Test("A backlog growing at every report for 30 minutes raises an alert; it resolves once the backlog halves")
    func backlog() {
        var watch = GatewayWatch()
        var opened: [GatewayWatch.Action] = []
        for minute in 0...40 {
            opened += watch.backlog("gw-1", Int64(1000 * (minute + 1)), at: Int64(minute) * 60 * second)
        }
        #expect(opened == [.open(gateway: "gw-1", kind: .backlog, at: 30 * 60 * second)])
        #expect(watch.backlog("gw-1", 30_000, at: 42 * 60 * second).isEmpty, "draining, not yet halved")
        #expect(watch.backlog("gw-1", 10_000, at: 45 * 60 * second) == [.resolve(gateway: "gw-1", kind: .backlog, at: 45 * 60 * second)])
    }

    @Test("A wall clock stepped within one boot is an event that resolves by itself; a new boot is not a step")
    func clockStep() {
        var watch = GatewayWatch()
        _ = watch.frame("gw-1", at: 0, boot: [1], wallMinusMonotonic: 1_000 * second, synchronised: true)
        #expect(watch.frame("gw-1", at: 10 * second, boot: [2], wallMinusMonotonic: 9_000 * second, synchronised: true).isEmpty)
        #expect(
            watch.frame("gw-1", at: 20 * second, boot: [2], wallMinusMonotonic: 9_030 * second, synchronised: true)
                == [.open(gateway: "gw-1", kind: .clock, at: 20 * second)])
        #expect(watch.check(at: 20 * second + watch.resolveAfter) == [.resolve(gateway: "gw-1", kind: .clock, at: 20 * second + watch.resolveAfter)])
    }

    @Test("Through the engine: a gateway that stops sending gets a silence alert in the store")
    func throughEngine() async throws {
        let hub = try HubFixture(detection: DetectionConfiguration())
        let engine = try #require(hub.detection)
        for sequence in 1...7 {
            _ = await hub.pipeline.ingest(try hub.frame(UInt64(sequence), ["t": [Sample(timestamp: Int64(sequence) * second, value: 1)]]))
        }
        await engine.settle()
        engine.checkGateways(at: systemWallClock() + 3600 * second)
        await engine.settle()
        let alerts = try hub.store.alerts(in: [.firing], limit: 10)
        #expect(alerts.map(\.kind) == [.silence] && alerts.first?.series == SeriesKey(gateway: "gw-a", name: ""))
    }
}
