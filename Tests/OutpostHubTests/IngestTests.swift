import OutpostHub
import OutpostTestSupport
import OutpostWire
import Testing

@Suite("Ingest: dedupe, late data, clock correction, bad frames")
struct IngestTests {
    @Test(
        "A frame is stored once: a second copy is acknowledged and ignored; values and times are exact",
        arguments: StoreBackend.allCases)
    func dedupe(backend: StoreBackend) async throws {
        let hub = try await HubFixture(backend: backend)
        let base: Int64 = 1_800_000_000 * NS.second
        let readings = samples(from: base, every: NS.second, count: 30) { Double($0) * 0.25 - 3.5 }
        let frame = try hub.frame(1, ["t": readings])
        guard case .acknowledged(let ack, let gateway, let duplicate) = await hub.pipeline.ingest(frame) else {
            Issue.record("not acknowledged")
            return
        }
        #expect(ack.sequences == [1] && gateway == "gw-a" && !duplicate)
        guard case .acknowledged(_, _, let again) = await hub.pipeline.ingest(frame) else {
            Issue.record("second copy not acknowledged")
            return
        }
        #expect(again)
        let engine = QueryEngine(store: hub.store)
        let stored = try await engine.range(SeriesKey(gateway: "gw-a", name: "t"), base...(base + NS.hour))
        #expect(stored == readings)
        #expect(hub.pipeline.counters.snapshot.framesApplied == 1)
        #expect(hub.pipeline.counters.snapshot.duplicates == 1)
        #expect(try await hub.store.gateways().first { $0.id == "gw-a" }?.seriesCount == 1)
        let latest = try await engine.latest(gateway: "gw-a")
        #expect(latest.map(\.value) == [readings.last!.value])
        #expect(latest.map(\.timestamp) == [readings.last!.timestamp])
    }

