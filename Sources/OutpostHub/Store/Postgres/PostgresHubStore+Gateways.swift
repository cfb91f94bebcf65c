import NIOCore
import PostgresNIO

extension PostgresHubStore {
    package func enrol(gateway: String, publicKey: [UInt8], latitude: Double?, longitude: Double?, at time: Int64)
        async throws
    {
        try await link.withConnection { session in
            try await session.execute(
                """
                INSERT INTO gateways (id, public_key, enrolled_at, latitude, longitude)
                VALUES (\(gateway), \(ByteBuffer(bytes: publicKey)), \(time), \(latitude), \(longitude))
                ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, enrolled_at = excluded.enrolled_at,
                    revoked_at = NULL, latitude = coalesce(excluded.latitude, gateways.latitude),
                    longitude = coalesce(excluded.longitude, gateways.longitude)
                """)
        }
    }

    package func revoke(gateway: String, at time: Int64) async throws -> Bool {
        try await link.withConnection { session in
            try await session.execute("UPDATE gateways SET revoked_at = \(time) WHERE id = \(gateway)") > 0
        }
    }

    package func gateways() async throws -> [GatewayRecord] { try await gatewayRecords(id: nil) }

    package func gateway(_ id: String) async throws -> GatewayRecord? { try await gatewayRecords(id: id).first }

    /// Every gateway, or the one of `id`.
    private func gatewayRecords(id: String?) async throws -> [GatewayRecord] {
        try await link.withConnection { session in
            try await session.query(
                """
                SELECT id, public_key IS NOT NULL, enrolled_at, revoked_at, last_seen, agent_version,
                    backlog_readings, clock_offset, clock_state, online, latitude, longitude, series_count, budget,
                    config_report, labels, (SELECT max(version) FROM gateway_configs c WHERE c.gateway = gateways.id),
                    release_report
                FROM gateways WHERE \(id)::text IS NULL OR id = \(id) ORDER BY id
                """
            ).map { row in
                let (id, enrolled, enrolledAt, revokedAt, lastSeen, version, backlog, offset) = try row.decode(
                    (String, Bool, Int64?, Int64?, Int64?, String?, Int64, Int64).self)
                let cells = row.makeRandomAccess()
                return GatewayRecord(
                    id: id, enrolled: enrolled, enrolledAt: enrolledAt, revokedAt: revokedAt, lastSeen: lastSeen,
                    agentVersion: version, backlogReadings: backlog, clockOffset: offset,
                    clockState: try cells[8].decode(String.self), online: try cells[9].decode(Bool.self),
                    latitude: try cells[10].decode(Double?.self), longitude: try cells[11].decode(Double?.self),
                    seriesCount: try cells[12].decode(Int.self),
                    budget: GatewayStatusReport.budget(json: try cells[13].decode(String?.self)),
                    configuration: GatewayStatusReport.configuration(json: try cells[14].decode(String?.self)),
                    labels: FleetTables.labels(json: try cells[15].decode(String.self)),
                    desiredConfiguration: try cells[16].decode(Int64?.self),
                    release: GatewayStatusReport.release(json: try cells[17].decode(String?.self)))
            }
        }
    }

    package func enrolledKeys() async throws -> [String: (publicKey: [UInt8], revoked: Bool)] {
        try await link.withConnection { session in
            var keys: [String: (publicKey: [UInt8], revoked: Bool)] = [:]
            for row in try await session.query(
                "SELECT id, public_key, revoked_at IS NOT NULL FROM gateways WHERE public_key IS NOT NULL")
            {
                let (id, key, revoked) = try row.decode((String, ByteBuffer, Bool).self)
                keys[id] = (Array(key.readableBytesView), revoked)
            }
            return keys
        }
    }

    package func recordStatus(gateway: String, report: GatewayStatusReport, at time: Int64) async throws {
        try await link.transaction { session in
            try await session.execute(
                """
                INSERT INTO gateways (id, online, agent_version, backlog_readings, clock_state, last_seen, budget,
                    config_report, release_report)
                VALUES (\(gateway), \(report.online), \(report.agentVersion), \(report.backlogReadings ?? 0),
                    \(report.clockState ?? "unknown"), \(time), \(report.budgetJSON), \(report.configurationJSON),
                    \(report.releaseJSON))
                ON CONFLICT (id) DO UPDATE SET online = excluded.online,
                    budget = CASE WHEN excluded.agent_version IS NULL THEN gateways.budget ELSE excluded.budget END,
                    config_report = CASE WHEN excluded.agent_version IS NULL THEN gateways.config_report
                        ELSE excluded.config_report END,
                    release_report = CASE WHEN excluded.agent_version IS NULL THEN gateways.release_report
                        ELSE excluded.release_report END,
                    agent_version = coalesce(excluded.agent_version, gateways.agent_version),
                    backlog_readings = excluded.backlog_readings,
                    clock_state = coalesce(\(report.clockState), gateways.clock_state),
                    last_seen = greatest(gateways.last_seen, excluded.last_seen)
                """)
            try await session.execute(
                """
                INSERT INTO gateway_health (gateway, time, online, backlog)
                VALUES (\(gateway), \(time), \(report.online), \(report.backlogReadings ?? 0))
                ON CONFLICT (gateway, time) DO UPDATE SET online = excluded.online, backlog = excluded.backlog
                """)
        }
    }

    package func health(gateway: String, in range: ClosedRange<Int64>) async throws -> [HealthPoint] {
        try await link.withConnection { session in
            try await session.query(
                """
                SELECT time, online, backlog FROM gateway_health
                WHERE gateway = \(gateway) AND time BETWEEN \(range.lowerBound) AND \(range.upperBound) ORDER BY time
                """
            ).map { row in
                let (time, online, backlog) = try row.decode((Int64, Bool, Int64).self)
                return HealthPoint(time: time, online: online, backlogReadings: backlog)
            }
        }
    }

    package func recordRefusal(gateway: String, reason: String, detail: String, count: Int, at time: Int64) async throws
    {
        try await link.withConnection { session in
            try await session.execute(
                """
                INSERT INTO refusals (gateway, reason, count, first_at, last_at, detail)
                VALUES (\(gateway), \(reason), \(Int64(count)), \(time), \(time), \(String(detail.prefix(500))))
                ON CONFLICT (gateway, reason) DO UPDATE SET count = refusals.count + excluded.count,
                    last_at = excluded.last_at, detail = excluded.detail
                """)
        }
    }

    package func pruneRefusals(before time: Int64, keeping: Int) async throws {
        try await link.withConnection { session in
            try await session.execute("DELETE FROM refusals WHERE last_at < \(time)")
            try await session.execute(
                """
                DELETE FROM refusals WHERE (gateway, reason) IN
                    (SELECT gateway, reason FROM refusals ORDER BY last_at DESC, gateway, reason OFFSET \(Int64(keeping)))
                """)
        }
    }

    package func refusals(limit: Int, offset: Int) async throws -> [RefusalRecord] {
        try await link.withConnection { session in
            try await session.query(
                """
                SELECT gateway, reason, count, first_at, last_at, detail FROM refusals
                ORDER BY last_at DESC, gateway, reason LIMIT \(Int64(limit)) OFFSET \(Int64(offset))
                """
            ).map { row in
                let (gateway, reason, count, first, last, detail) = try row.decode(
                    (String, String, Int64, Int64, Int64, String).self)
                return RefusalRecord(
                    gateway: gateway, reason: reason, count: count, firstAt: first, lastAt: last, detail: detail)
            }
        }
    }
}
