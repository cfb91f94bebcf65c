import Logging
import OutpostAgent
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("The outbox on a real SQLite file")
struct OutboxTests {
    let logger = Logger(label: "test")
    let signer = GatewayFrameSigner.generate()
    let t0: Int64 = 1_790_000_000 * 1_000_000_000

    func clock(_ seconds: Int64 = 0, _ state: ClockState = .synchronised) -> ClockReading {
        ClockReading(
            state: state, bootID: .zero, monotonic: seconds * 1_000_000_000, wall: t0 + seconds * 1_000_000_000)
    }

    func open(_ folder: TemporaryFolder, quota: Int64 = 1 << 30, policy: AgentConfiguration.Buffer.Policy = .dropOldest)
        throws -> Outbox
    {
        try Outbox(
            .init(path: folder.file("outbox.db"), gatewayID: "gw-1", quota: quota, policy: policy), signer: signer,
            logger: logger)
    }

    func readings(_ count: Int, from start: Int = 0, series: Int = 4) -> [SourceSample] {
        (start..<(start + count)).map { index in
            SourceSample("s\(index % series)", at: t0 + Int64(index) * 1_000_000_000, Double(index) / 10)
        }
    }

    /// Every reading in the frames, decoded and verified with the gateway's key.
    func decoded(_ batches: [Outbox.StoredBatch]) throws -> [String: [Sample]] {
        let verifier = GatewayKeyVerifier(keys: ["gw-1": signer.publicKey])
        var result: [String: [Sample]] = [:]
        for batch in batches {
            let frame = try FrameDecoder().decode(batch.frame, verifier: verifier)
            #expect(frame.sequence == batch.sequence)
            let names = Dictionary(uniqueKeysWithValues: frame.series.map { ($0.id, $0.name) })
            for entry in frame.chunks {
                result[names[entry.seriesID] ?? "?", default: []] += try entry.chunk.decode().samples
            }
        }
        return result
    }

    @Test("Readings committed, sealed by size into signed batches with sequence numbers, deleted on ack")
    func appendSealAcknowledge() async throws {
        let folder = try TemporaryFolder()
        let outbox = try open(folder)
        for commit in 0..<10 {
            try await outbox.append(readings(100, from: commit * 100), catalog: SeriesCatalog(), clock: clock())
        }
        let sealed = try await outbox.seal(maxReadings: 300, maxAge: .seconds(3600), clock: clock())
        #expect(sealed == [1, 2, 3], "three full batches; the last 100 wait for more or for age")
        var statistics = try await outbox.statistics()
        #expect(statistics.pendingReadings == 100)
        #expect(statistics.unsentReadings == 900)
        let unsent = try await outbox.unsent(limit: 10)
        let samples = try decoded(unsent)
        #expect(samples.values.reduce(0) { $0 + $1.count } == 900)
        #expect(samples["s1"]?.first == Sample(timestamp: t0 + 1_000_000_000, value: 0.1))
        #expect(try await outbox.unsent(limit: 10, excluding: [1]).map(\.sequence) == [2, 3])
        #expect(try await outbox.acknowledge([1, 3, 99]) == 2)
        statistics = try await outbox.statistics()
        #expect(statistics.unsentBatches == 1)
        #expect(statistics.nextSequence == 4)
    }

    @Test("Sequence numbers survive a restart and are never reused, even when everything was acknowledged")
    func sequencesPersist() async throws {
        let folder = try TemporaryFolder()
        do {
            let outbox = try open(folder)
            try await outbox.append(readings(10), catalog: SeriesCatalog(), clock: clock())
            #expect(try await outbox.seal(maxReadings: 5, maxAge: .seconds(60), clock: clock(), force: true) == [1])
            try await outbox.acknowledge([1])
        }
        let reopened = try open(folder)
        try await reopened.append(readings(10), catalog: SeriesCatalog(), clock: clock())
        #expect(try await reopened.seal(maxReadings: 100, maxAge: .seconds(60), clock: clock(), force: true) == [2])
    }

    @Test("A batch is sealed by age, and at once when the wall clock went backwards")
    func sealByAge() async throws {
        let folder = try TemporaryFolder()
        let outbox = try open(folder)
        try await outbox.append(readings(5), catalog: SeriesCatalog(), clock: clock(0))
        #expect(try await outbox.seal(maxReadings: 1000, maxAge: .seconds(10), clock: clock(9)).isEmpty)
        #expect(try await outbox.seal(maxReadings: 1000, maxAge: .seconds(10), clock: clock(10)) == [1])
        try await outbox.append(readings(5), catalog: SeriesCatalog(), clock: clock(20))
        #expect(try await outbox.seal(maxReadings: 1000, maxAge: .seconds(10), clock: clock(-3600)) == [2])
    }

