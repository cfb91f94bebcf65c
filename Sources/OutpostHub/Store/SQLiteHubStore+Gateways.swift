import Foundation
import GRDB

extension SQLiteHubStore {
    package func enrol(gateway: String, publicKey: [UInt8], latitude: Double?, longitude: Double?, at time: Int64)
        async throws
    {
        try await writing { db in
            try db.execute(
                sql: """
                    INSERT INTO gateways (id, public_key, enrolled_at, latitude, longitude) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, enrolled_at = excluded.enrolled_at,
                        revoked_at = NULL, latitude = coalesce(excluded.latitude, latitude),
                        longitude = coalesce(excluded.longitude, longitude)
                    """,
                arguments: [gateway, Data(publicKey), time, latitude, longitude])
        }
    }

    package func revoke(gateway: String, at time: Int64) async throws -> Bool {
        try await writing { db in
            try db.execute(sql: "UPDATE gateways SET revoked_at = ? WHERE id = ?", arguments: [time, gateway])
            return db.changesCount > 0
        }
    }

    package func gateways() async throws -> [GatewayRecord] { try await gatewayRecords(id: nil) }

    package func gateway(_ id: String) async throws -> GatewayRecord? { try await gatewayRecords(id: id).first }

    /// Every gateway, or the one of `id`.
    private func gatewayRecords(id: String?) async throws -> [GatewayRecord] {
        try await reading { db in
            // One pass; the series count comes from the (gateway, name) index, the key stays on disk.
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT id, public_key IS NOT NULL, enrolled_at, revoked_at, last_seen, agent_version,
                            backlog_readings, clock_offset, clock_state, online, latitude, longitude,
                            (SELECT count(*) FROM series s WHERE s.gateway = g.id), budget, config_report, labels,
                            (SELECT max(version) FROM gateway_configs c WHERE c.gateway = g.id), release_report
                        FROM gateways g WHERE ? IS NULL OR id = ? ORDER BY id
                        """), arguments: [id, id])
            var records: [GatewayRecord] = []
            while let row = try rows.next() {
                records.append(
                    GatewayRecord(
                        id: row[0], enrolled: row[1], enrolledAt: row[2], revokedAt: row[3], lastSeen: row[4],
                        agentVersion: row[5], backlogReadings: row[6], clockOffset: row[7], clockState: row[8],
                        online: row[9], latitude: row[10], longitude: row[11], seriesCount: row[12],
                        budget: GatewayStatusReport.budget(json: row[13]),
                        configuration: GatewayStatusReport.configuration(json: row[14]),
                        labels: FleetTables.labels(json: row[15]), desiredConfiguration: row[16],
                        release: GatewayStatusReport.release(json: row[17])))
            }
            return records
        }
    }

    package func enrolledKeys() async throws -> [String: (publicKey: [UInt8], revoked: Bool)] {
        try await reading { db in
            var keys: [String: (publicKey: [UInt8], revoked: Bool)] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql:
                    "SELECT id, public_key, revoked_at IS NOT NULL AS revoked FROM gateways WHERE public_key IS NOT NULL"
            )
            while let row = try rows.next() {
                keys[row["id"]] = ([UInt8](row["public_key"] as Data), row["revoked"])
            }
            return keys
        }
    }

    package func recordStatus(gateway: String, report: GatewayStatusReport, at time: Int64) async throws {
        try await writing { db in
            try db.execute(
                sql: """
                    INSERT INTO gateways (id, online, agent_version, backlog_readings, clock_state, last_seen, budget,
                        config_report, release_report)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET online = excluded.online,
                        budget = CASE WHEN excluded.agent_version IS NULL THEN budget ELSE excluded.budget END,
                        config_report = CASE WHEN excluded.agent_version IS NULL THEN config_report
                            ELSE excluded.config_report END,
                        release_report = CASE WHEN excluded.agent_version IS NULL THEN release_report
                            ELSE excluded.release_report END,
                        agent_version = coalesce(excluded.agent_version, agent_version),
                        backlog_readings = excluded.backlog_readings,
                        clock_state = coalesce(?, clock_state),
                        last_seen = max(coalesce(last_seen, 0), excluded.last_seen)
                    """,
                arguments: [
                    gateway, report.online, report.agentVersion, report.backlogReadings ?? 0,
                    report.clockState ?? "unknown", time, report.budgetJSON, report.configurationJSON,
                    report.releaseJSON, report.clockState,
                ])
            try db.execute(
                sql: "INSERT OR REPLACE INTO gateway_health (gateway, time, online, backlog) VALUES (?, ?, ?, ?)",
                arguments: [gateway, time, report.online, report.backlogReadings ?? 0])
        }
    }

    package func health(gateway: String, in range: ClosedRange<Int64>) async throws -> [HealthPoint] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT time, online, backlog FROM gateway_health WHERE gateway = ? AND time BETWEEN ? AND ? ORDER BY time",
                arguments: [gateway, range.lowerBound, range.upperBound]
            ).map { HealthPoint(time: $0["time"], online: $0["online"], backlogReadings: $0["backlog"]) }
        }
    }

    package func recordRefusal(gateway: String, reason: String, detail: String, count: Int, at time: Int64) async throws
    {
        try await writing { db in
            try db.execute(
                sql: """
                    INSERT INTO refusals (gateway, reason, count, first_at, last_at, detail) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (gateway, reason) DO UPDATE SET count = count + excluded.count, last_at = excluded.last_at,
                        detail = excluded.detail
                    """,
                arguments: [gateway, reason, count, time, time, String(detail.prefix(500))])
        }
    }

    package func pruneRefusals(before time: Int64, keeping: Int) async throws {
        try await writing { db in
            try db.execute(sql: "DELETE FROM refusals WHERE last_at < ?", arguments: [time])
            try db.execute(
                sql: """
                    DELETE FROM refusals WHERE (gateway, reason) IN
                        (SELECT gateway, reason FROM refusals ORDER BY last_at DESC, gateway, reason LIMIT -1 OFFSET ?)
                    """,
                arguments: [keeping])
        }
    }

    package func refusals(limit: Int, offset: Int) async throws -> [RefusalRecord] {
        try await reading { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM refusals ORDER BY last_at DESC, gateway, reason LIMIT ? OFFSET ?",
                arguments: [limit, offset]
            ).map { row in
                RefusalRecord(
                    gateway: row["gateway"], reason: row["reason"], count: row["count"], firstAt: row["first_at"],
                    lastAt: row["last_at"], detail: row["detail"])
            }
        }
    }

    package func diskBytes() async throws -> Int64 {
        // Pages in use: pages freed by retention or compaction stay in the file and are reused
        // by later writes, so they are not counted.
        try await reading { db in
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            return (pages - free) * size
        }
    }
}
