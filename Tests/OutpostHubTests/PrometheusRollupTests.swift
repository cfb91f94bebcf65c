import Foundation
import OutpostTestSupport
import OutpostWire
import Testing

@testable import OutpostHub

/// `*_over_time` from the minute and hour rollups, when windows and times are whole buckets;
/// raw samples from an instant query of a range; `series` narrowed by `start`.
@Suite("The Prometheus API's answers from rollups and raw ranges")
struct PrometheusRollupTests {
    static let start = PrometheusAPITests.start

    func evaluate(_ hub: HubFixture, _ query: String, at times: [Int64], budget: Int = 2_000_000) async throws
        -> [Double?]
    {
        let value = try await PromQLEvaluator(store: hub.store, maxSamples: budget).evaluate(
            PromQL(parsing: query), at: times)
        guard case .vector(let vector) = value, vector.count == 1, let values = vector.values.first else {
            throw HubTestFailure("\(query) did not give one series")
        }
        return values
    }

    /// Ingests one frame of `series` into `hub`.
    func ingest(_ hub: HubFixture, _ series: [String: [Sample]]) async throws {
        guard case .acknowledged = await hub.pipeline.ingest(try hub.frame(1, series)) else {
            throw HubTestFailure("not acknowledged")
        }
    }

    @Test("On whole minutes and hours the rollups answer exactly what raw samples give a nanosecond earlier")
    func rollupsEqualRaw() async throws {
        let hub = try await HubFixture()
        // Two hours at 1 s, a sample on every minute's first nanosecond, one invalid.
        let gauge = samples(from: Self.start, every: NS.second, count: 7_200) { index in
            index == 4_000 ? .nan : PrometheusAPITests.gauge(index)
        }
        try await ingest(hub, ["room.temp": gauge])
        // A rollup window is [t − w, t); the raw window ending a nanosecond before t,
        // (t − w − 1 ns, t − 1 ns], holds the same samples.
        for (window, step) in [("1m", NS.minute), ("5m", NS.minute), ("1h", NS.hour), ("2h", NS.hour)] {
            let times = Array(stride(from: Self.start + step, through: Self.start + 2 * NS.hour, by: Int(step)))
            #expect(
                PromQLEvaluator.rollupLevel(for: .avgOverTime, width: try promQLDuration(window), times: times)
                    == (step == NS.hour ? .hour : .minute))
            for function in ["avg", "min", "max", "sum", "count"] {
                let query = "\(function)_over_time(room_temp[\(window)])"
                let rolled = try await evaluate(hub, query, at: times)
                let raw = try await evaluate(hub, query, at: times.map { $0 - 1 })
                let differing = zip(rolled, raw).filter { pair in
                    guard let a = pair.0, let b = pair.1 else { return true }
                    return !a.isNearly(b)
                }.count
                #expect(rolled.count == times.count && differing == 0, "\(query): \(differing) differ")
            }
        }
        // Not whole buckets (a time off the minute, a 90 s window, last_over_time): raw samples.
        #expect(PromQLEvaluator.rollupLevel(for: .avgOverTime, width: 90 * NS.second, times: [Self.start]) == nil)
        #expect(PromQLEvaluator.rollupLevel(for: .avgOverTime, width: NS.minute, times: [Self.start + 1]) == nil)
        #expect(PromQLEvaluator.rollupLevel(for: .lastOverTime, width: NS.hour, times: [Self.start]) == nil)
        #expect(PromQLEvaluator.rollupLevel(for: .rate, width: NS.hour, times: [Self.start]) == nil)
    }

    @Test("Thirty days at one reading a minute: hourly panels read the rollups, within a budget raw reads exceed")
    func longRangeWithinBudget() async throws {
        let hub = try await HubFixture()
        let month = samples(from: Self.start, every: NS.minute, count: 30 * 1_440) { Double($0 % 1_440) }
        try await ingest(hub, ["room.temp": month])
        let hours = (1...720).map { Self.start + Int64($0) * NS.hour }
        // 720 hourly rows against a budget of 1,000: each hour's mean of its 60 minutes.
        let means = try await evaluate(hub, "avg_over_time(room_temp[1h])", at: hours, budget: 1_000)
        let expected = hours.map { time -> Double in
            let first = Int((time - NS.hour - Self.start) / NS.minute) % 1_440
            return Double(first) + 29.5
        }
        #expect(means.count == 720 && zip(means, expected).allSatisfy { $0 == $1 })
        let counts = try await evaluate(hub, "count_over_time(room_temp[1d])", at: [Self.start + 30 * NS.day])
        #expect(counts == [1_440])
        // The same hours asked a second off the hour read the 43,200 raw samples: refused.
        await #expect(throws: PromQLError.self) {
            _ = try await evaluate(hub, "avg_over_time(room_temp[1h])", at: hours.map { $0 - NS.second }, budget: 1_000)
        }
        // A month-wide window at 11,000 one-minute steps reads the 43,200 minute rows once but
        // would merge them 475 million times: refused by what its windows take in.
        let minutes = (1...11_000).map { Self.start + 30 * NS.day - Int64($0) * NS.minute }.reversed()
        await #expect(throws: PromQLError.self) {
            _ = try await evaluate(hub, "avg_over_time(room_temp[30d])", at: Array(minutes))
        }
        // The same from raw samples (times a second off the minute).
        await #expect(throws: PromQLError.self) {
            _ = try await evaluate(hub, "max_over_time(room_temp[30d])", at: minutes.map { $0 - NS.second })
        }
        // A selector at hourly steps reads only each time's five-minute window, not the month.
        let newest = try await evaluate(hub, "room_temp", at: hours, budget: 720 * 5)
        #expect(newest.count == 720 && newest.allSatisfy { $0 != nil })
    }

    @Test("A gateway that only sent minute summaries still answers *_over_time from its rollups")
    func summariesAnswer() async throws {
        let hub = try await HubFixture()
        let readings = samples(from: Self.start, every: NS.second, count: 600) { PrometheusAPITests.gauge($0) }
        var summaries = MinuteSummaries()
        for sample in readings { summaries.add(sample, series: 0, resolution: Resolution(parsing: "0.01")) }
        let frame = BatchFrame(
            summarising: hub.gateway, sequence: 1, bootID: hub.bootID, clockState: .synchronised,
            createdAt: Self.start + 600 * NS.second, createdMonotonic: 600 * NS.second,
            series: [SeriesDescriptor(id: 0, name: "room.temp", unit: "°C", resolution: Resolution(parsing: "0.01"))],
            summaries: summaries.summaries)
        guard case .acknowledged = await hub.pipeline.ingest(try frame.encoded(signer: hub.signer)) else {
            throw HubTestFailure("not acknowledged")
        }
        let end = Self.start + 10 * NS.minute
        #expect(try await evaluate(hub, "count_over_time(room_temp[10m])", at: [end]) == [600])
        let mean = readings.map(\.value).reduce(0, +) / 600
        let answer = try await evaluate(hub, "avg_over_time(room_temp[10m])", at: [end])
        #expect(answer.first??.isNearly(mean) == true, "\(answer) vs \(mean)")
    }

    @Test(
        "Many series' chunks in one read are each series' own, an unknown series none", arguments: StoreBackend.allCases
    )
    func batchedChunks(backend: StoreBackend) async throws {
        let hub = try await HubFixture(backend: backend)
        // "c" holds characters beyond ASCII and a tab: it reads back whole.
        let series = ["a": 0.0, "b": 100.0, "c\tÄ": 200.0].mapValues { base in
            samples(from: Self.start, every: NS.second, count: 600) { base + Double($0) }
        }
        try await ingest(hub, series)
        // The catalogue, read straight from SQLite's columns: text (a unit beyond ASCII), kind,
        // resolution and the newest reading's time, each as stored.
        let catalogue = try await hub.store.series(gateway: hub.gateway)
        #expect(catalogue.map(\.key.name) == ["a", "b", "c\tÄ"])
        #expect(catalogue.allSatisfy { $0.unit == "°C" && $0.kind == .gauge && $0.resolution?.description == "0.01" })
        #expect(catalogue.allSatisfy { $0.newest == Self.start + 599 * NS.second })
        #expect(try await hub.store.series(gateway: nil).map(\.key) == catalogue.map(\.key))
        let keys = ["c\tÄ", "missing", "a", "b"].map { SeriesKey(gateway: hub.gateway, name: $0) }
        let range = (Self.start + 100 * NS.second)...(Self.start + 200 * NS.second)
        let batched = try await hub.store.chunks(of: keys, overlapping: range)
        #expect(batched.count == 4 && batched[1].isEmpty)
        for (key, chunks) in zip(keys, batched) {
            let alone = try await hub.store.chunks(of: key, overlapping: range)
            #expect(chunks.map(\.record) == alone.map(\.record), "\(key.name)")
            let values = try QueryEngine.samples(of: chunks, in: range).map(\.value)
            #expect(values == (key.name == "missing" ? [] : (100...200).map { series[key.name]?[$0].value ?? .nan }))
        }
        // A fleet-wide instant selector reads them together and gives each its newest.
        let newest = try await PromQLEvaluator(store: hub.store, maxSamples: 10_000).evaluate(
            PromQL(parsing: #"{gateway="\#(hub.gateway)"}"#), at: [Self.start + 200 * NS.second])
        guard case .vector(let vector) = newest else { throw HubTestFailure("not a vector") }
        #expect(Set(vector.compactMap { $0.value.first ?? nil }) == [200, 300, 400])
    }

    @Test("The Grafana dashboard's queries, its variables filled in as Grafana does, are answered")
    func grafanaDashboard() async throws {
        let hub = try await HubFixture()
        let gauge = samples(from: Self.start, every: NS.second, count: 600) { PrometheusAPITests.gauge($0) }
        try await ingest(hub, ["room.temp": gauge])
        let text = try String(contentsOfFile: packageRoot() + "/docs/grafana/outpost-fleet.json", encoding: .utf8)
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let panels = dashboard["panels"] as? [[String: Any]] ?? []
        let expressions = panels.flatMap {
            ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        }
        #expect(expressions.count >= 3)
        let times = (1...10).map { Self.start + Int64($0) * NS.minute }
        for expression in expressions {
            let query = expression.replacingOccurrences(of: "$gateway", with: ".*")
                .replacingOccurrences(of: "$series", with: ".*").replacingOccurrences(of: "$__interval", with: "1m")
            let value = try await PromQLEvaluator(store: hub.store, maxSamples: 100_000).evaluate(
                PromQL(parsing: query), at: times)
            guard case .vector(let vector) = value else {
                Issue.record("\(query): not a vector")
                continue
            }
            // The counter panel has no counter to show here; the others show the gauge.
            #expect(query.contains("counter") ? vector.isEmpty : vector.count == 1, "\(query)")
        }
    }

    @Test("An instant query of a range gives the raw samples in (t − w, t]; timestamp() gives the newest's time")
    func rawRange() async throws {
        let hub = try await HubFixture()
        let gauge = samples(from: Self.start, every: NS.second, count: 600) { PrometheusAPITests.gauge($0) }
        try await ingest(hub, ["room.temp": gauge])
        guard case .range(let selector, let width) = try PromQL(parsing: "room_temp[1m]") else {
            throw HubTestFailure("not a range")
        }
        let evaluator = PromQLEvaluator(store: hub.store, maxSamples: 1_000)
        let raw = try await evaluator.samples(selector, width: width, at: Self.start + 2 * NS.minute)
        let times = raw.values.first?.map(\.timestamp) ?? []
        #expect(times == (61...120).map { Self.start + Int64($0) * NS.second })
        #expect(raw.keys.first?["series"] == "room.temp")
        // timestamp(): the newest sample's time in seconds, without the metric name.
        let stamp = try await evaluate(hub, "timestamp(room_temp)", at: [Self.start + 2 * NS.minute + NS.second / 2])
        #expect(stamp == [Double(Self.start / NS.second + 120)])
        #expect(throws: PromQLError.self) { try PromQL(parsing: "timestamp(room_temp[5m])") }
        let age = try await evaluate(hub, "time() - timestamp(room_temp)", at: [Self.start + 11 * NS.minute])
        #expect(age == [61])  // the last of 600 readings was at 9:59
        await #expect(throws: PromQLError.self) {
            _ = try await PromQLEvaluator(store: hub.store, maxSamples: 59).samples(
                selector, width: width, at: Self.start + 2 * NS.minute)
        }
    }
}

extension Double {
    fileprivate func isNearly(_ other: Double) -> Bool { abs(self - other) <= 1e-9 * Swift.max(1, abs(other)) }
}

/// A PromQL duration as the parser reads it (`5m` → ns).
func promQLDuration(_ text: String) throws -> Int64 {
    guard case .function(_, .range(_, let width)) = try PromQL(parsing: "avg_over_time(x[\(text)])") else {
        throw HubTestFailure("not a duration: \(text)")
    }
    return width
}
