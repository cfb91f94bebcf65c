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

extension SQLiteHubStore {
    package func setLabels(gateway: String, _ labels: [String: String]) async throws -> Bool {
        try await writing { db in
            try db.execute(
                sql: "UPDATE gateways SET labels = ? WHERE id = ?",
                arguments: [FleetTables.labelsJSON(labels), gateway])
            return db.changesCount > 0
        }
    }

    package func addRollout(_ rollout: Rollout) async throws -> Int64 {
        try await writing { db in
            try db.execute(
                sql: """
                    INSERT INTO rollouts (created_at, author, note, toml, trial_s, canary, halt_share, selector, state,
                        reason, release)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    rollout.createdAt, rollout.author, rollout.note, rollout.toml, rollout.trialSeconds, rollout.canary,
                    rollout.haltShare, rollout.selector, rollout.state, rollout.reason, rollout.release,
                ])
            let id = db.lastInsertedRowID
            try Self.saveTargets(db, rollout.targets, of: id)
            return id
        }
    }

    package func rollout(_ id: Int64) async throws -> Rollout? {
        try await reading { db in try Self.rollouts(db, where: "id = ?", [id], limit: 1).first }
    }

    package func rollouts(running: Bool, limit: Int) async throws -> [Rollout] {
        try await reading { db in
            try Self.rollouts(db, where: running ? "state = ?" : "? IS NOT NULL", [Rollout.running], limit: limit)
        }
    }

    /// One hub per SQLite file: nobody to take turns with.
    package func movingRollouts(_ body: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        try await body()
        return true
    }

    package func updateRollout(_ rollout: Rollout) async throws {
        try await writing { db in
            try db.execute(
                sql: "UPDATE rollouts SET state = ?, reason = ? WHERE id = ?",
                arguments: [rollout.state, rollout.reason, rollout.id])
            try Self.saveTargets(db, rollout.targets, of: rollout.id)
        }
    }

    private static func saveTargets(_ db: Database, _ targets: [Rollout.Target], of id: Int64) throws {
        for (position, target) in targets.enumerated() {
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO rollout_targets (rollout, position, gateway, version, pushed_at, state, detail)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, position, target.gateway, target.version, target.pushedAt, target.state, target.detail,
                ])
        }
    }

    private static func rollouts(
        _ db: Database, where condition: String, _ arguments: StatementArguments, limit: Int
    ) throws -> [Rollout] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT id, created_at, author, note, toml, trial_s, canary, halt_share, selector, state, reason, release
                FROM rollouts WHERE \(condition) ORDER BY id DESC LIMIT \(limit)
                """, arguments: arguments)
        return try rows.map { row in
            let targets = try Row.fetchAll(
                db,
                sql: """
                    SELECT gateway, version, pushed_at, state, detail FROM rollout_targets
                    WHERE rollout = ? ORDER BY position
                    """, arguments: [row[0] as Int64]
            ).map { Rollout.Target(gateway: $0[0], version: $0[1], pushedAt: $0[2], state: $0[3], detail: $0[4]) }
            return Rollout(
                id: row[0], createdAt: row[1], author: row[2], note: row[3], toml: row[4], trialSeconds: row[5],
                canary: row[6], haltShare: row[7], selector: row[8], state: row[9], reason: row[10], targets: targets,
                release: row[11])
        }
    }
}

extension SQLiteHubStore {
    package func addDiagnostic(_ request: StoredDiagnostic) async throws -> Int64 {
        try await writing { db in
            try db.execute(
                sql: """
                    INSERT INTO diagnostics (gateway, kind, device, requested_by, requested_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    request.gateway, request.kind, request.device, request.requestedBy, request.requestedAt,
                    request.expiresAt,
                ])
            return db.lastInsertedRowID
        }
    }

    package func diagnostics(gateway: String, openAt: Int64?, limit: Int) async throws -> [StoredDiagnostic] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, gateway, kind, device, requested_by, requested_at, expires_at, answered_at, ok, answer
                    FROM diagnostics WHERE gateway = ?
                        AND (? IS NULL OR (answered_at IS NULL AND expires_at > ?))
                    ORDER BY id DESC LIMIT ?
                    """, arguments: [gateway, openAt, openAt, limit]
            ).map { row in
                StoredDiagnostic(
                    id: row[0], gateway: row[1], kind: row[2], device: row[3], requestedBy: row[4], requestedAt: row[5],
                    expiresAt: row[6], answeredAt: row[7], ok: row[8], answer: row[9])
            }
        }
    }

    package func answerDiagnostic(_ id: Int64, gateway: String, ok: Bool, text: String, at time: Int64) async throws
        -> Bool
    {
        try await writing { db in
            try db.execute(
                sql: """
                    UPDATE diagnostics SET answered_at = ?, ok = ?, answer = ?
                    WHERE id = ? AND gateway = ? AND answered_at IS NULL
                    """, arguments: [time, ok, text, id, gateway])
            return db.changesCount > 0
        }
    }
}
