import PostgresNIO

/// The PostgreSQL store's tables: the embedded store's (`SQLiteSchema`) in PostgreSQL's types,
/// with chunks and rollups partitioned by time so retention drops whole partitions, and each
/// gateway's count of series kept on its row (the fleet view reads it instead of counting).
/// Versioned:
/// `outpost_migrations` lists what was applied, and a migration runs once, in its own
/// transaction, under an advisory lock, so replicas starting together do not race.
///
/// Rows updated at every frame (a series' newest reading, the open minute and hour buckets) sit
/// in pages kept partly free (`fillfactor`), so their updates stay on the page (HOT) and leave
/// no index entries behind for vacuum.
enum PostgresSchema {
    /// The migrations, in order; never edit one that shipped, add the next.
    static let migrations: [(name: String, sql: String)] = [
        (
            "v1",
            """
            CREATE TABLE gateways (
                id TEXT PRIMARY KEY,
                public_key BYTEA,
                enrolled_at BIGINT,
                revoked_at BIGINT,
                last_seen BIGINT,
                agent_version TEXT,
                backlog_readings BIGINT NOT NULL DEFAULT 0,
                clock_offset BIGINT NOT NULL DEFAULT 0,
                clock_state TEXT NOT NULL DEFAULT 'unknown',
                online BOOLEAN NOT NULL DEFAULT false,
                latitude DOUBLE PRECISION,
                longitude DOUBLE PRECISION,
                series_count BIGINT NOT NULL DEFAULT 0);
            CREATE TABLE boot_clocks (
                gateway TEXT NOT NULL,
                boot BYTEA NOT NULL,
                "offset" BIGINT NOT NULL,
                exact BOOLEAN NOT NULL,
                PRIMARY KEY (gateway, boot));
            CREATE TABLE series (
                id BIGSERIAL PRIMARY KEY,
                gateway TEXT NOT NULL,
                name TEXT NOT NULL,
                unit TEXT NOT NULL,
                kind INTEGER NOT NULL,
                resolution TEXT,
                max_span BIGINT NOT NULL DEFAULT 0,
                last_time BIGINT,
                last_value DOUBLE PRECISION,
                last_good BOOLEAN,
                UNIQUE (gateway, name)) WITH (fillfactor = 50);
            CREATE TABLE chunks (
                id BIGSERIAL,
                series BIGINT NOT NULL,
                start BIGINT NOT NULL,
                "end" BIGINT NOT NULL,
                shift BIGINT NOT NULL,
                record BYTEA NOT NULL) PARTITION BY RANGE (start);
            CREATE INDEX chunks_by_series ON chunks (series, start);
            CREATE TABLE chunks_outside PARTITION OF chunks DEFAULT;
            CREATE TABLE rollup_minute (
                series BIGINT NOT NULL, bucket BIGINT NOT NULL, count BIGINT NOT NULL, valid BIGINT NOT NULL,
                min DOUBLE PRECISION, max DOUBLE PRECISION, sum DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (series, bucket)) PARTITION BY RANGE (bucket);
            CREATE TABLE rollup_minute_outside PARTITION OF rollup_minute DEFAULT;
            CREATE TABLE rollup_hour (
                series BIGINT NOT NULL, bucket BIGINT NOT NULL, count BIGINT NOT NULL, valid BIGINT NOT NULL,
                min DOUBLE PRECISION, max DOUBLE PRECISION, sum DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (series, bucket)) PARTITION BY RANGE (bucket);
            CREATE TABLE rollup_hour_outside PARTITION OF rollup_hour DEFAULT;
            CREATE TABLE applied_batches (
                gateway TEXT NOT NULL,
                sequence BIGINT NOT NULL,
                applied_at BIGINT NOT NULL,
                PRIMARY KEY (gateway, sequence));
            CREATE TABLE refusals (
                gateway TEXT NOT NULL,
                reason TEXT NOT NULL,
                count BIGINT NOT NULL,
                first_at BIGINT NOT NULL,
                last_at BIGINT NOT NULL,
                detail TEXT NOT NULL,
                PRIMARY KEY (gateway, reason));
            CREATE TABLE alerts (
                id BIGSERIAL PRIMARY KEY,
                gateway TEXT NOT NULL,
                series TEXT NOT NULL,
                kind TEXT NOT NULL,
                state TEXT NOT NULL,
                score DOUBLE PRECISION NOT NULL,
                opened_at BIGINT NOT NULL,
                last_anomaly_at BIGINT NOT NULL,
                resolved_at BIGINT,
                acknowledged_by TEXT,
                note TEXT,
                claim TEXT NOT NULL);
            CREATE UNIQUE INDEX alerts_claimed ON alerts (claim) WHERE state <> 'resolved';
            CREATE INDEX alerts_open ON alerts (state) WHERE state <> 'resolved';
            CREATE INDEX alerts_opened ON alerts (opened_at);
            CREATE TABLE users (
                name TEXT PRIMARY KEY,
                role TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL);
            CREATE TABLE sessions (
                hash TEXT PRIMARY KEY,
                "user" TEXT NOT NULL,
                role TEXT NOT NULL,
                csrf TEXT NOT NULL,
                expires_at BIGINT NOT NULL);
            CREATE TABLE api_tokens (
                id BIGSERIAL PRIMARY KEY,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                last_used_at BIGINT,
                revoked_at BIGINT);
            CREATE TABLE gateway_health (
                gateway TEXT NOT NULL,
                time BIGINT NOT NULL,
                online BOOLEAN NOT NULL,
                backlog BIGINT NOT NULL,
                PRIMARY KEY (gateway, time));
            """
        ),
        // Why an alert resolved, when not just "normal again" (a shift became the new normal).
        ("v2 alert resolution", "ALTER TABLE alerts ADD COLUMN resolution TEXT;"),
        // The data budget a gateway last reported (its status's `budget`, as JSON).
        ("v3 data budget", "ALTER TABLE gateways ADD COLUMN budget TEXT;"),
        ("v4 fleet management", FleetTables.postgres),
        // Where a gateway last said it stands with agent releases (its status's `release`, as JSON).
        ("v5 release report", "ALTER TABLE gateways ADD COLUMN release_report TEXT;"),
        ("v6 releases", ReleaseTables.postgres),
    ]

    /// A key for `pg_advisory_xact_lock`: "outpost migrations".
    static let migrationLock: Int64 = 0x6F75_7470_6F73_7401
    /// A key for `pg_try_advisory_xact_lock`: one replica runs retention at a time.
    static let maintenanceLock: Int64 = 0x6F75_7470_6F73_7402

    /// Applies what is missing, one transaction per migration.
    static func migrate(_ link: PostgresLink) async throws {
        try await link.withConnection { session in
            try await session.script(
                "CREATE TABLE IF NOT EXISTS outpost_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
        }
        for migration in migrations {
            try await link.transaction { session in
                try await session.execute("SELECT pg_advisory_xact_lock(\(migrationLock))")
                let done = try await session.query("SELECT 1 FROM outpost_migrations WHERE name = \(migration.name)")
                guard done.isEmpty else { return }
                try await session.script(migration.sql)
                try await session.execute("INSERT INTO outpost_migrations (name) VALUES (\(migration.name))")
            }
        }
    }

    /// The rollup table of a level.
    static func table(_ level: RollupLevel) -> String {
        switch level {
        case .minute: "rollup_minute"
        case .hour: "rollup_hour"
        }
    }
}
