import GRDB

/// The outbox's tables, created and changed only through these migrations.
///
/// - `segments`: the readings of one commit, as an unsigned frame (chunks per series): small
///   appends, so a commit writes few pages on flash.
/// - `batches`: sealed, signed frames with their sequence number, deleted only when the hub
///   acknowledged them (or a quota policy evicted them, counted in `meta`).
/// - `meta`: counters that must survive restarts, the next sequence number first of all.
enum OutboxSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
                    CREATE TABLE segments (
                        id INTEGER PRIMARY KEY,
                        created_at INTEGER NOT NULL,
                        readings INTEGER NOT NULL,
                        oldest INTEGER NOT NULL,
                        payload BLOB NOT NULL);
                    CREATE TABLE batches (
                        sequence INTEGER PRIMARY KEY NOT NULL,
                        created_at INTEGER NOT NULL,
                        readings INTEGER NOT NULL,
                        oldest INTEGER NOT NULL,
                        degraded INTEGER NOT NULL DEFAULT 0,
                        frame BLOB NOT NULL);
                    INSERT INTO meta (key, value) VALUES ('next_sequence', 1);
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
