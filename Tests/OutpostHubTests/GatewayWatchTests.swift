import OutpostWire
import Testing

@testable import OutpostHub

@Suite("Gateway checks: silence, fleet outage, backlog, clock steps")
struct GatewayWatchTests {
    let second: Int64 = 1_000_000_000

    /// Frames of `gateway` every `gap` seconds, `count` of them, ending at `end`.
    func feed(_ watch: inout GatewayWatch, _ gateway: String, count: Int, gap: Int64, end: Int64) {
        for index in 0..<count {
            let time = end - Int64(count - 1 - index) * gap * second
            _ = watch.frame(
                gateway, at: time, boot: [1], createdMonotonic: time, wallMinusMonotonic: 0, synchronised: true)
        }
    }

    @Test(
        "Silent for ten usual gaps (at least five minutes): one alert, resolved by the next frame; no judgement before five gaps are known"
    )
    func silence() {
        var watch = GatewayWatch()
        feed(&watch, "gw-0", count: 3, gap: 10, end: 0)
        #expect(watch.check(at: 3600 * second).isEmpty, "too little history to judge")
        var fresh = GatewayWatch()
        swap(&watch, &fresh)
        feed(&watch, "gw-1", count: 10, gap: 60, end: 1000 * second)
        #expect(watch.check(at: 1000 * second + 500 * second).isEmpty, "within ten usual gaps")
        #expect(
            watch.check(at: 1000 * second + 700 * second) == [.open(gateway: "gw-1", kind: .silence, at: 1700 * second)]
        )
        #expect(watch.check(at: 1800 * second).isEmpty, "one silence, one alert")
        #expect(
            watch.frame(
                "gw-1", at: 1900 * second, boot: [1], createdMonotonic: 1900 * second, wallMinusMonotonic: 0,
                synchronised: true)
                == [.resolve(gateway: "gw-1", kind: .silence, at: 1900 * second)])
    }

    @Test(
        "A replica that hears the other replicas' acknowledgements of a gateway does not call it silent; hearing one ends a silence"
    )
    func heardThroughOtherReplicas() {
        var watch = GatewayWatch()
        feed(&watch, "gw-1", count: 10, gap: 60, end: 1000 * second)
        for minute in 1...20 { #expect(watch.heard("gw-1", at: 1000 * second + Int64(minute) * 60 * second).isEmpty) }
        #expect(watch.check(at: 2300 * second).isEmpty, "heard from 200 s ago: not silent")
        #expect(watch.check(at: 2900 * second) == [.open(gateway: "gw-1", kind: .silence, at: 2900 * second)])
        #expect(
            watch.heard("gw-1", at: 2950 * second) == [.resolve(gateway: "gw-1", kind: .silence, at: 2950 * second)])
        #expect(watch.heard("gw-unknown", at: 2950 * second).isEmpty)
    }

    @Test("The whole fleet silent at once is one incident, not an alert per gateway")
    func fleetOutage() {
        var watch = GatewayWatch()
        for index in 0..<20 { feed(&watch, "gw-\(index)", count: 10, gap: 60, end: 0) }
        let actions = watch.check(at: 1000 * second)
        #expect(actions == [.open(gateway: "", kind: .fleetSilence, at: 1000 * second)])
        for index in 0..<20 {
            _ = watch.frame(
                "gw-\(index)", at: 1100 * second, boot: [1], createdMonotonic: 1100 * second, wallMinusMonotonic: 0,
                synchronised: true)
        }
        #expect(watch.check(at: 1110 * second) == [.resolve(gateway: "", kind: .fleetSilence, at: 1110 * second)])
    }

    @Test("A backlog delivered in a burst after an outage does not teach a shorter schedule")
    func burstAfterOutage() {
        var watch = GatewayWatch()
        // Sealed every 300 s; after a ten-hour outage its 120 frames arrive 20 ms apart.
        feed(&watch, "gw-1", count: 60, gap: 300, end: 18_000 * second)
        let back = 54_000 * second
        for index in 1...120 {
            _ = watch.frame(
                "gw-1", at: back + Int64(index) * 20_000_000, boot: [1],
                createdMonotonic: 18_000 * second + Int64(index) * 300 * second, wallMinusMonotonic: 0,
                synchronised: true)
        }
        #expect(watch.check(at: back + 1200 * second).isEmpty, "four of its usual gaps later it is not silent")
        #expect(watch.check(at: back + 3100 * second).count == 1, "ten usual gaps later it is silent")
    }

    @Test("A broker outage seen by a mixed fleet is one incident, even where the quickest gateways go silent first")
    func mixedFleetOutage() {
        var watch = GatewayWatch()
        // Seven gateways seal every 30 s, seven every 60 s, six every 300 s; all stop at 3000 s.
        for index in 0..<20 {
            let gap: Int64 = index < 7 ? 30 : index < 14 ? 60 : 300
            feed(&watch, "gw-\(index)", count: 10, gap: gap, end: 3000 * second)
        }
        var actions: [GatewayWatch.Action] = []
        for tick in stride(from: Int64(3005), through: 3000 + 3600, by: 5) { actions += watch.check(at: tick * second) }
        #expect(
            actions.count == 1
                && actions.first.map { if case .open(_, .fleetSilence, _) = $0 { true } else { false } } == true)
    }

    @Test(
        "A backlog growing at every report for 30 minutes (counted from the first span that shows it) raises an alert; it resolves once the backlog halves"
    )
    func backlog() {
        var watch = GatewayWatch()
        var opened: [GatewayWatch.Action] = []
        for minute in 0...40 {
            opened += watch.backlog("gw-1", Int64(1000 * (minute + 1)), at: Int64(minute) * 60 * second)
        }
        // Spans of two minutes: growth shows at the end of the second, so the alert opens at 32.
        #expect(opened == [.open(gateway: "gw-1", kind: .backlog, at: 32 * 60 * second)])
        #expect(watch.backlog("gw-1", 30_000, at: 42 * 60 * second).isEmpty, "draining, not yet halved")
        #expect(
            watch.backlog("gw-1", 10_000, at: 45 * 60 * second) == [
                .resolve(gateway: "gw-1", kind: .backlog, at: 45 * 60 * second)
            ])
    }

    /// Reports every 30 s of a gateway sealing every 300 s at 100 readings/s, from `start` for
    /// `minutes`; `slow` makes only every other frame get through.
    func sawtooth(
        _ watch: inout GatewayWatch, from start: Int64, minutes: Int64, slow: Bool = false, backlog: Int64 = 0
    ) -> (actions: [GatewayWatch.Action], backlog: Int64) {
        var actions: [GatewayWatch.Action] = []
        var waiting = backlog
        var frames = 0
        for report in 0..<(minutes * 2) {
            let time = start + report * 30 * second
            if report > 0, report % 10 == 0 {
                frames += 1
                if !slow || frames % 2 == 0 { waiting = max(0, waiting - 30_000) }
            }
            actions += watch.backlog("gw-1", waiting, at: time)
            waiting += 3000
        }
        return (actions, waiting)
    }

    @Test(
        "A backlog sawtooth that drains at each frame is quiet; one that stops draining opens an alert; an outage between reports is not growth"
    )
    func backlogSawtooth() {
        var watch = GatewayWatch()
        feed(&watch, "gw-1", count: 10, gap: 300, end: 0)
        let normal = sawtooth(&watch, from: 0, minutes: 600)
        #expect(normal.actions.isEmpty, "five hours of normal sawtooth")
        let slow = sawtooth(&watch, from: 600 * 60 * second, minutes: 60, slow: true, backlog: normal.backlog)
        #expect(slow.actions.count == 1, "an hour of a link at half speed: \(slow.actions)")
        var fresh = GatewayWatch()
        feed(&fresh, "gw-1", count: 10, gap: 300, end: 0)
        _ = sawtooth(&fresh, from: 0, minutes: 60)
        // An hour without reports, then a large backlog that drains: one report higher than
        // the last is no 30-minute growth.
        #expect(fresh.backlog("gw-1", 500_000, at: 3 * 3600 * second).isEmpty)
        #expect(fresh.backlog("gw-1", 200_000, at: 3 * 3600 * second + 30 * second).isEmpty)
    }

    @Test("A wall clock stepped within one boot is an event that resolves by itself; a new boot is not a step")
    func clockStep() {
        var watch = GatewayWatch()
        _ = watch.frame(
            "gw-1", at: 0, boot: [1], createdMonotonic: 0, wallMinusMonotonic: 1_000 * second, synchronised: true)
        #expect(
            watch.frame(
                "gw-1", at: 10 * second, boot: [2], createdMonotonic: 0, wallMinusMonotonic: 9_000 * second,
                synchronised: true
            ).isEmpty)
        #expect(
            watch.frame(
                "gw-1", at: 20 * second, boot: [2], createdMonotonic: 10 * second, wallMinusMonotonic: 9_030 * second,
                synchronised: true)
                == [.open(gateway: "gw-1", kind: .clock, at: 20 * second)])
        #expect(
            watch.check(at: 20 * second + watch.resolveAfter) == [
                .resolve(gateway: "gw-1", kind: .clock, at: 20 * second + watch.resolveAfter)
            ])
    }

    @Test(
        "Through the engine: a gateway that stops sending gets a silence alert in the store",
        arguments: StoreBackend.allCases)
    func throughEngine(backend: StoreBackend) async throws {
        let hub = try await HubFixture(detection: DetectionConfiguration(), backend: backend)
        let engine = try #require(hub.detection)
        for sequence in 1...7 {
            let sealed = Int64(sequence) * 60 * second
            _ = await hub.pipeline.ingest(
                try hub.frame(
                    UInt64(sequence), ["t": [Sample(timestamp: sealed, value: 1)]], createdAt: sealed, monotonic: sealed
                ))
        }
        await engine.settle()
        engine.checkGateways(at: systemWallClock() + 3600 * second)
        await engine.settle()
        let alerts = try await hub.store.alerts(in: [.firing], limit: 10)
        #expect(alerts.map(\.kind) == [.silence] && alerts.first?.series == SeriesKey(gateway: "gw-a", name: ""))
    }
}
