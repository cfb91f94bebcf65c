import GRDB
import Logging
import OutpostWire

extension Outbox {
    /// Applies the quota policy until the outbox fits: `drop_oldest` deletes the oldest batches;
    /// `degrade`, from 90 % of the quota, replaces the oldest raw batches by their 1-minute
    /// min/max/mean/count (history loses resolution, not coverage), and drops only if that is
    /// not enough at the quota itself; `pause_sources` refuses new readings in `append` instead.
    /// Every eviction and degradation is counted. Batches handed to the broker are left alone
    /// (see `published`), so the outbox may exceed its quota by the in-flight window until they
    /// are acknowledged.
    func enforceQuota() async throws {
        let settings = self.settings
        guard settings.policy != .pauseSources else { return }
        // `degrade` starts at 90 % of the quota, while there is still room for a run of raw
        // batches long enough to shrink; it drops only at the quota itself.
        let threshold = settings.policy == .degrade ? settings.quota / 10 * 9 : settings.quota
        let (evictedReadings, degraded, evictedSequences) = try await onQueue { [self] () -> (Int, Int, [Int64]) in
            let state = journalState
            let databaseBytes = state.databaseBatches > 0 ? try database.read { db in try Self.batchBytes(db) } : 0
            let held = databaseBytes + state.bytes
            guard held > threshold else { return (0, 0, []) }
            // The policy acts on the database's batches: move the journal's there first.
            try migrateJournalBatches()
            let pendingBytes = state.bytes
            // Read here, on the queue: `unsent(claiming:)` claims batches on it too, so none is
            // evicted between being read for sending and being sent.
            let published = self.published.withLock { $0 }
            return try database.write { db in
                let result = try applyPolicy(db, threshold: threshold, pendingBytes: pendingBytes, sparing: published)
                state.databaseBatches = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM batches") ?? 0
                return result
            }
        }
        if evictedReadings > 0 {
            // The sequence numbers say which batches: one sent before a link failed may still have
            // reached the hub, and its readings are then not lost.
            logger.info(
                "outbox over quota: oldest readings dropped",
                metadata: [
                    "outbox.evicted_readings": "\(evictedReadings)", "outbox.quota": "\(settings.quota)",
                    "outbox.evicted_sequences": "\(SequenceRanges(evictedSequences))",
                ])
        }
        if degraded > 0 {
            logger.info(
                "outbox over quota: oldest batches degraded to 1-minute aggregates",
                metadata: ["outbox.degraded_batches": "\(degraded)"])
        }
    }

    /// Evicts (and with `degrade`, first degrades) the database's oldest batches until the
    /// outbox holds no more than `threshold`, leaving `published` alone. Returns the readings
    /// evicted, the batches degraded and the sequence numbers evicted.
    private func applyPolicy(_ db: Database, threshold: Int64, pendingBytes: Int64, sparing published: Set<UInt64>)
        throws -> (Int, Int, [Int64])
    {
        var evicted = 0
        var degraded = 0
        var sequences: [Int64] = []
        while true {
            let held = try Self.batchBytes(db) + pendingBytes
            guard held > threshold else { break }
            if settings.policy == .degrade, try degradeOldest(db, sparing: published) {
                degraded += 1
                continue
            }
            // Only unsealed records (sealed first, never dropped unsent) or batches with the
            // broker are left.
            guard held > settings.quota, let row = try Self.oldestBatch(db, sparing: published) else { break }
            let sequence: Int64 = row["sequence"]
            let readings: Int64 = row["readings"]
            try db.execute(sql: "DELETE FROM batches WHERE sequence = ?", arguments: [sequence])
            try OutboxSchema.add(db, OutboxSchema.Key.evictedReadings, readings)
            try OutboxSchema.add(db, OutboxSchema.Key.evictedBatches, 1)
            evicted += Int(readings)
            sequences.append(sequence)
        }
        return (evicted, degraded, sequences)
    }

