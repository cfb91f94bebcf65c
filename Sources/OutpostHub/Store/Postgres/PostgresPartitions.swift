import PostgresNIO

/// The time partitions of chunks (a day each, by start) and rollups (30 days of minutes, 360
/// days of hours, by bucket). Partitions are made ahead of time, from two weeks back to two days
/// on, when the store opens and at each retention pass, never inside an ingest transaction (a
/// new partition locks its parent). Rows outside them (a backlog older than two weeks, a clock
/// far off) land in the table's default partition and are kept and queried the same way; only
/// retention treats them row by row. Retention drops a partition once every row in it is past
/// its level's age.
enum PostgresPartitions {
    /// One partitioned table.
    struct Table: Sendable {
        /// Its name.
        let name: String
        /// Nanoseconds per unit of its partition key (1 for chunk starts, a minute or an hour
        /// for rollup buckets).
        let unit: Int64
        /// Partition width, in key units.
        let width: Int64

        /// The partition holding key `key`.
        func index(of key: Int64) -> Int64 { key >= 0 ? key / width : (key - width + 1) / width }

        func partition(_ index: Int64) -> String { "\(name)_p\(index)" }
    }

    static let day: Int64 = 86_400_000_000_000
    static let chunks = Table(name: "chunks", unit: 1, width: day)
    static let minute = Table(name: "rollup_minute", unit: 60_000_000_000, width: 30 * 1_440)
    static let hour = Table(name: "rollup_hour", unit: 3_600_000_000_000, width: 360 * 24)
    static let tables = [chunks, minute, hour]

    static func table(_ level: RollupLevel) -> Table { level == .minute ? minute : hour }

    /// Makes the partitions of every table covering `now` − 14 days (or the start of what
    /// `retention` keeps, when later) to `now` + 2 days that do not exist yet. A range whose rows
    /// already sit in the default partition is left there.
    static func prepare(around now: Int64, retention: RetentionPolicy = RetentionPolicy(), _ link: PostgresLink)
        async throws
    {
        let existing = try await link.withConnection { try await partitionNames(of: tables, $0) }
        let kept = [chunks.name: retention.raw, minute.name: retention.minute, hour.name: retention.hour]
        for table in tables {
            let keep = kept[table.name].flatMap { $0 }.map { $0.nanoseconds } ?? .max
            let first = table.index(of: (now &- min(14 * day, keep)) / table.unit)
            let last = table.index(of: (now &+ 2 * day) / table.unit)
            for index in first...last where !existing.contains(table.partition(index)) {
                do {
                    try await link.withConnection { session in
                        try await session.script(
                            """
                            CREATE TABLE IF NOT EXISTS \(table.partition(index)) PARTITION OF \(table.name)
                            FOR VALUES FROM (\(index * table.width)) TO (\((index + 1) * table.width))
                            \(table.name == chunks.name ? "" : "WITH (fillfactor = 70)")
                            """)
                    }
                } catch let error as PostgresStoreError where error.code == "23514" || error.code == "42P07" {
                    // Rows of that range are in the default partition already (they stay there),
                    // or another replica made it first.
                    continue
                }
            }
        }
    }

    /// The names of the existing partitions of `tables`.
    static func partitionNames(of tables: [Table], _ session: PostgresSession) async throws -> Set<String> {
        let rows = try await session.query(
            """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY(\(tables.map(\.name)))
            """)
        return Set(try rows.map { try $0.decode(String.self) })
    }

    /// Drops the partitions of `table` whose every row is past retention: every key below
    /// `cutoff` (key units) and, for chunks, every end too; returns the rows they held.
    static func drop(_ table: Table, below cutoff: Int64, _ session: PostgresSession) async throws -> Int {
        var dropped = 0
        for name in try await partitionNames(of: [table], session) {
            let prefix = "\(table.name)_p"
            guard name.hasPrefix(prefix), let index = Int64(name.dropFirst(prefix.count)),
                (index + 1) * table.width <= cutoff
            else { continue }
            // A chunk starting before the cutoff may end after it: such a partition waits.
            let ends = table.name == chunks.name ? "max(\"end\")" : "NULL::bigint"
            let found = try await session.query("SELECT count(*), \(unescaped: ends) FROM \(unescaped: name)")
            let (count, lastEnd) = try found.first?.decode((Int, Int64?).self) ?? (0, nil)
            if let lastEnd, lastEnd >= cutoff * table.unit { continue }
            dropped += count
            try await session.script("DROP TABLE IF EXISTS \(name)")
        }
        return dropped
    }
}