    @Test(
        "A wall clock stepped backwards (an hour, a year) loses and reorders nothing: readings keep the order they were taken in",
        arguments: [Int64(3600), Int64(365 * 86_400)])
    func clockStepsBack(seconds: Int64) async throws {
        let folder = try TemporaryFolder()
        let outbox = try open(folder)
        let taken = [
            SourceSample("t", at: t0 + 3_000_000_000, 1), SourceSample("t", at: t0 + 4_000_000_000, 2),
            SourceSample("t", at: t0 - seconds * 1_000_000_000, 3),
            SourceSample("t", at: t0 - (seconds - 1) * 1_000_000_000, 4),
        ]
        try await outbox.append(Array(taken[..<2]), catalog: SeriesCatalog(), clock: clock(4))
        try await outbox.append(Array(taken[2...]), catalog: SeriesCatalog(), clock: clock(-(seconds - 1)))
        #expect(try await outbox.seal(maxReadings: 100, maxAge: .seconds(60), clock: clock(-(seconds - 2))) == [1])
        let samples = try decoded(try await outbox.unsent(limit: 10))
        #expect(samples["t"]?.map(\.value) == [1, 2, 3, 4])
        #expect(samples["t"]?.map(\.timestamp) == taken.map(\.sample.timestamp))
    }

    @Test("Readings taken before and after the clock synchronised go into separate batches")
    func clockStates() async throws {
        let folder = try TemporaryFolder()
        let outbox = try open(folder)
        try await outbox.append(readings(8), catalog: SeriesCatalog(), clock: clock(0, .unsynchronised))
        try await outbox.append(readings(8, from: 8), catalog: SeriesCatalog(), clock: clock(1, .synchronised))
        let sealed = try await outbox.seal(maxReadings: 1000, maxAge: .seconds(60), clock: clock(2), force: true)
        #expect(sealed == [1, 2])
        let frames = try await outbox.unsent(limit: 10).map {
            try FrameDecoder().decode($0.frame, verifier: AcceptAnySignature())
        }
        #expect(frames.map(\.clockState) == [.unsynchronised, .synchronised])
        #expect(frames[0].chunks.allSatisfy { !$0.chunk.clockSynchronised })
    }

    @Test("drop_oldest: over the quota the oldest batches go, and the count says how many readings")
    func dropOldest() async throws {
        let folder = try TemporaryFolder()
        let outbox = try open(folder, quota: 6_000, policy: .dropOldest)
        for commit in 0..<20 {
            try await outbox.append(
                readings(200, from: commit * 200, series: 10), catalog: SeriesCatalog(), clock: clock())
            try await outbox.seal(maxReadings: 200, maxAge: .seconds(60), clock: clock())
        }
        let statistics = try await outbox.statistics()
        #expect(statistics.bytes <= 6_000)
        #expect(statistics.evictedReadings > 0)
        #expect(Int64(statistics.unsentReadings) + statistics.evictedReadings == 4_000, "every reading accounted for")
        let first = try #require(try await outbox.unsent(limit: 1).first)
        #expect(first.sequence > 1, "the oldest went first")
    }

    @Test("degrade: the oldest raw batches become 1-minute min/max/mean/count, keeping their coverage")
    func degrade() async throws {
        let folder = try TemporaryFolder()
        let outbox = try open(folder, quota: 40_000, policy: .degrade)
        var catalog = SeriesCatalog()
        for index in 0..<10 {
            catalog.describe("v\(index)", unit: "°C", kind: .gauge, resolution: Resolution(parsing: "0.1"))
        }
        // 10 temperatures at 1 Hz, 10 minutes per batch: about 9 kB a batch raw.
        var random = SplitMix(seed: 3)
        for batch in 0..<8 {
            let samples = (0..<6000).map { index -> SourceSample in
                let second = batch * 600 + index / 10
                let value = 20 + 5 * sin(Double(second) / 900) + random.next() / 100
                return SourceSample("v\(index % 10)", at: t0 + Int64(second) * 1_000_000_000, value)
            }
            try await outbox.append(samples, catalog: catalog, clock: clock())
            try await outbox.seal(maxReadings: 6000, maxAge: .seconds(60), clock: clock())
        }
        let statistics = try await outbox.statistics()
        #expect(statistics.degradedBatches > 0)
        #expect(statistics.evictedReadings == 0, "degrading was enough: nothing dropped")
        #expect(statistics.bytes <= 40_000)
        let series = try decoded(try await outbox.unsent(limit: 100))
        // The first minute (on the wall clock) of the first batch is still there, as aggregates.
        let minute: Int64 = 60_000_000_000
        #expect(series["v0.mean"]?.first?.timestamp == t0 - t0 % minute)
        #expect(series["v0.count"]?.contains { $0.value == 60 } == true)
        #expect(series["v0.max"].map { $0.allSatisfy { (14.9...26.1).contains($0.value) } } == true)
        // The newest batch is still raw.
        #expect(series["v0"]?.last?.timestamp == t0 + Int64(8 * 600 - 1) * 1_000_000_000)
    }

