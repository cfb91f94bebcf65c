import Foundation
import GRDB
import OutpostConfig
import OutpostWire

extension SQLiteHubStore {
    package func expire(policy: RetentionPolicy, now: Int64) async throws -> MaintenanceReport {
        try await writing { db in
            var report = MaintenanceReport()
            if let keep = policy.raw {
                try db.execute(sql: "DELETE FROM chunks WHERE \"end\" < ?", arguments: [now &- keep.nanoseconds])
                report.chunksExpired = db.changesCount
            }
            for (level, keep) in [(RollupLevel.minute, policy.minute), (.hour, policy.hour)] {
                guard let keep else { continue }
                try db.execute(
                    sql: "DELETE FROM \(SQLiteSchema.table(level)) WHERE bucket < ?",
                    arguments: [(now &- keep.nanoseconds) / level.width])
                report.bucketsExpired += db.changesCount
            }
            try db.execute(sql: "DELETE FROM sessions WHERE expires_at < ?", arguments: [now])
            // Gateway health is kept as long as the minute rollups it is charted beside.
            if let keep = policy.minute {
                try db.execute(sql: "DELETE FROM gateway_health WHERE time < ?", arguments: [now &- keep.nanoseconds])
            }
            return report
        }
    }

    package func compact(settledBefore: Int64, targetCount: Int) async throws -> MaintenanceReport {
        var report = MaintenanceReport()
        for series in try await series(gateway: nil) {
            // One series per transaction: writers (ingest) wait at most one series' worth.
            report = try await writing { [report] db in
                var report = report
                try self.compact(series, settledBefore: settledBefore, targetCount: targetCount, report: &report, db)
                return report
            }
        }
        return report
    }

    private func compact(
        _ series: SeriesRecord, settledBefore: Int64, targetCount: Int, report: inout MaintenanceReport,
        _ db: Database
    ) throws {
        let entries = try Row.fetchAll(
            db,
            sql: """
                SELECT id, start, "end", shift, record FROM chunks
                WHERE series = ? AND "end" < ? ORDER BY start, id
                """, arguments: [series.id, settledBefore]
        ).map { row in
            let shift: Int64? = row["shift"]
            return CompactionRuns.Entry(
                id: row["id"],
                chunk: StoredChunk(
                    start: row["start"], end: row["end"], shift: shift ?? 0, record: [UInt8](row["record"] as Data)))
        }
        for run in CompactionRuns.runs(entries, targetCount: targetCount) {
            let merged = try CompactionRuns.merged(run, resolution: series.resolution)
            for entry in run {
                try db.execute(sql: "DELETE FROM chunks WHERE id = ?", arguments: [entry.id])
            }
            try db.execute(
                sql: "INSERT INTO chunks (series, start, \"end\", shift, record) VALUES (?, ?, ?, NULL, ?)",
                arguments: [series.id, merged.minTimestamp, merged.maxTimestamp, Data(merged.serialized())])
            try db.execute(
                sql: "UPDATE series SET max_span = max(max_span, ?) WHERE id = ?",
                arguments: [merged.maxTimestamp &- merged.minTimestamp, series.id])
            report.chunksMerged += run.count
            report.chunksWritten += 1
        }
    }
}

extension SQLiteHubStore {
    /// Opens the store at `path` after checking its pages (`PRAGMA quick_check`, about a second
    /// per gigabyte): a damaged system of record is refused, unchanged, with what to do, rather
    /// than written into.
    package static func openChecked(path: String) throws -> SQLiteHubStore {
        if FileManager.default.fileExists(atPath: path) {
            let problems: [String]
            do {
                problems = try integrityProblems(path: path, thorough: false)
            } catch let error as DatabaseError
                where [.SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_IOERR].contains(error.resultCode)
            {
                // Only damage is called damage: a file the hub may not open, or one that is busy,
                // must never send an operator to restore a good store from a backup.
                throw HubStoreDamage(path: path, problems: [error.message ?? "\(error)"])
            }
            guard problems == ["ok"] else { throw HubStoreDamage(path: path, problems: problems) }
        }
        return try SQLiteHubStore(path: path)
    }
}

extension SQLiteHubStore {
    /// What SQLite's check of the store at `path` finds, read-only: `["ok"]` when intact, else up
    /// to 20 problems. `thorough` runs `integrity_check` (indexes against tables too) instead of
    /// `quick_check` (pages and records).
    package static func integrityProblems(path: String, thorough: Bool = true) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            try String.fetchAll(db, sql: "PRAGMA \(thorough ? "integrity_check" : "quick_check")(20)")
        }
    }
}

/// The hub's store failed its integrity check; nothing was written to it.
package struct HubStoreDamage: Error, CustomStringConvertible, Sendable {
    /// The database file.
    package let path: String
    /// What SQLite found (at most 20 lines).
    package let problems: [String]

    package var description: String {
        """
        \(path) is damaged and was not changed: \(problems.prefix(5).joined(separator: "; "))
        Restore it from a backup (docs/operations.md: backups), or recover what is readable into a
        new file (sqlite3 \(path) .recover | sqlite3 hub-recovered.db), keep the damaged one aside
        and put the new one in its place. Gateways keep what the hub has not acknowledged and
        send it again once the hub runs.
        """
    }
}
