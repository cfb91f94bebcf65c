import NIOCore
import OutpostWire
import PostgresNIO

extension PostgresHubStore {
    /// Retention: whole partitions past their level's age are dropped; what is left past it in
    /// the partitions at the edge (and the default ones) is deleted row by row. One replica at a
    /// time (an advisory lock); the others find it taken and skip their pass. Partitions for the
    /// coming days are made here too.
    package func expire(policy: RetentionPolicy, now: Int64) async throws -> MaintenanceReport {
        try await PostgresPartitions.prepare(around: now, retention: policy, link)
        return try await link.transaction { session in
            var report = MaintenanceReport()
            let locked = try await session.query("SELECT pg_try_advisory_xact_lock(\(PostgresSchema.maintenanceLock))")
            guard try locked.first?.decode(Bool.self) == true else { return report }
            if let keep = policy.raw {
                let cutoff = now &- keep.nanoseconds
                await report.chunksExpired += try PostgresPartitions.drop(
                    PostgresPartitions.chunks, below: cutoff, session)
                report.chunksExpired += try await session.execute(
                    "DELETE FROM chunks WHERE start < \(cutoff) AND \"end\" < \(cutoff)")
            }
            for (level, keep) in [(RollupLevel.minute, policy.minute), (.hour, policy.hour)] {
                guard let keep else { continue }
                let cutoff = (now &- keep.nanoseconds) / level.width
                await report.bucketsExpired += try PostgresPartitions.drop(
                    PostgresPartitions.table(level), below: cutoff, session)
                report.bucketsExpired += try await session.execute(
                    "DELETE FROM \(unescaped: PostgresSchema.table(level)) WHERE bucket < \(cutoff)")
            }
            try await session.execute("DELETE FROM sessions WHERE expires_at < \(now)")
            // Gateway health is kept as long as the minute rollups it is charted beside.
            if let keep = policy.minute {
                try await session.execute("DELETE FROM gateway_health WHERE time < \(now &- keep.nanoseconds)")
            }
            return report
        }
    }

    /// Compaction, a series per transaction. The series' row is locked first, so two replicas
    /// compacting at once take turns and the second finds the chunks already merged; ingest of
    /// that series waits at most one series' worth.
    package func compact(settledBefore: Int64, targetCount: Int) async throws -> MaintenanceReport {
        var total = MaintenanceReport()
        for series in try await series(gateway: nil) {
            let report = try await link.transaction { session in
                var report = MaintenanceReport()
                try await session.execute("SELECT id FROM series WHERE id = \(series.id) FOR UPDATE")
                let entries = try await session.query(
                    """
                    SELECT id, start, "end", shift, record FROM chunks
                    WHERE series = \(series.id) AND "end" < \(settledBefore) ORDER BY start, id
                    """
                ).map { row in
                    let (id, start, end, shift, record) = try row.decode((Int64, Int64, Int64, Int64, ByteBuffer).self)
                    return CompactionRuns.Entry(
                        id: id,
                        chunk: StoredChunk(
                            start: start, end: end, shift: shift, record: Array(record.readableBytesView)))
                }
                for run in CompactionRuns.runs(entries, targetCount: targetCount) {
                    let merged = try CompactionRuns.merged(run, resolution: series.resolution)
                    try await session.execute(
                        "DELETE FROM chunks WHERE series = \(series.id) AND id = ANY(\(run.map(\.id)))")
                    try await session.execute(
                        """
                        INSERT INTO chunks (series, start, "end", shift, record)
                        VALUES (\(series.id), \(merged.minTimestamp), \(merged.maxTimestamp), 0,
                            \(ByteBuffer(bytes: merged.serialized())))
                        """)
                    try await session.execute(
                        """
                        UPDATE series SET max_span = greatest(max_span, \(merged.maxTimestamp &- merged.minTimestamp))
                        WHERE id = \(series.id)
                        """)
                    report.chunksMerged += run.count
                    report.chunksWritten += 1
                }
                return report
            }
            total.chunksMerged += report.chunksMerged
            total.chunksWritten += report.chunksWritten
        }
        return total
    }
}