    @Test(
        "Frames arriving together are applied in one transaction, each acknowledged", arguments: StoreBackend.allCases)
    func groupCommit(backend: StoreBackend) async throws {
        let hub = try await HubFixture(backend: backend)
        let base: Int64 = 1_800_000_000 * NS.second
        let frames = try (1...40).map { sequence in
            try hub.frame(
                UInt64(sequence),
                ["s": samples(from: base + Int64(sequence) * NS.minute, every: NS.second, count: 10) { Double($0) }])
        }
        let pipeline = hub.pipeline
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for frame in frames {
                group.addTask {
                    if case .acknowledged = await pipeline.ingest(frame) { return true }
                    return false
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.count == 40 && outcomes.allSatisfy { $0 })
        let counters = hub.pipeline.counters.snapshot
        #expect(counters.framesApplied == 40 && counters.readings == 400)
        #expect(counters.commits < 40, "\(counters.commits) transactions for 40 frames arriving together")
    }

    @Test(
        "A three-day backlog arriving after fresh data lands in place and corrects the rollups",
        arguments: StoreBackend.allCases)
    func lateBacklog(backend: StoreBackend) async throws {
        let hub = try await HubFixture(backend: backend)
        let now: Int64 = 1_800_000_000 * NS.second / NS.hour * NS.hour  // on an hour boundary
        let key = SeriesKey(gateway: "gw-a", name: "p")
        let fresh = samples(from: now, every: 10 * NS.second, count: 30) { 100 + Double($0) }
        _ = await hub.pipeline.ingest(try hub.frame(1000, ["p": fresh]))
        // The backlog: three days, one frame per 6 hours of 1-minute readings, sent oldest first.
        var backlog: [Sample] = []
        for part in 0..<12 {
            let start = now - 3 * NS.day + Int64(part) * 6 * NS.hour
            let readings = samples(from: start, every: NS.minute, count: 360) {
                Double(part * 360 + $0).truncatingRemainder(dividingBy: 97)
            }
            backlog += readings
            guard case .acknowledged = await hub.pipeline.ingest(try hub.frame(UInt64(part + 1), ["p": readings]))
            else {
                Issue.record("backlog frame \(part) refused")
                return
            }
        }
        // And a late reading inside the fresh data's first minute, arriving last.
        let late = [Sample(timestamp: now + 5 * NS.second, value: -7)]
        _ = await hub.pipeline.ingest(try hub.frame(2000, ["p": late]))
        let everything = (backlog + fresh + late).sorted { $0.timestamp < $1.timestamp }
        let engine = QueryEngine(store: hub.store)
        #expect(try await engine.range(key, (now - 4 * NS.day)...(now + NS.hour)) == everything)
        // Rollups, whichever level answers, equal what the samples say.
        for level in RollupLevel.allCases {
            let rollups = try await hub.store.rollups(of: key, level: level, in: (now - 4 * NS.day)...(now + NS.hour))
            var expected: [Int64: Aggregate] = [:]
            for sample in everything {
                expected[level.bucket(of: sample.timestamp), default: .empty].add(sample.value, quality: sample.quality)
            }
            #expect(rollups.count == expected.count)
            for bucket in rollups {
                #expect(bucket.aggregate == expected[bucket.start], "\(level) bucket \(bucket.start)")
            }
        }
        let firstMinute = try await hub.store.rollups(of: key, level: .minute, in: now...now)
        #expect(firstMinute.first?.aggregate.min == -7, "the late reading corrected the minute already written")
        #expect(firstMinute.first?.aggregate.count == 7)
        // A 3-day chart in 72 buckets comes from the hourly rollups.
        let chart = try await engine.buckets(key, (now - 3 * NS.day)...(now - 1), count: 72)
        #expect(chart.source == "hour" && chart.buckets.count == 72)
        #expect(chart.buckets.reduce(0) { $0 + $1.aggregate.count } == Int64(backlog.count))
    }

    @Test(
        "Readings taken before the clock was synchronised get true times from the boot's offset",
        arguments: StoreBackend.allCases)
    func clockCorrection(backend: StoreBackend) async throws {
        let received: Int64 = 1_800_000_000 * NS.second
        let hub = try await HubFixture(now: { received }, backend: backend)
        // The board booted with its clock at 1970 + 100 s; the frame was made 1000 s after boot.
        let wrongWall: Int64 = 100 * NS.second
        let readings = samples(from: wrongWall, every: NS.second, count: 10) { Double($0) }
        let frame = try hub.frame(
            1, ["x": readings], clock: .unsynchronised, createdAt: wrongWall + 20 * NS.second,
            monotonic: 1000 * NS.second,
            firstMonotonic: ["x": 980 * NS.second])
        _ = await hub.pipeline.ingest(frame)
        // Sample 0 was taken at monotonic 980 s, 20 s before the frame reached the hub.
        let stored = try await QueryEngine(store: hub.store).range(
            SeriesKey(gateway: "gw-a", name: "x"), (received - NS.hour)...(received + NS.hour))
        #expect(stored.map(\.timestamp) == (0..<10).map { received - 20 * NS.second + Int64($0) * NS.second })
        #expect(stored.map(\.value) == readings.map(\.value))
        let gateway = try #require(try await hub.store.gateways().first)
        #expect(gateway.clockOffset == wrongWall + 20 * NS.second - received, "its clock is that far behind")
    }

    @Test(
        "Every kind of bad frame is refused with its reason, counted, and harms nothing",
        arguments: StoreBackend.allCases)
    func badFrames(backend: StoreBackend) async throws {
        let hub = try await HubFixture(backend: backend)
        let base: Int64 = 1_800_000_000 * NS.second
        let good = try hub.frame(1, ["t": samples(from: base, every: NS.second, count: 5) { Double($0) }])
        var crc = good
        crc[crc.count / 2] ^= 0x40
        var version = good
        version[4] = 99
        let stranger = try await HubFixture(gateway: "gw-z", backend: backend)
        let unknown = try stranger.frame(1, ["t": [Sample(timestamp: base, value: 1)]])
        var forged = try stranger.frame(2, ["t": [Sample(timestamp: base, value: 1)]])
        forged = try {
            // A frame claiming gw-a but signed by another key: re-sign stranger's frame as gw-a.
            var frame = try FrameDecoder().decode(forged, verifier: AcceptAnySignature())
            frame.gatewayID = "gw-a"
            return try frame.encoded(signer: stranger.signer)
        }()
        let cases: [(String, [UInt8], Bool)] = [
            ("crc_mismatch", Array(good.prefix(good.count / 2)), false),
            ("bad_magic", Array("GARBAGE!GARBAGE!".utf8), false),
            ("unknown_version", version, false), ("crc_mismatch", crc, false), ("unknown_gateway", unknown, false),
            ("bad_signature", forged, false), ("invalid_json", Array("{\"gateway\": 3}".utf8), true),
            ("truncated", [], false),
        ]
        for (reason, bytes, json) in cases {
            guard case .refused(let refusal) = await hub.pipeline.ingest(bytes, json: json) else {
                Issue.record("\(reason): accepted")
                continue
            }
            #expect(refusal.reason.rawValue == reason, "\(refusal)")
        }
        guard case .refused(let mismatch) = await hub.pipeline.ingest(good, topicGateway: "gw-b") else {
            Issue.record("a frame on another gateway's topic was accepted")
            return
        }
        #expect(mismatch.reason == .topicMismatch)
        #expect(try await hub.store.series(gateway: nil).isEmpty, "nothing stored")
        // The store still takes good frames, and the refusals are on record for operators.
        guard case .acknowledged = await hub.pipeline.ingest(good) else {
            Issue.record("the good frame was refused")
            return
        }
        let refusals = try await hub.store.refusals()
        #expect(
            Set(refusals.map(\.reason)).isSuperset(of: [
                "crc_mismatch", "unknown_gateway", "bad_signature", "topic_mismatch",
            ]))
        #expect(refusals.reduce(0) { $0 + $1.count } == Int64(cases.count + 1))
        // A revoked gateway is refused from then on.
        #expect(try await hub.store.revoke(gateway: "gw-a", at: base))
        try await hub.registry.reload(from: hub.store)
        guard
            case .refused(let revoked) = await hub.pipeline.ingest(
                try hub.frame(9, ["t": [Sample(timestamp: base, value: 1)]]))
        else {
            Issue.record("a revoked gateway's frame was accepted")
            return
        }
        #expect(revoked.reason == .revokedGateway)
    }
}
