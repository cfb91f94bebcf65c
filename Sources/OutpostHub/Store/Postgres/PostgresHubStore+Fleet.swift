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

extension PostgresHubStore {
    package func setLabels(gateway: String, _ labels: [String: String]) async throws -> Bool {
        try await link.withConnection { session in
            try await session.execute(
                "UPDATE gateways SET labels = \(FleetTables.labelsJSON(labels)) WHERE id = \(gateway)") > 0
        }
    }

    package func addRollout(_ rollout: Rollout) async throws -> Int64 {
        try await link.transaction { session in
            let rows = try await session.query(
                """
                INSERT INTO rollouts (created_at, author, note, toml, trial_s, canary, halt_share, selector, state, reason,
                    release)
                VALUES (\(rollout.createdAt), \(rollout.author), \(rollout.note), \(rollout.toml),
                    \(rollout.trialSeconds), \(Int64(rollout.canary)), \(rollout.haltShare), \(rollout.selector),
                    \(rollout.state), \(rollout.reason), \(rollout.release))
                RETURNING id
                """)
            guard let id = try rows.first?.decode(Int64.self) else {
                throw PostgresStoreError(message: "the new rollout got no id")
            }
            try await Self.saveTargets(session, rollout.targets, of: id)
            return id
        }
    }

    package func rollout(_ id: Int64) async throws -> Rollout? {
        try await rollouts(id: id, state: nil, limit: 1).first
    }

    package func rollouts(running: Bool, limit: Int) async throws -> [Rollout] {
        try await rollouts(id: nil, state: running ? Rollout.running : nil, limit: limit)
    }

    /// Replicas take turns through a transaction-scoped advisory lock, held on one connection
    /// while `body` works through the others.
    package func movingRollouts(_ body: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        try await link.withConnection { session in
            try await session.execute("BEGIN")
            do {
                let rows = try await session.query("SELECT pg_try_advisory_xact_lock(\(Self.rolloutLock))")
                let held = try rows.first?.decode(Bool.self) ?? false
                if held { try await body() }
                try await session.execute("COMMIT")
                return held
            } catch {
                try? await session.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// The advisory lock of the rollout runners: "rollouts".
    static let rolloutLock: Int64 = 0x726F_6C6C_6F75_7473

    package func updateRollout(_ rollout: Rollout) async throws {
        try await link.transaction { session in
            try await session.execute(
                "UPDATE rollouts SET state = \(rollout.state), reason = \(rollout.reason) WHERE id = \(rollout.id)")
            try await Self.saveTargets(session, rollout.targets, of: rollout.id)
        }
    }

    private static func saveTargets(_ session: PostgresSession, _ targets: [Rollout.Target], of id: Int64) async throws
    {
        for (position, target) in targets.enumerated() {
            try await session.execute(
                """
                INSERT INTO rollout_targets (rollout, position, gateway, version, pushed_at, state, detail)
                VALUES (\(id), \(Int64(position)), \(target.gateway), \(target.version), \(target.pushedAt),
                    \(target.state), \(target.detail))
                ON CONFLICT (rollout, position) DO UPDATE SET version = excluded.version,
                    pushed_at = excluded.pushed_at, state = excluded.state, detail = excluded.detail
                """)
        }
    }

    /// The rollout of `id`, or those in `state`, or all (each filter nil for any).
    private func rollouts(id: Int64?, state: String?, limit: Int) async throws -> [Rollout] {
        try await link.withConnection { session in
            let rows = try await session.query(
                """
                SELECT id, created_at, author, note, toml, trial_s, canary, halt_share, selector, state, reason, release
                FROM rollouts WHERE (\(id)::bigint IS NULL OR id = \(id)) AND (\(state)::text IS NULL OR state = \(state))
                ORDER BY id DESC LIMIT \(Int64(limit))
                """)
            var rollouts: [Rollout] = []
            for row in rows {
                let (id, created, author, note, toml, trial, canary) = try row.decode(
                    (Int64, Int64, String, String, String, Int64, Int64).self)
                let cells = row.makeRandomAccess()
                let targets = try await session.query(
                    """
                    SELECT gateway, version, pushed_at, state, detail FROM rollout_targets
                    WHERE rollout = \(id) ORDER BY position
                    """
                ).map { target in
                    let (gateway, version, pushedAt, state, detail) = try target.decode(
                        (String, Int64?, Int64?, String, String).self)
                    return Rollout.Target(
                        gateway: gateway, version: version, pushedAt: pushedAt, state: state, detail: detail)
                }
                rollouts.append(
                    Rollout(
                        id: id, createdAt: created, author: author, note: note, toml: toml, trialSeconds: trial,
                        canary: Int(canary), haltShare: try cells[7].decode(Double.self),
                        selector: try cells[8].decode(String.self), state: try cells[9].decode(String.self),
                        reason: try cells[10].decode(String.self), targets: targets,
                        release: try cells[11].decode(String?.self)))
            }
            return rollouts
        }
    }
}

extension PostgresHubStore {
    package func addDiagnostic(_ request: StoredDiagnostic) async throws -> Int64 {
        try await link.withConnection { session in
            let rows = try await session.query(
                """
                INSERT INTO diagnostics (gateway, kind, device, requested_by, requested_at, expires_at)
                VALUES (\(request.gateway), \(request.kind), \(request.device), \(request.requestedBy),
                    \(request.requestedAt), \(request.expiresAt))
                RETURNING id
                """)
            guard let id = try rows.first?.decode(Int64.self) else {
                throw PostgresStoreError(message: "the new diagnostic request got no id")
            }
            return id
        }
    }

    package func diagnostics(gateway: String, openAt: Int64?, limit: Int) async throws -> [StoredDiagnostic] {
        try await link.withConnection { session in
            try await session.query(
                """
                SELECT id, gateway, kind, device, requested_by, requested_at, expires_at, answered_at, ok, answer
                FROM diagnostics WHERE gateway = \(gateway)
                    AND (\(openAt)::bigint IS NULL OR (answered_at IS NULL AND expires_at > \(openAt)))
                ORDER BY id DESC LIMIT \(Int64(limit))
                """
            ).map { row in
                let (id, gateway, kind, device, by, requested, expires) = try row.decode(
                    (Int64, String, String, String?, String, Int64, Int64).self)
                let cells = row.makeRandomAccess()
                return StoredDiagnostic(
                    id: id, gateway: gateway, kind: kind, device: device, requestedBy: by, requestedAt: requested,
                    expiresAt: expires, answeredAt: try cells[7].decode(Int64?.self),
                    ok: try cells[8].decode(Bool?.self),
                    answer: try cells[9].decode(String?.self))
            }
        }
    }

    package func answerDiagnostic(_ id: Int64, gateway: String, ok: Bool, text: String, at time: Int64) async throws
        -> Bool
    {
        try await link.withConnection { session in
            try await session.execute(
                """
                UPDATE diagnostics SET answered_at = \(time), ok = \(ok), answer = \(text)
                WHERE id = \(id) AND gateway = \(gateway) AND answered_at IS NULL
                """) > 0
        }
    }
}
