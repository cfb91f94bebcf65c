import GRDB

extension SQLiteHubStore {
    package func addConfiguration(
        gateway: String, toml: String, trialSeconds: Int64, author: String, note: String, at time: Int64
    ) async throws -> StoredConfiguration {
        try await writing { db in
            let newest = try Int64.fetchOne(
                db, sql: "SELECT max(version) FROM gateway_configs WHERE gateway = ?", arguments: [gateway])
            let stored = StoredConfiguration(
                gateway: gateway, version: (newest ?? 0) + 1, toml: toml, trialSeconds: trialSeconds, createdAt: time,
                author: author, note: note)
            try db.execute(
                sql: """
                    INSERT INTO gateway_configs (gateway, version, toml, trial_s, created_at, author, note)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [gateway, stored.version, toml, trialSeconds, time, author, note])
            return stored
        }
    }

    package func configurations(gateway: String) async throws -> [StoredConfiguration] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.configurationColumns) FROM gateway_configs WHERE gateway = ? ORDER BY version DESC",
                arguments: [gateway]
            ).map(Self.configuration)
        }
    }

    package func newestConfigurations() async throws -> [StoredConfiguration] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.configurationColumns) FROM gateway_configs c
                    WHERE version = (SELECT max(version) FROM gateway_configs WHERE gateway = c.gateway)
                    ORDER BY gateway
                    """
            ).map(Self.configuration)
        }
    }

    package func audit(_ entry: AuditEntry) async throws {
        try await writing { db in
            try db.execute(
                sql: "INSERT INTO audit (at, actor, source, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [entry.at, entry.actor, entry.source, entry.action, entry.target, entry.detail])
        }
    }

    package func auditLog(target: String?, before: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, at, actor, source, action, target, detail FROM audit
                    WHERE (? IS NULL OR target = ?) AND id < ? ORDER BY id DESC LIMIT ?
                    """, arguments: [target, target, before ?? Int64.max, limit]
            ).map { row in
                AuditEntry(
                    id: row[0], at: row[1], actor: row[2], source: row[3], action: row[4], target: row[5],
                    detail: row[6])
            }
        }
    }

    static let configurationColumns = "gateway, version, toml, trial_s, created_at, author, note"

    static func configuration(_ row: Row) -> StoredConfiguration {
        StoredConfiguration(
            gateway: row[0], version: row[1], toml: row[2], trialSeconds: row[3], createdAt: row[4], author: row[5],
            note: row[6])
    }
}
