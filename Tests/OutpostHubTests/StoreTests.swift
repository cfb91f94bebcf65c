import Foundation
import OutpostHub
import OutpostTestSupport
import OutpostWire
import Testing

@Suite("The store: queries by level, compaction, retention, import")
struct StoreTests {
    /// Two days of 10-second readings of one series, in 1-minute frames.
    func filled(_ backend: StoreBackend) async throws -> (HubFixture, SeriesKey, [Sample], Int64) {
        let hub = try await HubFixture(backend: backend)
        let start: Int64 = 1_800_000_000 * NS.second / NS.day * NS.day
        var all: [Sample] = []
        for frame in 0..<(2 * 24 * 60) {
            var readings = samples(from: start + Int64(frame) * NS.minute, every: 10 * NS.second, count: 6) {
                (sin(Double(frame * 6 + $0) / 50) * 1000).rounded() / 100
            }
            if frame % 97 == 0 { readings[2].quality = Quality(.bad, code: 1) }
            all += readings
            _ = await hub.pipeline.ingest(try hub.frame(UInt64(frame + 1), ["v": readings]))
        }
        return (hub, SeriesKey(gateway: "gw-a", name: "v"), all, start)
    }

    func expectedBuckets(_ all: [Sample], origin: Int64, width: Int64) -> [Int64: Aggregate] {
        var expected: [Int64: Aggregate] = [:]
        for sample in all {
            expected[origin + (sample.timestamp - origin) / width * width, default: .empty].add(
                sample.value, quality: sample.quality)
        }
        return expected
    }

    @Test(
        "Buckets come from raw chunks, 1-minute or 1-hour rollups as the range needs, and agree with the samples",
        arguments: StoreBackend.allCases)
    func bucketsByLevel(backend: StoreBackend) async throws {
        let (hub, key, all, start) = try await filled(backend)
        let engine = QueryEngine(store: hub.store)
        for (span, count, source) in [(NS.hour, 240, "raw"), (NS.day, 144, "minute"), (2 * NS.day, 48, "hour")] {
            let answer = try await engine.buckets(key, start...(start + span - 1), count: count)
            #expect(answer.source == source)
            let inRange = all.filter { $0.timestamp < start + span }
            let expected = expectedBuckets(inRange, origin: start, width: answer.width)
            #expect(answer.buckets.count == expected.count)
            for bucket in answer.buckets {
                let want = try #require(expected[bucket.start])
                #expect(bucket.aggregate.count == want.count && bucket.aggregate.validCount == want.validCount)
                // A bucket of bad readings only has no min or max (NaN on both sides).
                #expect(bucket.aggregate.min.bitPattern == want.min.bitPattern || bucket.aggregate.min == want.min)
                #expect(bucket.aggregate.max.bitPattern == want.max.bitPattern || bucket.aggregate.max == want.max)
                #expect(abs(bucket.aggregate.sum - want.sum) < 1e-6)
            }
        }
    }

