import GRDB
import OutpostWire

/// The outbox's tables, created and changed only through these migrations.
///
/// - `series`: every series ever buffered, numbered, with how it is described in frames.
///   Committed readings themselves live in the `SegmentJournal` beside the database, and so do
///   recently sealed batches (`OutboxJournalState`); `meta` says which journal file is current,
///   how much of it older agents sealed, and up to which sequence its batches were moved here.
/// - `batches`: sealed, signed frames with their sequence number — the backlog of a link that is
///   down, moved from the journal — deleted only when the hub acknowledged them (or a quota
///   policy evicted them, counted in `meta`).
/// - `meta`: counters that must survive restarts, the next sequence number first of all.
enum OutboxSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
                    CREATE TABLE series (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE,
                        unit TEXT NOT NULL,
                        kind INTEGER NOT NULL,
                        resolution TEXT);
                    CREATE TABLE batches (
                        sequence INTEGER PRIMARY KEY NOT NULL,
                        created_at INTEGER NOT NULL,
                        readings INTEGER NOT NULL,
                        oldest INTEGER NOT NULL,
                        degraded INTEGER NOT NULL DEFAULT 0,
                        frame BLOB NOT NULL);
                    INSERT INTO meta (key, value) VALUES ('next_sequence', 1);
                    INSERT INTO meta (key, value) VALUES ('journal_generation', 1);
                    INSERT INTO meta (key, value) VALUES ('journal_consumed', 0);
                    """)
        }
        return migrator
    }

    /// Keys of `meta`.
    enum Key {
        static let nextSequence = "next_sequence"
        static let evictedReadings = "evicted_readings"
        static let evictedBatches = "evicted_batches"
        static let degradedBatches = "degraded_batches"
        static let refusedReadings = "refused_readings"
        static let journalGeneration = "journal_generation"
        static let journalConsumed = "journal_consumed"
        /// Batches sealed in the journal up to this sequence number are in `batches` (or gone).
        static let journalMigratedThrough = "journal_migrated_through"
        /// The data budget's period (days or months since 1970) and the bytes used in it.
        static let budgetPeriod = "budget_period"
        static let budgetUsed = "budget_used"
    }

    /// Every series row: id → descriptor (its `id` field is the row id).
    static func series(_ db: Database) throws -> [Int64: SeriesDescriptor] {
        var result: [Int64: SeriesDescriptor] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT id, name, unit, kind, resolution FROM series")
        while let row = try rows.next() {
            let id: Int64 = row["id"]
            let resolution: String? = row["resolution"]
            result[id] = SeriesDescriptor(
                id: UInt32(truncatingIfNeeded: id), name: row["name"], unit: row["unit"],
                kind: SeriesKind(rawValue: row["kind"]) ?? .gauge,
                resolution: resolution.flatMap(Resolution.init(parsing:)))
        }
        return result
    }

    /// The id of `descriptor`'s series, adding or updating its row.
    static func seriesID(_ db: Database, _ descriptor: SeriesDescriptor) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO series (name, unit, kind, resolution) VALUES (?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET unit = excluded.unit, kind = excluded.kind, resolution = excluded.resolution
                """,
            arguments: [
                descriptor.name, descriptor.unit, Int(descriptor.kind.rawValue), descriptor.resolution?.description,
            ])
        return try Int64.fetchOne(db, sql: "SELECT id FROM series WHERE name = ?", arguments: [descriptor.name]) ?? 0
    }

    static func set(_ db: Database, _ key: String, _ value: Int64) throws {
        try db.execute(
            sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            arguments: [key, value])
    }

    static func meta(_ db: Database, _ key: String) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) ?? 0
    }

    static func add(_ db: Database, _ key: String, _ amount: Int64) throws {
        try db.execute(
            sql:
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
            arguments: [key, amount])
    }
}
