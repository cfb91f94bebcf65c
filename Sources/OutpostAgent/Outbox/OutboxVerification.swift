import GRDB
import OutpostWire

/// What `outpost-agent verify` found in an outbox file, checked offline without changing it.
package struct OutboxVerification: Sendable {
    /// SQLite's integrity check result (`ok` when healthy).
    package var integrity: String
    /// Batches, and how many of them failed to decode.
    package var batches: Int
    /// Readings per batch, by sequence number.
    package var batchReadings: [UInt64: Int] = [:]
    package var damagedBatches: [UInt64]
    /// Segments, and how many failed to decode.
    package var segments: Int
    package var damagedSegments: Int
    /// The state the outbox reports.
    package var statistics: OutboxStatistics?

    /// Whether everything checked out.
    package var isHealthy: Bool { integrity == "ok" && damagedBatches.isEmpty && damagedSegments == 0 }

    /// The statistics of the outbox at `path`, read-only, without the integrity check (for
    /// watching a running agent's outbox from outside).
    /// The data budget's count as last saved (period, bytes), read without opening for writing.
    package static func budget(path: String) throws -> (period: Int64, used: Int64)? {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            guard
                let period = try Int64.fetchOne(
                    db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [OutboxSchema.Key.budgetPeriod])
            else { return nil }
            return (period, try OutboxSchema.meta(db, OutboxSchema.Key.budgetUsed))
        }
    }

    package static func statistics(path: String) throws -> OutboxStatistics {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            try OutboxStatistics(db, journal: try OutboxJournalState.contents(base: path, db: db))
        }
    }

    /// Checks the outbox at `path` read-only: SQLite's integrity check, then every frame and
    /// segment decoded (CRC, structure).
    package static func check(path: String) throws -> OutboxVerification {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            let journalContents = try OutboxJournalState.contents(base: path, db: db)
            var result = OutboxVerification(
                integrity: integrity, batches: 0, damagedBatches: [], segments: 0, damagedSegments: 0,
                statistics: try? OutboxStatistics(db, journal: journalContents))
            let decoder = FrameDecoder()
            let batches = try Row.fetchCursor(
                db, sql: "SELECT sequence, readings, frame FROM batches ORDER BY sequence")
            while let row = try batches.next() {
                result.batches += 1
                result.batchReadings[UInt64(row["sequence"] as Int64)] = row["readings"]
                let frame: Data = row["frame"]
                do {
                    _ = try decoder.decode(Array(frame), verifier: AcceptAnySignature())
                } catch {
                    result.damagedBatches.append(UInt64(row["sequence"] as Int64))
                }
            }
            // The journal's batches and unsealed records: each record must pass its CRC (a torn
            // tail is cut at the next start and was never reported committed) and decode.
            let resolutions = try OutboxSchema.series(db).compactMapValues(\.resolution)
            let generation = max(1, try OutboxSchema.meta(db, OutboxSchema.Key.journalGeneration))
            let journal = OutboxJournalState.path(path, generation)
            for batch in journalContents.batches {
                result.batches += 1
                result.batchReadings[batch.sequence] = batch.readings
                do {
                    for entry in batch.entries {
                        _ = try Segment.decode(
                            try SegmentJournal.readBody(atPath: journal, entry: entry), resolutions: resolutions)
                    }
                } catch {
                    result.damagedBatches.append(batch.sequence)
                }
            }
            for entry in journalContents.pending {
                result.segments += 1
                do {
                    let bytes = try SegmentJournal.readBody(atPath: journal, entry: entry)
                    _ = try Segment.decode(bytes, resolutions: resolutions)
                } catch {
                    result.damagedSegments += 1
                }
            }
            return result
        }
    }
}

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
