import PostgresNIO

extension PostgresHubStore {
    package func addConfiguration(
        gateway: String, toml: String, trialSeconds: Int64, author: String, note: String, at time: Int64
    ) async throws -> StoredConfiguration {
        try await link.transaction { session in
            // Two hubs pushing to one gateway at once take turns: versions never collide.
            try await session.execute("SELECT pg_advisory_xact_lock(\(Self.configurationLock), hashtext(\(gateway)))")
            let newest =
                try await session.query(
                    "SELECT max(version) FROM gateway_configs WHERE gateway = \(gateway)"
                ).first.map { try $0.decode(Int64?.self) } ?? nil
            let version = (newest ?? 0) + 1
            try await session.execute(
                """
                INSERT INTO gateway_configs (gateway, version, toml, trial_s, created_at, author, note)
                VALUES (\(gateway), \(version), \(toml), \(trialSeconds), \(time), \(author), \(note))
                """)
            return StoredConfiguration(
                gateway: gateway, version: version, toml: toml, trialSeconds: trialSeconds, createdAt: time,
                author: author, note: note)
        }
    }

    /// The first key of the advisory lock that orders versions: "config".
    static let configurationLock: Int32 = 0x636F_6E66

    package func configurations(gateway: String) async throws -> [StoredConfiguration] {
        try await link.withConnection { session in
            try await session.query(
                """
                SELECT gateway, version, toml, trial_s, created_at, author, note FROM gateway_configs
                WHERE gateway = \(gateway) ORDER BY version DESC
                """
            ).map(Self.configuration)
        }
    }

    package func newestConfigurations() async throws -> [StoredConfiguration] {
        try await link.withConnection { session in
            try await session.query(
                """
                SELECT DISTINCT ON (gateway) gateway, version, toml, trial_s, created_at, author, note
                FROM gateway_configs ORDER BY gateway, version DESC
                """
            ).map(Self.configuration)
        }
    }

    package func audit(_ entry: AuditEntry) async throws {
        try await link.withConnection { session in
            try await session.execute(
                """
                INSERT INTO audit (at, actor, source, action, target, detail)
                VALUES (\(entry.at), \(entry.actor), \(entry.source), \(entry.action), \(entry.target), \(entry.detail))
                """)
        }
    }

    package func auditLog(target: String?, before: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await link.withConnection { session in
            try await session.query(
                """
                SELECT id, at, actor, source, action, target, detail FROM audit
                WHERE (\(target)::text IS NULL OR target = \(target)) AND id < \(before ?? Int64.max)
                ORDER BY id DESC LIMIT \(limit)
                """
            ).map { row in
                let (id, at, actor, source, action, target, detail) = try row.decode(
                    (Int64, Int64, String, String, String, String, String).self)
                return AuditEntry(
                    id: id, at: at, actor: actor, source: source, action: action, target: target, detail: detail)
            }
        }
    }

    static func configuration(_ row: PostgresRow) throws -> StoredConfiguration {
        let (gateway, version, toml, trial, created, author, note) = try row.decode(
            (String, Int64, String, Int64, Int64, String, String).self)
        return StoredConfiguration(
            gateway: gateway, version: version, toml: toml, trialSeconds: trial, createdAt: created, author: author,
            note: note)
    }
}