    /// Replaces the oldest run of raw batches not with the broker — one boot and one clock state,
    /// at most an hour of readings and `degradeRun` batches — by one batch of their 1-minute
    /// aggregates, under the first one's sequence number; the others are merged into it and deleted. A run, not one
    /// batch: a batch of ten seconds holds a few readings per series, and its aggregates (four
    /// series for each) would be larger than it. Returns false when nothing could be made
    /// smaller (every batch degraded, or the aggregates no smaller than the raw frames).
    private func degradeOldest(_ db: Database, sparing published: Set<UInt64>) throws -> Bool {
        let rows = try Row.fetchAll(
            db,
            // Only frames of plain readings: the rollups of a deferred frame came in its summary.
            sql: """
                SELECT sequence, readings, oldest, frame FROM batches
                WHERE degraded = 0 AND substr(frame, 6, 1) = x'00' ORDER BY sequence LIMIT ?
                """,
            arguments: [Self.degradeRun + published.count]
        ).filter { !published.contains(UInt64($0["sequence"] as Int64)) }.prefix(Self.degradeRun)
        var run: [(sequence: Int64, readings: Int64, oldest: Int64, bytes: Int, frame: BatchFrame)] = []
        for row in rows {
            let data: Data = row["frame"]
            let frame = try FrameDecoder().decode(Array(data), verifier: AcceptAnySignature())
            let oldest: Int64 = row["oldest"]
            if let first = run.first {
                let newest = frame.chunks.map(\.chunk.maxTimestamp).max() ?? oldest
                guard frame.bootID == first.frame.bootID, frame.clockState == first.frame.clockState,
                    newest - first.oldest <= 3_600_000_000_000
                else { break }
            }
            run.append((row["sequence"], row["readings"], oldest, data.count, frame))
        }
        guard let first = run.first else { return false }
        // Each series' samples across the run, in order, with where its first chunk came from.
        var order: [String] = []
        var bySeries: [String: (descriptor: SeriesDescriptor, chunk: Chunk, samples: [Sample])] = [:]
        for entry in run {
            let byID = Dictionary(entry.frame.series.map { ($0.id, $0) }) { first, _ in first }
            for chunk in entry.frame.chunks {
                guard let descriptor = byID[chunk.seriesID] else { continue }
                let samples = try chunk.chunk.decode().samples
                if bySeries[descriptor.name] != nil {
                    bySeries[descriptor.name]?.samples += samples
                } else {
                    order.append(descriptor.name)
                    bySeries[descriptor.name] = (descriptor, chunk.chunk, samples)
                }
            }
        }
        var aggregator = Aggregator(rules: [AggregationRule(pattern: "*", mode: .window(.seconds(60)))])
        var assembler = BatchAssembler()
        for name in order {
            guard let (descriptor, chunk, samples) = bySeries[name] else { continue }
            let reduced =
                aggregator.take(samples.map { SourceSample(series: name, sample: $0) }) + aggregator.flushAll()
            for sample in reduced {
                let counts = sample.series.hasSuffix(".count") || sample.series.hasSuffix(".bad")
                let id = assembler.declare(
                    sample.series, unit: counts ? "" : descriptor.unit, kind: .gauge,
                    resolution: counts ? nil : descriptor.resolution)
                _ = assembler.append(
                    sample.sample, to: id, monotonic: chunk.firstMonotonic, clockSynchronised: chunk.clockSynchronised)
            }
        }
        let header = first.frame
        let replaced = try assembler.seal(
            gatewayID: header.gatewayID, sequence: header.sequence, bootID: header.bootID,
            clockState: header.clockState,
            createdAt: header.createdAt, createdMonotonic: header.createdMonotonic)
        let bytes = try replaced.encoded(signer: signer)
        guard bytes.count < run.reduce(0, { $0 + $1.bytes }) else { return false }
        try db.execute(
            sql: "UPDATE batches SET frame = ?, degraded = 1, readings = ?, oldest = ? WHERE sequence = ?",
            arguments: [
                Data(bytes), run.reduce(0) { $0 + $1.readings }, run.map(\.oldest).min() ?? first.oldest,
                first.sequence,
            ])
        for merged in run.dropFirst() {
            try db.execute(sql: "DELETE FROM batches WHERE sequence = ?", arguments: [merged.sequence])
        }
        try OutboxSchema.add(db, OutboxSchema.Key.degradedBatches, Int64(run.count))
        return true
    }