    @Test("pause_sources: at the quota new readings are refused and counted; nothing stored is dropped")
    func pauseSources() async throws {
        let folder = try TemporaryFolder()
        let outbox = try open(folder, quota: 3_000, policy: .pauseSources)
        var refused = 0
        var random = SplitMix(seed: 5)
        for commit in 0..<10 {
            let samples = (0..<200).map {
                SourceSample("x", at: t0 + Int64(commit * 200 + $0) * 1_000_000, random.next())
            }
            refused += try await outbox.append(samples, catalog: SeriesCatalog(), clock: clock())
        }
        let statistics = try await outbox.statistics()
        #expect(refused > 0)
        #expect(statistics.refusedReadings == Int64(refused))
        #expect(statistics.pendingReadings + refused == 2000)
        #expect(statistics.evictedReadings == 0)
    }

    @Test("A record torn by a power cut is cut off at the next start; everything committed before it stays")
    func tornJournalTail() async throws {
        let folder = try TemporaryFolder()
        do {
            let outbox = try open(folder)
            try await outbox.append(readings(7), catalog: SeriesCatalog(), clock: clock())
        }
        // Half a record: a plausible header and some payload, then nothing.
        let journal = folder.file("outbox.db.journal.1")
        let file = fopen(journal, "a")
        let torn: [UInt8] = [200, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9]
        fwrite(torn, 1, torn.count, file)
        fclose(file)
        let reopened = try open(folder)
        #expect(try await reopened.statistics().pendingReadings == 7)
        try await reopened.append(readings(2), catalog: SeriesCatalog(), clock: clock())
        #expect(try await reopened.seal(maxReadings: 100, maxAge: .seconds(60), clock: clock(), force: true) == [1])
        #expect(try decoded(try await reopened.unsent(limit: 5)).values.reduce(0) { $0 + $1.count } == 9)
    }

    @Test("A wholly sealed journal is replaced by a new file; sealed records are never read twice")
    func journalRotation() async throws {
        let folder = try TemporaryFolder()
        let outbox = try Outbox(
            .init(
                path: folder.file("outbox.db"), gatewayID: "gw-1", quota: 1 << 30, policy: .dropOldest,
                journalRotationBytes: 2_000), signer: signer, logger: logger)
        for round in 0..<5 {
            try await outbox.append(readings(100, from: round * 100), catalog: SeriesCatalog(), clock: clock())
            try await outbox.seal(maxReadings: 100, maxAge: .seconds(60), clock: clock())
        }
        let names = directoryEntries(folder.path).map(\.name).filter { $0.contains(".journal.") }
        #expect(names.count == 1)
        #expect(names.first != "outbox.db.journal.1", "rotated: \(names)")
        let reopened = try open(folder)
        let statistics = try await reopened.statistics()
        #expect(statistics.pendingReadings == 0)
        #expect(statistics.unsentReadings == 500)
        #expect(statistics.nextSequence == 6)
    }

    @Test("A damaged file is kept aside; the agent starts with a new outbox and a fresh sequence range")
    func damagedFile() async throws {
        let folder = try TemporaryFolder()
        do {
            let outbox = try open(folder)
            try await outbox.append(readings(10), catalog: SeriesCatalog(), clock: clock())
            try await outbox.seal(maxReadings: 5, maxAge: .seconds(60), clock: clock(), force: true)
        }
        // Overwrite the header and first pages with noise: not a database any more.
        let path = folder.file("outbox.db")
        let file = fopen(path, "r+")
        let noise = [UInt8](repeating: 0xA5, count: 4096)
        fwrite(noise, 1, noise.count, file)
        fclose(file)
        let reopened = try open(folder)
        #expect(directoryEntries(folder.path).contains { $0.name.hasPrefix("outbox.db.damaged-") })
        try await reopened.append(readings(3), catalog: SeriesCatalog(), clock: clock())
        let sealed = try await reopened.seal(maxReadings: 5, maxAge: .seconds(60), clock: clock(), force: true)
        #expect(sealed.allSatisfy { $0 > 1 }, "never 1 again: the counter could not be read, so it jumps ahead")
        // The journal beside the database survived, and batch 1 was sealed in it: it is still
        // there under its own number (the hub discards it if it had it), with the 3 new readings.
        let statistics = try await reopened.statistics()
        #expect(statistics.unsentReadings == 13)
    }
}

@Suite("Sequence ranges in the eviction log")
struct SequenceRangesTests {
    @Test("Written compactly and read back; text that is not ranges is refused")
    func roundTrip() {
        let ranges = SequenceRanges([9, 3, 4, 5, 6, 7, 12, 13])
        #expect(ranges.description == "3-7,9,12-13")
        #expect(SequenceRanges(parsing: ranges.description)?.numbers == [3, 4, 5, 6, 7, 9, 12, 13])
        #expect(SequenceRanges([]).description == "")
        for bad in ["7-3", "a", "1-2-3", "1,,x", "-5"] {
            #expect(SequenceRanges(parsing: bad) == nil, "\(bad)")
        }
    }
}
