import GRDB

/// The embedded store's tables, created and changed only through these versioned migrations.
///
/// - `gateways`: identity (public key, enrolment, revocation), last seen, reported health, clock offset.
/// - `boot_clocks`: per gateway boot, the offset from its monotonic clock to true time.
/// - `series`: one row per gateway series, with the newest reading and the longest chunk span
///   seen (which bounds the index scan of a range query).
/// - `chunks`: chunk records as they arrived, keyed for range scans by (series, start).
/// - `rollup_minute`, `rollup_hour`: statistics per bucket (bucket = start / width), merged at
///   ingest, so late data corrects them; stored compactly (`SQLiteRollups`).
/// - `applied_batches`: every (gateway, sequence) applied, for dedupe.
/// - `refusals`: refused frames counted per claimed gateway and reason.
/// - `alerts` (v2): each alert's kind, state, score and times, who acknowledged it and why;
///   (v4) the claim that keeps one open alert per problem.
/// - (v7) `gateway_configs`, `audit`, `gateways.config_report`: `FleetTables`.
/// - (v8) `gateways.release_report`: where the gateway last said it stands with agent releases
///   (its status's `release`, as JSON).
/// - (v9) `releases`, `release_chunks`, `rollouts.release`: `ReleaseTables`.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE gateways (
                        id TEXT PRIMARY KEY NOT NULL,
                        public_key BLOB,
                        enrolled_at INTEGER,
                        revoked_at INTEGER,
                        last_seen INTEGER,
                        agent_version TEXT,
                        backlog_readings INTEGER NOT NULL DEFAULT 0,
                        clock_offset INTEGER NOT NULL DEFAULT 0,
                        clock_state TEXT NOT NULL DEFAULT 'unknown',
                        online INTEGER NOT NULL DEFAULT 0,
                        latitude REAL,
                        longitude REAL);
                    CREATE TABLE boot_clocks (
                        gateway TEXT NOT NULL,
                        boot BLOB NOT NULL,
                        offset INTEGER NOT NULL,
                        exact INTEGER NOT NULL,
                        PRIMARY KEY (gateway, boot)) WITHOUT ROWID;
                    CREATE TABLE series (
                        id INTEGER PRIMARY KEY,
                        gateway TEXT NOT NULL,
                        name TEXT NOT NULL,
                        unit TEXT NOT NULL,
                        kind INTEGER NOT NULL,
                        resolution TEXT,
                        max_span INTEGER NOT NULL DEFAULT 0,
                        last_time INTEGER,
                        last_value REAL,
                        last_good INTEGER,
                        UNIQUE (gateway, name));
                    CREATE TABLE chunks (
                        id INTEGER PRIMARY KEY,
                        series INTEGER NOT NULL,
                        start INTEGER NOT NULL,
                        "end" INTEGER NOT NULL,
                        shift INTEGER,
                        record BLOB NOT NULL);
                    CREATE INDEX chunks_by_series ON chunks (series, start);
                    CREATE TABLE rollup_minute (
                        series INTEGER NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
                        valid INTEGER, scale INTEGER, min REAL, max REAL, sum REAL NOT NULL,
                        PRIMARY KEY (series, bucket)) WITHOUT ROWID;
                    CREATE TABLE rollup_hour (
                        series INTEGER NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
                        valid INTEGER, scale INTEGER, min REAL, max REAL, sum REAL NOT NULL,
                        PRIMARY KEY (series, bucket)) WITHOUT ROWID;
                    CREATE TABLE applied_batches (
                        gateway TEXT NOT NULL,
                        sequence INTEGER NOT NULL,
                        applied_at INTEGER NOT NULL,
                        PRIMARY KEY (gateway, sequence)) WITHOUT ROWID;
                    CREATE TABLE refusals (
                        gateway TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        count INTEGER NOT NULL,
                        first_at INTEGER NOT NULL,
                        last_at INTEGER NOT NULL,
                        detail TEXT NOT NULL,
                        PRIMARY KEY (gateway, reason)) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2 alerts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE alerts (
                        id INTEGER PRIMARY KEY,
                        gateway TEXT NOT NULL,
                        series TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        state TEXT NOT NULL,
                        score REAL NOT NULL,
                        opened_at INTEGER NOT NULL,
                        last_anomaly_at INTEGER NOT NULL,
                        resolved_at INTEGER,
                        acknowledged_by TEXT,
                        note TEXT);
                    CREATE INDEX alerts_open ON alerts (state) WHERE state != 'resolved';
                    """)
        }
        migrator.registerMigration("v3 accounts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                        name TEXT PRIMARY KEY,
                        role TEXT NOT NULL,
                        password_hash TEXT NOT NULL,
                        created_at INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE TABLE sessions (
                        hash TEXT PRIMARY KEY,
                        user TEXT NOT NULL,
                        role TEXT NOT NULL,
                        csrf TEXT NOT NULL,
                        expires_at INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE TABLE api_tokens (
                        id INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL,
                        hash TEXT NOT NULL UNIQUE,
                        created_by TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        last_used_at INTEGER,
                        revoked_at INTEGER);
                    CREATE INDEX alerts_opened ON alerts (opened_at);
                    CREATE TABLE gateway_health (
                        gateway TEXT NOT NULL,
                        time INTEGER NOT NULL,
                        online INTEGER NOT NULL,
                        backlog INTEGER NOT NULL,
                        PRIMARY KEY (gateway, time)) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v4 alert claims") { db in
            // The problem an alert is about: at most one open alert per claim (`AlertOpening`).
            try db.execute(
                sql: """
                    ALTER TABLE alerts ADD COLUMN claim TEXT;
                    UPDATE alerts SET claim = CASE WHEN series = '' THEN gateway || '//' || kind
                        ELSE gateway || '/' || series END;
                    CREATE INDEX alerts_by_claim ON alerts (claim) WHERE state != 'resolved';
                    """)
        }
        migrator.registerMigration("v5 alert resolution") { db in
            // Why an alert resolved, when not just "normal again" (a shift became the new normal).
            try db.execute(sql: "ALTER TABLE alerts ADD COLUMN resolution TEXT")
        }
        migrator.registerMigration("v6 data budget") { db in
            // The data budget a gateway last reported (its status's `budget`, as JSON).
            try db.execute(sql: "ALTER TABLE gateways ADD COLUMN budget TEXT")
        }
        migrator.registerMigration("v7 fleet management") { db in
            try db.execute(sql: FleetTables.sqlite)
        }
        migrator.registerMigration("v8 release report") { db in
            try db.execute(sql: "ALTER TABLE gateways ADD COLUMN release_report TEXT")
        }
        migrator.registerMigration("v9 releases") { db in
            try db.execute(sql: ReleaseTables.sqlite)
        }
        return migrator
    }

    /// The rollup table of a level.
    static func table(_ level: RollupLevel) -> String {
        switch level {
        case .minute: "rollup_minute"
        case .hour: "rollup_hour"
        }
    }
}