    /// The most raw batches merged into one degraded batch.
    static let degradeRun = 64

    /// The oldest batch the policy may drop: not with the broker.
    private static func oldestBatch(_ db: Database, sparing published: Set<UInt64>) throws -> Row? {
        let rows = try Row.fetchCursor(db, sql: "SELECT sequence, readings FROM batches ORDER BY sequence")
        while let row = try rows.next() {
            if !published.contains(UInt64(row["sequence"] as Int64)) { return row.copy() }
        }
        return nil
    }
}

/// What the outbox holds and what it has had to give up.
package struct OutboxStatistics: Sendable, Hashable {
    /// Readings committed and not yet sealed.
    package var pendingReadings: Int
    /// Sealed batches not yet acknowledged.
    package var unsentBatches: Int
    /// Readings in those batches.
    package var unsentReadings: Int
    /// Bytes held.
    package var bytes: Int64
    /// The timestamp of the oldest reading not yet acknowledged (nanoseconds), if any.
    package var oldestReading: Int64?
    /// The next sequence number.
    package var nextSequence: UInt64
    /// Readings dropped by the quota policy since the outbox was created.
    package var evictedReadings: Int64
    /// Batches degraded to aggregates.
    package var degradedBatches: Int64
    /// Readings refused while paused at the quota.
    package var refusedReadings: Int64

    /// Nothing stored, nothing lost.
    init() {
        pendingReadings = 0
        unsentBatches = 0
        unsentReadings = 0
        bytes = 0
        oldestReading = nil
        nextSequence = 0
        evictedReadings = 0
        degradedBatches = 0
        refusedReadings = 0
    }

    /// The state of the outbox whose database is `db` and whose journal holds `journal`.
    init(_ db: Database, journal: OutboxJournalState.Contents) throws {
        let pending = journal.pending
        pendingReadings = pending.reduce(0) { $0 + $1.readings }
        unsentBatches = (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM batches") ?? 0) + journal.batches.count
        unsentReadings =
            (try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(readings), 0) FROM batches") ?? 0)
            + journal.batches.reduce(0) { $0 + $1.readings }
        bytes =
            try Outbox.batchBytes(db) + pending.reduce(0) { $0 + $1.length }
            + journal.batches.reduce(0) { $0 + Int64($1.frameBytes) }
        let oldestBatch = try Int64.fetchOne(db, sql: "SELECT MIN(oldest) FROM batches")
        oldestReading =
            ([oldestBatch] + pending.map { Optional($0.oldest) } + journal.batches.map { Optional($0.oldest) })
            .compactMap { $0 }.min()
        nextSequence = journal.nextSequence
        evictedReadings = try OutboxSchema.meta(db, OutboxSchema.Key.evictedReadings)
        degradedBatches = try OutboxSchema.meta(db, OutboxSchema.Key.degradedBatches)
        refusedReadings = try OutboxSchema.meta(db, OutboxSchema.Key.refusedReadings)
    }
}

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Sequence numbers written compactly, `3-7,9,12-13`, and read back.
package struct SequenceRanges: CustomStringConvertible, Sendable {
    /// The numbers, ascending.
    package let numbers: [Int64]

    /// The numbers given, in any order.
    package init(_ numbers: [Int64]) { self.numbers = numbers.sorted() }

    /// Reads `3-7,9`; nil when the text is not in that form.
    package init?(parsing text: some StringProtocol) {
        var numbers: [Int64] = []
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "-", omittingEmptySubsequences: false)
            let bounds = pieces.compactMap { Int64($0) }
            guard bounds.count == pieces.count, bounds.count <= 2, let low = bounds.first, let high = bounds.last,
                high >= low, high - low < 10_000_000
            else { return nil }
            numbers += Array(low...high)
        }
        self.init(numbers)
    }

    package var description: String {
        var parts: [String] = []
        var index = numbers.startIndex
        while index < numbers.endIndex {
            var end = index
            while end + 1 < numbers.endIndex, numbers[end + 1] == numbers[end] + 1 { end += 1 }
            parts.append(end == index ? "\(numbers[index])" : "\(numbers[index])-\(numbers[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }
}
