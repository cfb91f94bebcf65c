import OutpostHub
import OutpostTestSupport
import OutpostWire
import Testing

/// A gateway at its data budget sends a batch's minute summaries first and the readings later
/// (docs/wire-format.md, "Summary frames"): the hub must end with exactly what the readings
/// alone would have given it.
@Suite("Ingest of summary frames and the deferred readings they stand for")
struct SummaryIngestTests {
    let base: Int64 = 1_800_000_000 * NS.second + 17 * NS.second

    /// Ten minutes of one series at 1 Hz with a resolution of 0.01 (as `HubFixture.frame`).
    var readings: [Sample] {
        samples(from: base, every: NS.second, count: 600) { index in
            index == 90 ? .nan : 20 + Double((index * 37) % 251) / 100
        }
    }

    func summaryFrame(_ hub: HubFixture, sequence: UInt64, of readings: [Sample], shiftMinute: Int64 = 0) throws
        -> [UInt8]
    {
        var summaries = MinuteSummaries()
        for sample in readings { summaries.add(sample, series: 0, resolution: Resolution(parsing: "0.01")) }
        var entries = summaries.summaries
        for index in entries.indices { entries[index].minute += shiftMinute }
        let frame = BatchFrame(
            summarising: hub.gateway, sequence: sequence, bootID: hub.bootID, clockState: .synchronised,
            createdAt: base + 600 * NS.second, createdMonotonic: 600 * NS.second,
            series: [SeriesDescriptor(id: 0, name: "t", unit: "°C", resolution: Resolution(parsing: "0.01"))],
            summaries: entries)
        return try frame.encoded(signer: hub.signer)
    }

    func deferredFrame(_ hub: HubFixture, sequence: UInt64, of readings: [Sample]) throws -> [UInt8] {
        let bytes = try hub.frame(sequence, ["t": readings])
        var frame = try FrameDecoder().decode(bytes, verifier: AcceptAnySignature())
        frame.kind = .deferredReadings
        return try frame.encoded(signer: hub.signer)
    }

    func rollups(_ hub: HubFixture, _ level: RollupLevel) async throws -> [RollupBucket] {
        try await hub.store.rollups(
            of: SeriesKey(gateway: hub.gateway, name: "t"), level: level, in: (base - NS.day)...(base + NS.day))
    }

    @Test(
        "Summary then readings, or readings then summary, end where the readings alone end",
        arguments: StoreBackend.allCases)
    func equivalence(backend: StoreBackend) async throws {
        let plain = try await HubFixture(backend: backend)
        guard case .acknowledged = await plain.pipeline.ingest(try plain.frame(1, ["t": readings])) else {
            Issue.record("readings not acknowledged")
            return
        }
        for summaryFirst in [true, false] {
            let budget = try await HubFixture(backend: backend)
            let summary = try summaryFrame(budget, sequence: 2, of: readings)
            let deferred = try deferredFrame(budget, sequence: 1, of: readings)
            let order = summaryFirst ? [summary, deferred] : [deferred, summary]
            guard case .acknowledged(let first, _, false) = await budget.pipeline.ingest(order[0]) else {
                Issue.record("first frame not acknowledged")
                return
            }
            #expect(first.sequences == [summaryFirst ? 2 : 1])
            let engine = QueryEngine(store: budget.store)
            let key = SeriesKey(gateway: budget.gateway, name: "t")
            if summaryFirst {
                // Before the readings come: minutes and hours whole, no raw readings, the newest value known.
                #expect(try await engine.range(key, (base - NS.hour)...(base + NS.hour)).isEmpty)
                #expect(try await rollups(budget, .minute).reduce(0) { $0 + $1.aggregate.count } == 600)
                let latest = try await engine.latest(gateway: budget.gateway)
                #expect(latest.map(\.value) == [readings.last?.value])
                #expect(latest.map(\.timestamp) == [readings.last?.timestamp])
            }
            guard case .acknowledged(_, _, false) = await budget.pipeline.ingest(order[1]) else {
                Issue.record("second frame not acknowledged")
                return
            }
            // Again, as after a lost acknowledgement: duplicates change nothing.
            for frame in order {
                guard case .acknowledged(_, _, true) = await budget.pipeline.ingest(frame) else {
                    Issue.record("a copy was not a duplicate")
                    return
                }
            }
            let stored = try await engine.range(key, (base - NS.hour)...(base + NS.hour))
            let expected = try await QueryEngine(store: plain.store).range(
                SeriesKey(gateway: plain.gateway, name: "t"), (base - NS.hour)...(base + NS.hour))
            let same =
                stored.map { "\($0.timestamp) \($0.value.bitPattern)" }
                == expected.map {
                    "\($0.timestamp) \($0.value.bitPattern)"
                }
            #expect(stored.count == 600 && same, "the deferred readings are stored as the readings alone are")
            for level in RollupLevel.allCases {
                let expected = try await rollups(plain, level)
                let got = try await rollups(budget, level)
                #expect(got.map(\.start) == expected.map(\.start), "\(level)")
                for (a, b) in zip(got, expected) {
                    #expect(a.aggregate.count == b.aggregate.count && a.aggregate.validCount == b.aggregate.validCount)
                    #expect(a.aggregate.min == b.aggregate.min && a.aggregate.max == b.aggregate.max)
                    #expect(abs(a.aggregate.sum - b.aggregate.sum) < 1e-6, "\(a.aggregate.sum) vs \(b.aggregate.sum)")
                }
            }
            #expect(
                try await QueryEngine(store: budget.store).latest(gateway: budget.gateway).map(\.timestamp)
                    == [readings.last?.timestamp])
        }
    }

    @Test("A summary whose minutes lie outside the times a reading can have is refused, nothing stored")
    func implausibleMinutes() async throws {
        let hub = try await HubFixture()
        // 2200-01-01 is minute 3,786,825,600 / 60 after the epoch; push the entries beyond it.
        let far = try summaryFrame(hub, sequence: 1, of: readings, shiftMinute: 7_258_118_400 / 60)
        guard case .refused(let refusal) = await hub.pipeline.ingest(far) else {
            Issue.record("a summary centuries away was accepted")
            return
        }
        #expect(refusal.reason == .implausibleTime, "\(refusal)")
        #expect(try await rollups(hub, .minute).isEmpty)
    }
}
