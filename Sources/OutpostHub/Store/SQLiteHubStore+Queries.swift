import Foundation
import GRDB
import GRDBSQLite
import OutpostWire

extension SQLiteHubStore {
    package func series(gateway: String?) async throws -> [SeriesRecord] {
        try await reading { db in
            let columns = "id, gateway, name, unit, kind, resolution, last_time"
            if let gateway {
                let statement = try db.makeStatement(
                    sql: "SELECT \(columns) FROM series WHERE gateway = ? ORDER BY name")
                statement.arguments = [gateway]
                return try Self.seriesRecords(statement)
            }
            return try Self.seriesRecords(
                try db.makeStatement(sql: "SELECT \(columns) FROM series ORDER BY gateway, name"))
        }
    }

    /// The series rows `statement` selects (the columns of `series(gateway:)`), read straight
    /// from SQLite: through GRDB's rows, a fleet's 20,000 series took 25 ms (its generic decoding
    /// looks up type metadata for every value), which every Prometheus selector pays.
    private static func seriesRecords(_ statement: Statement) throws -> [SeriesRecord] {
        let handle = statement.sqliteStatement
        // By its length, not up to a NUL: a name from a gateway may hold one.
        func text(_ column: Int32) -> String? {
            guard let bytes = sqlite3_column_text(handle, column) else { return nil }
            let count = Int(sqlite3_column_bytes(handle, column))
            return String(decoding: UnsafeRawBufferPointer(start: bytes, count: count), as: UTF8.self)
        }
        var records: [SeriesRecord] = []
        let rows = try Row.fetchCursor(statement)  // steps the statement; its values are read below
        while try rows.next() != nil {
            let newest: Int64? =
                sqlite3_column_type(handle, 6) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, 6)
            records.append(
                SeriesRecord(
                    id: sqlite3_column_int64(handle, 0), key: SeriesKey(gateway: text(1) ?? "", name: text(2) ?? ""),
                    unit: text(3) ?? "",
                    kind: SeriesKind(rawValue: UInt8(truncatingIfNeeded: sqlite3_column_int64(handle, 4))) ?? .gauge,
                    resolution: text(5).flatMap(Resolution.init(parsing:)), newest: newest))
        }
        return records
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
        let lookup = try db.cachedStatement(sql: "SELECT id, max_span FROM series WHERE gateway = ? AND name = ?")
        lookup.arguments = [series.gateway, series.name]
        let found = try Row.fetchCursor(lookup)
        guard try found.next() != nil else { return [] }
        let id = sqlite3_column_int64(lookup.sqliteStatement, 0)
        let span = sqlite3_column_int64(lookup.sqliteStatement, 1)
        while try found.next() != nil {}  // (gateway, name) is unique: this only ends the statement
        let statement = try db.cachedStatement(
            sql: """
                SELECT start, "end", shift, record FROM chunks
                WHERE series = ? AND start BETWEEN ? AND ? AND "end" >= ? ORDER BY start, id
                """)
        let lower = range.lowerBound.subtractingReportingOverflow(span)
        statement.arguments = [id, lower.overflow ? Int64.min : lower.partialValue, range.upperBound, range.lowerBound]
        // Straight from SQLite's columns, as `seriesRecords`: GRDB's generic decoding cost more
        // than the chunk's own decoding.
        let handle = statement.sqliteStatement
        var chunks: [StoredChunk] = []
        let rows = try Row.fetchCursor(statement)
        while try rows.next() != nil {
            let blob = sqlite3_column_blob(handle, 3)
            let count = Int(sqlite3_column_bytes(handle, 3))
            let record = blob.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
            chunks.append(
                StoredChunk(
                    start: sqlite3_column_int64(handle, 0), end: sqlite3_column_int64(handle, 1),
                    shift: sqlite3_column_int64(handle, 2), record: record))
        }
        return chunks
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