    @Test(
        "Compaction merges small chunks without changing any answer; retention drops old levels",
        arguments: StoreBackend.allCases)
    func compactionAndRetention(backend: StoreBackend) async throws {
        let (hub, key, all, start) = try await filled(backend)
        let engine = QueryEngine(store: hub.store)
        let whole = start...(start + 2 * NS.day)
        let before = try await engine.range(key, whole)
        let beforeBuckets = try await engine.buckets(key, whole, count: 100).buckets
        let chunksBefore = try await hub.store.chunks(of: key, overlapping: whole).count
        let bytesBefore = try await hub.store.diskBytes()
        let report = try await hub.store.compact(settledBefore: start + 2 * NS.day, targetCount: 1024)
        #expect(report.chunksMerged == chunksBefore && report.chunksWritten < chunksBefore / 100)
        #expect(try await engine.range(key, whole).elementsEqual(before) { $0.isIdentical(to: $1) })
        #expect(try await engine.buckets(key, whole, count: 100).buckets == beforeBuckets)
        #expect(
            try await engine.range(key, (start + NS.hour + 5 * NS.second)...(start + NS.hour + 35 * NS.second))
                == Array(all[361..<364]))
        _ = bytesBefore  // disk reuse is the file's business; the chunk count is the measure
        // Retention: keep raw 1 day, minutes 1 day, hours forever, as of the end of day 2.
        let expiry = try await hub.store.expire(
            policy: RetentionPolicy(raw: .seconds(86_400), minute: .seconds(86_400), hour: nil), now: start + 2 * NS.day
        )
        #expect(expiry.chunksExpired > 0 && expiry.bucketsExpired > 0)
        // A merged chunk of 1,024 readings spans under 3 hours: one that straddles the cut stays whole.
        #expect(try await engine.range(key, start...(start + NS.day - 3 * NS.hour)).isEmpty)
        #expect(try await engine.range(key, (start + NS.day + NS.hour)...(start + 2 * NS.day)).count > 0)
        #expect(try await hub.store.rollups(of: key, level: .hour, in: whole).count == 48)
    }

    @Test(
        "Rollup rows stay exact when a series' resolution changes between readings of one bucket",
        arguments: StoreBackend.allCases)
    func rollupAcrossResolutions(backend: StoreBackend) async throws {
        let hub = try await HubFixture(backend: backend)
        let start: Int64 = 1_800_000_000 * NS.second / NS.minute * NS.minute
        let coarse = [Sample(timestamp: start, value: 231.45), Sample(timestamp: start + NS.second, value: 229.1)]
        let fine = [
            Sample(timestamp: start + 2 * NS.second, value: 1.234567891),
            Sample(timestamp: start + 3 * NS.second, value: 240.5),
        ]
        try await ReadingsImport.run(
            coarse, gateway: "m", series: SeriesDescriptor(id: 0, name: "v", resolution: Resolution(parsing: "0.01")),
            into: hub.store)
        let key = SeriesKey(gateway: "m", name: "v")
        let first = try #require(try await hub.store.rollups(of: key, level: .minute, in: start...start).first)
        #expect(first.aggregate == Aggregate(count: 2, validCount: 2, min: 229.1, max: 231.45, sum: 231.45 + 229.1))
        try await ReadingsImport.run(fine, gateway: "m", series: SeriesDescriptor(id: 0, name: "v"), into: hub.store)
        let merged = try #require(try await hub.store.rollups(of: key, level: .minute, in: start...start).first)
        #expect(merged.aggregate.count == 4 && merged.aggregate.validCount == 4)
        #expect(merged.aggregate.min == 1.234567891 && merged.aggregate.max == 240.5)
    }

    @Test(
        "CSV import and export round-trip exactly; a bad file names its lines and stores nothing",
        arguments: StoreBackend.allCases)
    func importExport(backend: StoreBackend) async throws {
        let hub = try await HubFixture(backend: backend)
        let csv = """
            timestamp,value
            2026-11-20T00:00:00Z,1.5
            2026-11-20T00:00:01.25Z,-2
            1795132802.5,nan
            2026-11-20T01:00:00.000000001+01:00,3e-7,bad/4
            """
        let parsed = try CSVReadings.parse(Array(csv.utf8))
        #expect(parsed.count == 4)
        #expect(parsed[1].timestamp == parsed[0].timestamp + 1_250_000_000)
        #expect(parsed[3].timestamp == parsed[0].timestamp + 1 && parsed[3].quality == Quality(.bad, code: 4))
        try await ReadingsImport.run(
            parsed, gateway: "logger-1", series: SeriesDescriptor(id: 0, name: "flow"), into: hub.store, chunkSize: 2)
        let key = SeriesKey(gateway: "logger-1", name: "flow")
        let stored = try await QueryEngine(store: hub.store).range(key, parsed[0].timestamp...parsed[2].timestamp)
        #expect(stored.elementsEqual(parsed.sorted { $0.timestamp < $1.timestamp }) { $0.isIdentical(to: $1) })
        let exported = "timestamp,value,quality\n" + stored.map(CSVReadings.line).joined(separator: "\n")
        let again = try CSVReadings.parse(Array(exported.utf8))
        #expect(again.elementsEqual(stored) { $0.isIdentical(to: $1) })
        #expect(throws: CSVReadings.ProblemList.self) {
            try CSVReadings.parse(Array("t,v\n2026-11-20T00:00:00Z,1\nyesterday,2\n2026-11-20T00:00:00Z,x\n".utf8))
        }
        do {
            _ = try CSVReadings.parse(Array("t,v\n2026-11-20T00:00:00Z,1\nyesterday,2\n2026-11-20T00:00:00Z,x\n".utf8))
        } catch {
            #expect(error.problems.map(\.line) == [3, 4])
            #expect(error.description.contains("'yesterday' is not a time; use RFC 3339"))
        }
    }
}
