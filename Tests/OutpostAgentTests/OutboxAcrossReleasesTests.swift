import GRDB
import Logging
import OutpostAgent
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

/// A newer release may add to the outbox's schema; after a rollback, this version must still
/// read every batch it left (docs/releases.md, "The outbox across versions").
@Suite("The outbox across releases")
struct OutboxAcrossReleasesTests {
    @Test(
        "An outbox a newer release migrated (a new migration, table and column) opens here with every batch, sealed and acknowledged as before"
    )
    func newerSchema() async throws {
        let folder = try TemporaryFolder()
        let signer = GatewayFrameSigner.generate()
        let path = folder.file("outbox.db")
        let t0: Int64 = 1_790_000_000 * 1_000_000_000
        let clock = ClockReading(state: .synchronised, bootID: .zero, monotonic: 0, wall: t0)
        func open() throws -> Outbox {
            try Outbox(
                .init(path: path, gatewayID: "gw-1", quota: 1 << 30, policy: .dropOldest), signer: signer,
                logger: Logger(label: "test"))
        }
        let samples = (0..<300).map { SourceSample("s\($0 % 3)", at: t0 + Int64($0) * 1_000_000_000, Double($0)) }
        do {
            let outbox = try open()
            for part in 0..<3 {
                _ = try await outbox.append(
                    Array(samples[(part * 100)..<(part * 100 + 100)]), catalog: SeriesCatalog(), clock: clock)
            }
            #expect(try await outbox.seal(maxReadings: 100, maxAge: .seconds(3600), clock: clock) == [1, 2, 3])
        }
        // What a release 0.3 might do: record its own migration, add a table and a column.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "CREATE TABLE release_future (key TEXT PRIMARY KEY, value BLOB)")
            try db.execute(sql: "ALTER TABLE batches ADD COLUMN future_priority INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-a-newer-release')")
        }
        try queue.close()

        // Rolled back: this version opens it, reads the three batches and goes on numbering.
        let outbox = try open()
        let unsent = try await outbox.unsent(limit: 10)
        #expect(unsent.map(\.sequence) == [1, 2, 3])
        let verifier = GatewayKeyVerifier(keys: ["gw-1": signer.publicKey])
        let readings = try unsent.reduce(0) {
            $0 + (try FrameDecoder().decode($1.frame, verifier: verifier)).sampleCount
        }
        #expect(readings == 300)
        #expect(try await outbox.acknowledge([1, 2]) == 2)
        _ = try await outbox.append(
            samples.map { SourceSample($0.series, at: $0.sample.timestamp + 1_000_000_000_000, $0.sample.value) },
            catalog: SeriesCatalog(), clock: clock)
        #expect(try await outbox.seal(maxReadings: 300, maxAge: .seconds(3600), clock: clock) == [4])
        #expect(try await outbox.statistics().unsentBatches == 2)
    }
}
