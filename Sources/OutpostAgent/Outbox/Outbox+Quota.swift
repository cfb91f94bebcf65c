import GRDB
import Logging
import OutpostWire

extension Outbox {
    /// Applies the quota policy until the outbox fits: `drop_oldest` deletes the oldest batches;
    /// `degrade` first replaces the oldest raw batches by their 1-minute min/max/mean/count (history
    /// loses resolution, not coverage), then drops if that is not enough; `pause_sources` refuses
    /// new readings in `append` instead. Every eviction and degradation is counted.
    func enforceQuota() async throws {
        let settings = self.settings
        guard settings.policy != .pauseSources else { return }
        let pendingBytes = try await onQueue { [journalState] in
            journalState.pending.reduce(Int64(0)) { $0 + $1.length }
        }
        let (evictedReadings, degraded) = try await database.write { db -> (Int, Int) in
            var evicted = 0
            var degraded = 0
            while try Self.batchBytes(db) + pendingBytes > settings.quota {
                if settings.policy == .degrade, try self.degradeOldest(db) {
                    degraded += 1
                    continue
                }
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT sequence, readings FROM batches ORDER BY sequence LIMIT 1")
                else { break }  // only unsealed records left: they are sealed first, never dropped unsent
                let sequence: Int64 = row["sequence"]
                let readings: Int64 = row["readings"]
                try db.execute(sql: "DELETE FROM batches WHERE sequence = ?", arguments: [sequence])
                try OutboxSchema.add(db, OutboxSchema.Key.evictedReadings, readings)
                try OutboxSchema.add(db, OutboxSchema.Key.evictedBatches, 1)
                evicted += Int(readings)
            }
            return (evicted, degraded)
        }
        if evictedReadings > 0 {
            logger.info(
                "outbox over quota: oldest readings dropped",
                metadata: ["outbox.evicted_readings": "\(evictedReadings)", "outbox.quota": "\(settings.quota)"])
        }
        if degraded > 0 {
            logger.info(
                "outbox over quota: oldest batches degraded to 1-minute aggregates",
                metadata: ["outbox.degraded_batches": "\(degraded)"])
        }
    }

    /// Replaces the oldest batch not yet degraded by its 1-minute aggregates, under the same
    /// sequence number. Returns false when every batch is already degraded.
    private func degradeOldest(_ db: Database) throws -> Bool {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT sequence, frame FROM batches WHERE degraded = 0 ORDER BY sequence LIMIT 1")
        else { return false }
        let sequence: Int64 = row["sequence"]
        let data: Data = row["frame"]
        let frame = try FrameDecoder().decode(Array(data), verifier: AcceptAnySignature())
        var aggregator = Aggregator(rules: [AggregationRule(pattern: "*", mode: .window(.seconds(60)))])
        var assembler = BatchAssembler()
        let byID = Dictionary(frame.series.map { ($0.id, $0) }) { first, _ in first }
        for entry in frame.chunks {
            guard let descriptor = byID[entry.seriesID] else { continue }
            let samples = try entry.chunk.decode().samples.map { SourceSample(series: descriptor.name, sample: $0) }
            let reduced = aggregator.take(samples) + aggregator.flushAll()
            for sample in reduced {
                let counts = sample.series.hasSuffix(".count") || sample.series.hasSuffix(".bad")
                let id = assembler.declare(
                    sample.series, unit: counts ? "" : descriptor.unit, kind: .gauge,
                    resolution: counts ? nil : descriptor.resolution)
                _ = assembler.append(
                    sample.sample, to: id, monotonic: entry.chunk.firstMonotonic,
                    clockSynchronised: entry.chunk.clockSynchronised)
            }
        }
        let replaced = try assembler.seal(
            gatewayID: frame.gatewayID, sequence: frame.sequence, bootID: frame.bootID, clockState: frame.clockState,
            createdAt: frame.createdAt, createdMonotonic: frame.createdMonotonic)
        let bytes = try replaced.encoded(signer: signer)
        try db.execute(
            sql: "UPDATE batches SET frame = ?, degraded = 1 WHERE sequence = ?", arguments: [Data(bytes), sequence])
        try OutboxSchema.add(db, OutboxSchema.Key.degradedBatches, 1)
        return true
    }
}

/// What the outbox holds and what it has had to give up.
public struct OutboxStatistics: Sendable, Hashable {
    /// Readings committed and not yet sealed.
    public var pendingReadings: Int
    /// Sealed batches not yet acknowledged.
    public var unsentBatches: Int
    /// Readings in those batches.
    public var unsentReadings: Int
    /// Bytes held.
    public var bytes: Int64
    /// The timestamp of the oldest reading not yet acknowledged (nanoseconds), if any.
    public var oldestReading: Int64?
    /// The next sequence number.
    public var nextSequence: UInt64
    /// Readings dropped by the quota policy since the outbox was created.
    public var evictedReadings: Int64
    /// Batches degraded to aggregates.
    public var degradedBatches: Int64
    /// Readings refused while paused at the quota.
    public var refusedReadings: Int64

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

    init(_ db: Database, pending: [SegmentJournal.Entry]) throws {
        pendingReadings = pending.reduce(0) { $0 + $1.readings }
        unsentBatches = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM batches") ?? 0
        unsentReadings = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(readings), 0) FROM batches") ?? 0
        bytes = try Outbox.batchBytes(db) + pending.reduce(0) { $0 + $1.length }
        let oldestBatch = try Int64.fetchOne(db, sql: "SELECT MIN(oldest) FROM batches")
        oldestReading = ([oldestBatch] + pending.map { Optional($0.oldest) }).compactMap { $0 }.min()
        nextSequence = UInt64(try OutboxSchema.meta(db, OutboxSchema.Key.nextSequence))
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
