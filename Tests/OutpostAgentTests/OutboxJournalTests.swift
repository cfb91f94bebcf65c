import OutpostAgent
import OutpostTestSupport
import OutpostWire
import Testing

extension OutboxTests {
    /// The bytes of the outbox's database and its WAL.
    func databaseFiles(_ folder: TemporaryFolder) -> [[UInt8]] {
        ["outbox.db", "outbox.db-wal"].map { readFileBytes(folder.file($0)) }
    }

    @Test("While the link is up the database is not written: commits, seals and acknowledgements are journal records")
    func healthyLinkWritesOnlyTheJournal() async throws {
        let folder = try TemporaryFolder()
        let outbox = try open(folder)
        // The first commit registers the series: the one database write of a steady state.
        _ = try await outbox.commit(
            readings(40), catalog: SeriesCatalog(), clock: clock(0), maxReadings: 1000, maxAge: .seconds(10))
        let before = databaseFiles(folder)
        var acknowledged = 0
        for second in 1...60 {
            let result = try await outbox.commit(
                readings(4, from: 40 + second * 4), catalog: SeriesCatalog(), clock: clock(Int64(second)),
                maxReadings: 1000, maxAge: .seconds(10))
            let sent = try await outbox.unsent(limit: 10)
            #expect(sent.map(\.sequence) == result.sealed)
            acknowledged += try await outbox.acknowledge(sent.map(\.sequence))
        }
        // Sealed when the oldest record is 10 s old: at 10, 21, 32, 43 and 54 s.
        #expect(acknowledged == 5)
        #expect(databaseFiles(folder) == before, "the database and its WAL are unchanged")
        let statistics = try await outbox.statistics()
        #expect(statistics.unsentBatches == 0)
        #expect(statistics.nextSequence == 6)
        // And all of it stands after a restart: nothing to send again, no sequence reused.
        let reopened = try open(folder)
        #expect(try await reopened.unsent(limit: 10).isEmpty)
        #expect(try await reopened.statistics().nextSequence == 6)
        #expect(try await reopened.statistics().pendingReadings == statistics.pendingReadings)
    }

    @Test("A batch rebuilt from the journal after a restart is the frame sent before, byte for byte but its signature")
    func rebuiltFramesAreIdentical() async throws {
        let folder = try TemporaryFolder()
        var sent: [Outbox.StoredBatch] = []
        do {
            let outbox = try open(folder)
            var catalog = SeriesCatalog()
            catalog.describe("s1", unit: "V", kind: .gauge, resolution: Resolution(parsing: "0.1"))
            for commit in 0..<6 {
                _ = try await outbox.commit(
                    readings(50, from: commit * 50), catalog: catalog, clock: clock(Int64(commit)),
                    maxReadings: 100, maxAge: .seconds(3600))
            }
            sent = try await outbox.unsent(limit: 10)
            #expect(sent.map(\.sequence) == [1, 2, 3])
            #expect(try await outbox.acknowledge([2]) == 1)
        }
        let reopened = try open(folder)
        let again = try await reopened.unsent(limit: 10)
        #expect(again.map(\.sequence) == [1, 3], "batch 2 stays acknowledged")
        // Ed25519 signing here is randomised: the signed bytes (all but the signature and the
        // CRC after it) are what must not change.
        let signed = { (batches: [Outbox.StoredBatch]) in batches.map { Array($0.frame.dropLast(64 + 4)) } }
        let same = signed(again) == signed(sent.filter { $0.sequence != 2 })
        #expect(same, "the rebuilt frames differ from those sent")
        #expect(try decoded(again).values.reduce(0) { $0 + $1.count } == 200)
    }
}
