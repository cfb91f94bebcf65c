import Foundation
import GRDB
import OutpostWire

extension SQLiteHubStore {
    package func series(gateway: String?) async throws -> [SeriesRecord] {
        try await reading { db in
            let columns = "id, gateway, name, unit, kind, resolution, last_time"
            let rows =
                if let gateway {
                    try Row.fetchAll(
                        db, sql: "SELECT \(columns) FROM series WHERE gateway = ? ORDER BY name", arguments: [gateway])
                } else {
                    try Row.fetchAll(db, sql: "SELECT \(columns) FROM series ORDER BY gateway, name")
                }
            return rows.map(Self.seriesRecord)
        }
    }

    /// A series row of the columns `series(gateway:)` selects, read by position: by name, each
    /// column costs a case-insensitive search, and a fleet's 20,000 series took 75 ms.
    static func seriesRecord(_ row: Row) -> SeriesRecord {
        let resolution: String? = row[5]
        return SeriesRecord(
            id: row[0], key: SeriesKey(gateway: row[1], name: row[2]), unit: row[3],
            kind: SeriesKind(rawValue: row[4]) ?? .gauge, resolution: resolution.flatMap(Resolution.init(parsing:)),
            newest: row[6])
    }

    package func chunks(of series: SeriesKey, overlapping range: ClosedRange<Int64>) async throws -> [StoredChunk] {
        try await reading { db in try Self.chunks(of: series, overlapping: range, db) }
    }

    package func chunks(of series: [SeriesKey], overlapping range: ClosedRange<Int64>) async throws
        -> [[StoredChunk]]
    {
        try await reading { db in try series.map { try Self.chunks(of: $0, overlapping: range, db) } }
    }

    private static func chunks(of series: SeriesKey, overlapping range: ClosedRange<Int64>, _ db: Database) throws
        -> [StoredChunk]
    {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, max_span FROM series WHERE gateway = ? AND name = ?"),
                arguments: [series.gateway, series.name])
        else { return [] }
        let id: Int64 = row["id"]
        let span: Int64 = row["max_span"]
        let statement = try db.cachedStatement(
            sql: """
                SELECT start, "end", shift, record FROM chunks
                WHERE series = ? AND start BETWEEN ? AND ? AND "end" >= ? ORDER BY start, id
                """)
        let lower = range.lowerBound.subtractingReportingOverflow(span)
        return try Row.fetchAll(
            statement,
            arguments: [id, lower.overflow ? Int64.min : lower.partialValue, range.upperBound, range.lowerBound]
        ).map { row in
            let shift: Int64? = row["shift"]
            let record: Data = row["record"]
            return StoredChunk(start: row["start"], end: row["end"], shift: shift ?? 0, record: [UInt8](record))
        }
    }

    package func rollups(of series: SeriesKey, level: RollupLevel, in range: ClosedRange<Int64>) async throws
        -> [RollupBucket]
    {
        try await reading { db in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT \(SQLiteRollups.columns) FROM \(SQLiteSchema.table(level))
                    WHERE series = (SELECT id FROM series WHERE gateway = ? AND name = ?) AND bucket BETWEEN ? AND ?
                    ORDER BY bucket
                    """)
            let first = level.bucket(of: range.lowerBound) / level.width
            let last = level.bucket(of: range.upperBound) / level.width
            return try Row.fetchAll(statement, arguments: [series.gateway, series.name, first, last])
                .map { SQLiteRollups.read($0, level: level) }
                .filter { range.contains($0.start) }
        }
    }

    package func latest(gateway: String) async throws -> [LatestReading] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT name, unit, last_time, last_value, last_good FROM series
                    WHERE gateway = ? AND last_time IS NOT NULL ORDER BY name
                    """, arguments: [gateway]
            ).map { row in
                let value: Double? = row["last_value"]
                return LatestReading(
                    series: SeriesKey(gateway: gateway, name: row["name"]), unit: row["unit"],
                    timestamp: row["last_time"], value: value ?? .nan, good: row["last_good"])
            }
        }
    }
}
