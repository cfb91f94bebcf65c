import Foundation
import OutpostDetect
import OutpostTestSupport
import OutpostWire
import Testing

@testable import OutpostHub

@Suite("Alerts: lifecycle, dedupe, resolution, late data")
struct AlertTests {
    func score(_ value: Double, _ kind: AnomalyKind? = nil, learning: Bool = false) -> AnomalyScore {
        AnomalyScore(value: value, kind: kind, learning: learning)
    }

    @Test(
        "The tracker: a spike opens at once (and becomes a level when it lasts), a level after three in a row; one problem is one alert; it resolves after 15 quiet minutes"
    )
    func tracker() {
        var tracker = AlertTracker()
        let minute: Int64 = 60_000_000_000
        #expect(tracker.observe(score(0.9, .spike), at: 0) == .open(kind: .spike, score: 0.9, at: 0))
        tracker.openID = 1
        #expect(tracker.observe(score(0.8, .level), at: minute) == .touch(id: 1, score: 0.8, at: minute, kind: .level))
        #expect(
            tracker.observe(score(0.7, .level), at: 2 * minute) == .touch(id: 1, score: 0.7, at: 2 * minute, kind: nil))
        #expect(tracker.observe(score(0.4), at: 5 * minute) == .none, "between thresholds: not quiet")
        #expect(tracker.observe(score(0.1), at: 10 * minute) == .none, "quiet, but not for 15 minutes yet")
        #expect(tracker.observe(score(0.1, learning: true), at: 30 * minute) == .none, "learning says nothing")
        #expect(tracker.observe(score(0.1), at: 17 * minute) == .resolve(id: 1, at: 17 * minute, reason: nil))
        #expect(tracker.observe(score(0.9, .level), at: 20 * minute) == .none)
        #expect(tracker.observe(score(0.9, .level), at: 21 * minute) == .none)
        #expect(
            tracker.observe(score(0.9, .drift), at: 22 * minute) == .open(kind: .level, score: 0.9, at: 22 * minute))
    }

    @Test(
        "A step that stays, through the detector and the tracker: one alert opens, and resolves once the level is the new normal, saying so"
    )
    func newNormalResolves() {
        var detector = SeriesDetector(settings: DetectorSettings(resolution: 0.1))
        var tracker = AlertTracker()
        let minute: Int64 = 60_000_000_000
        var state: UInt64 = 31
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
        var actions: [(Int, AlertTracker.Action)] = []
        let stepAt = 5 * 1440 + 600
        for index in 0..<(stepAt + 2 * 1440) {
            let noise = (uniform() + uniform()) * 0.25
            let value = ((20 + noise + (index >= stepAt ? 4 : 0)) * 10).rounded() / 10
            let action = tracker.observe(detector.score(value, at: Int64(index) * minute), at: Int64(index) * minute)
            if action != .none, case .touch = action {} else if action != .none { actions.append((index, action)) }
            if case .open = action { tracker.openID = Int64(actions.count) }
        }
        let opened = actions.filter { if case .open = $0.1 { return true } else { return false } }
        let resolved = actions.compactMap { entry -> (Int, String?)? in
            if case .resolve(_, _, let reason) = entry.1 { return (entry.0, reason) } else { return nil }
        }
        let openedAfterStep = opened.filter { $0.0 >= stepAt }
        #expect(openedAfterStep.count == 1 && openedAfterStep[0].0 - stepAt <= 5, "\(actions)")
        let settled = resolved.first { $0.0 > stepAt }
        #expect(settled?.1?.contains("now this series' normal") == true, "\(resolved)")
        #expect(settled.map { $0.0 - stepAt >= 200 && $0.0 - stepAt <= 480 } == true, "\(String(describing: settled))")
        #expect(
            AlertTracker.settledReason(.level, after: 200 * minute)
                == "the change of level lasted 3 h and settled: it is now this series' normal")
    }

    /// `count` one-minute readings from `start`: noise around 20 (its own for each `seed`), plus `shift(index)`.
    func readings(from start: Int64, count: Int, seed: UInt64, shift: (Int) -> Double = { _ in 0 }) -> [Sample] {
        var state = seed
        return (0..<count).map { index -> Sample in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = (Double(state >> 11) / Double(1 << 53) - 0.5) * 0.6
            return Sample(
                timestamp: start + Int64(index) * NS.minute, value: ((20 + noise + shift(index)) * 100).rounded() / 100)
        }
    }

    /// `readings` of `gw-a/t` in signed frames of an hour each.
    func frames(
        _ hub: HubFixture, from start: Int64, count: Int, sequence: UInt64, shift: (Int) -> Double = { _ in 0 }
    ) throws -> [[UInt8]] {
        let readings = readings(from: start, count: count, seed: sequence, shift: shift)
        return try stride(from: 0, to: count, by: 60).enumerated().map { part, offset in
            try hub.frame(sequence + UInt64(part), ["t": Array(readings[offset..<min(count, offset + 60)])])
        }
    }

    @Test(
        "At ingest: a lasting shift opens one alert, it is acknowledged, it resolves when the series is normal again; a late backlog is scored against its time and raises nothing",
        arguments: StoreBackend.allCases)
    func atIngest(backend: StoreBackend) async throws {
        var detection = DetectionConfiguration()
        detection.learningSamples = 300
        let hub = try await HubFixture(detection: detection, backend: backend)
        let engine = try #require(hub.detection)
        let start: Int64 = 1_800_000_000 * NS.second / NS.hour * NS.hour
        // 10 hours normal, 2 hours shifted by 3 (10 noise units), 2 hours normal again.
        let shifted = 600..<720
        for frame in try frames(hub, from: start, count: 840, sequence: 1, shift: { shifted.contains($0) ? 3 : 0 }) {
            guard case .acknowledged = await hub.pipeline.ingest(frame) else {
                Issue.record("frame refused")
                return
            }
        }
        await engine.settle()
        let all = try await hub.store.alerts(in: Set(Alert.State.allCases), limit: 10)
        #expect(all.count == 1, "one problem, one alert: \(all)")
        let alert = try #require(all.first)
        #expect(alert.series == SeriesKey(gateway: "gw-a", name: "t") && alert.kind == .level)
        #expect(alert.openedAt >= start + 600 * NS.minute && alert.openedAt <= start + 605 * NS.minute)
        #expect(alert.state == .resolved, "normal again for 15 minutes and more")
        #expect(engine.counters.scored == 840)

        // A second problem, acknowledged while it goes on.
        for frame in try frames(hub, from: start + 840 * NS.minute, count: 60, sequence: 100, shift: { _ in -4 }) {
            _ = await hub.pipeline.ingest(frame)
        }
        await engine.settle()
        let open = try #require(try await hub.store.alerts(in: [.firing], limit: 10).first)
        #expect(try await hub.store.acknowledgeAlert(open.id, by: "maria", note: "valve closed for service", at: start))
        #expect(try await hub.store.acknowledgeAlert(open.id, by: "maria", note: "again", at: start) == false)
        let acknowledged = try #require(try await hub.store.alerts(in: [.acknowledged], limit: 10).first)
        #expect(acknowledged.acknowledgedBy == "maria" && acknowledged.note == "valve closed for service")
        let fleet = try await QueryEngine(store: hub.store).fleet(now: start)
        #expect(fleet.first?.openAlerts == 1)

        // A normal backlog from long before arrives late: scored against the series' normal for
        // its time, quietly.
        for frame in try frames(hub, from: start - 600 * NS.minute, count: 60, sequence: 200) {
            _ = await hub.pipeline.ingest(frame)
        }
        await engine.settle()
        #expect(engine.counters.late == 60 && engine.counters.lateAnomalous == 0)
        // An absurd one is found anomalous, reading by reading, but it is a past before the open
        // alert: it neither opens an alert nor touches the open one.
        for frame in try frames(hub, from: start - 500 * NS.minute, count: 120, sequence: 300, shift: { _ in 50 }) {
            _ = await hub.pipeline.ingest(frame)
        }
        await engine.settle()
        #expect(engine.counters.late == 180 && engine.counters.lateAnomalous == 120)
        let after = try await hub.store.alerts(in: Set(Alert.State.allCases), limit: 10)
        #expect(after.count == 2)
        #expect(after.first { $0.id == open.id }?.lastAnomalyAt == acknowledged.lastAnomalyAt)
        #expect(engine.counters.scored == 900, "the series' own state moved only with in-order readings")
    }

    @Test(
        "A series first seen with a past learns it first: after an import, the first live readings are judged at once (a step opens its alert within minutes) and the past raises nothing; without the past, the same readings fall in the learning period",
        arguments: StoreBackend.allCases)
    func learnsItsPast(backend: StoreBackend) async throws {
        var detection = DetectionConfiguration()
        detection.learningSamples = 300
        let start: Int64 = 1_800_000_000 * NS.second / NS.hour * NS.hour
        let live = start + 600 * NS.minute
        var opened: [Backend: [Alert]] = [:]
        for past in [true, false] {
            let hub = try await HubFixture(detection: detection, backend: backend)
            let engine = try #require(hub.detection)
            if past {
                // Ten normal hours, with a spike in them: history, not news.
                let history = readings(from: start, count: 600, seed: 99, shift: { $0 == 500 ? 30 : 0 })
                try await ReadingsImport.run(
                    history, gateway: "gw-a", series: SeriesDescriptor(id: 0, name: "t"), into: hub.store)
            }
            for frame in try frames(hub, from: live, count: 60, sequence: 1, shift: { _ in 3 }) {
                guard case .acknowledged = await hub.pipeline.ingest(frame) else {
                    Issue.record("frame refused")
                    return
                }
            }
            await engine.settle()
            #expect(engine.counters.warmedUp == (past ? 600 : 0))
            #expect(engine.counters.scored == 60)
            opened[past ? .withPast : .without] = try await hub.store.alerts(in: Set(Alert.State.allCases), limit: 10)
        }
        let alert = try #require(opened[.withPast]?.first)
        #expect(opened[.withPast]?.count == 1, "the step, and nothing of the past")
        #expect(alert.kind == .level && alert.openedAt >= live && alert.openedAt <= live + 5 * NS.minute)
        #expect(opened[.without]?.isEmpty == true, "without a past, the first 300 readings only teach")
    }

    private enum Backend { case withPast, without }

    @Test(
        "Late readings within the hour are scored against a copy of the detector: normal ones quietly, an anomalous one counted; neither opens an alert, and the series' own state is untouched",
        arguments: StoreBackend.allCases)
    func lateWithinTheHour(backend: StoreBackend) async throws {
        var detection = DetectionConfiguration()
        detection.learningSamples = 300
        let hub = try await HubFixture(detection: detection, backend: backend)
        let engine = try #require(hub.detection)
        let start: Int64 = 1_800_000_000 * NS.second / NS.hour * NS.hour
        // 10 hours at one reading a minute, but a gap of 40 minutes from 9:00 to 9:40 …
        for frame in try frames(hub, from: start, count: 540, sequence: 1) { _ = await hub.pipeline.ingest(frame) }
        for frame in try frames(hub, from: start + 580 * NS.minute, count: 20, sequence: 50) {
            _ = await hub.pipeline.ingest(frame)
        }
        await engine.settle()
        #expect(engine.counters.scored == 560)
        // … whose readings arrive after the newer ones: normal values, scored quietly.
        for frame in try frames(hub, from: start + 540 * NS.minute, count: 40, sequence: 80) {
            _ = await hub.pipeline.ingest(frame)
        }
        await engine.settle()
        #expect(engine.counters.lateScored == 40 && engine.counters.late == 0)
        #expect(engine.counters.lateAnomalous == 0, "normal late readings are not anomalous")
        // A late spike (the same minute, sent again with another sequence) is anomalous; no alert opens for it.
        let spike = try hub.frame(90, ["t": [Sample(timestamp: start + 545 * NS.minute + NS.second, value: 35)]])
        _ = await hub.pipeline.ingest(spike)
        await engine.settle()
        #expect(engine.counters.lateAnomalous == 1)
        #expect(
            try await hub.store.alerts(in: Set(Alert.State.allCases), limit: 10).isEmpty,
            "a late reading never opens an alert")
        // Fresh readings are still scored against the series' own state, which the late ones did not move.
        for frame in try frames(hub, from: start + 600 * NS.minute, count: 30, sequence: 100) {
            _ = await hub.pipeline.ingest(frame)
        }
        await engine.settle()
        #expect(engine.counters.scored == 590)
        #expect(try await hub.store.alerts(in: Set(Alert.State.allCases), limit: 10).isEmpty)
    }
}
