import PostgresNIO

extension PostgresHubStore {
    package func addUser(_ name: String, role: Role, passwordHash: String, at time: Int64) async throws {
        let added = try await link.withConnection { session in
            try await session.execute(
                """
                INSERT INTO users (name, role, password_hash, created_at) VALUES (\(name), \(role.rawValue), \(passwordHash), \(time))
                ON CONFLICT DO NOTHING
                """)
        }
        if added == 0 { throw AccountError.exists(name) }
    }

    package func updateUser(_ name: String, role: Role?, passwordHash: String?) async throws -> Bool {
        try await link.transaction { session in
            if let role {
                try await session.execute("UPDATE users SET role = \(role.rawValue) WHERE name = \(name)")
                // A changed role takes effect at once: sessions carry the role of their login.
                try await session.execute("DELETE FROM sessions WHERE \"user\" = \(name)")
            }
            if let passwordHash {
                try await session.execute("UPDATE users SET password_hash = \(passwordHash) WHERE name = \(name)")
                try await session.execute("DELETE FROM sessions WHERE \"user\" = \(name)")
            }
            return try await !session.query("SELECT 1 FROM users WHERE name = \(name)").isEmpty
        }
    }

    package func removeUser(_ name: String) async throws -> Bool {
        try await link.transaction { session in
            try await session.execute("DELETE FROM sessions WHERE \"user\" = \(name)")
            return try await session.execute("DELETE FROM users WHERE name = \(name)") > 0
        }
    }

    package func user(_ name: String) async throws -> UserAccount? {
        try await link.withConnection { session in
            try await session.query("SELECT name, role, created_at, password_hash FROM users WHERE name = \(name)")
                .first.flatMap(Self.user)
        }
    }

    package func users() async throws -> [UserAccount] {
        try await link.withConnection { session in
            try await session.query("SELECT name, role, created_at, password_hash FROM users ORDER BY name").compactMap(
                Self.user)
        }
    }

    private static func user(_ row: PostgresRow) throws -> UserAccount? {
        let (name, role, created, hash) = try row.decode((String, String, Int64, String).self)
        guard let role = Role(rawValue: role) else { return nil }
        return UserAccount(name: name, role: role, createdAt: created, passwordHash: hash)
    }

    package func addSession(hash: String, _ record: SessionRecord) async throws {
        try await link.withConnection { session in
            try await session.execute(
                """
                INSERT INTO sessions (hash, "user", role, csrf, expires_at)
                VALUES (\(hash), \(record.user), \(record.role.rawValue), \(record.csrf), \(record.expiresAt))
                """)
        }
    }

    package func session(hash: String, now: Int64) async throws -> Credential<SessionRecord>? {
        let found = try await link.withConnection { session in
            try await session.query(
                """
                SELECT s."user", s.role, s.csrf, s.expires_at, u.role FROM sessions s
                LEFT JOIN users u ON u.name = s."user" WHERE s.hash = \(hash)
                """
            ).first.map { try $0.decode((String, String, String, Int64, String?).self) }
        }
        guard let found, let role = Role(rawValue: found.1) else { return nil }
        guard found.3 > now else {
            try await removeSession(hash: hash)
            return nil
        }
        return Credential(
            record: SessionRecord(user: found.0, role: role, csrf: found.2, expiresAt: found.3),
            ownerRole: found.4.flatMap(Role.init(rawValue:)))
    }

    package func removeSession(hash: String) async throws {
        try await link.withConnection { session in
            try await session.execute("DELETE FROM sessions WHERE hash = \(hash)")
        }
    }

    package func addToken(name: String, role: Role, hash: String, createdBy: String, at time: Int64) async throws
        -> Int64
    {
        try await link.withConnection { session in
            let rows = try await session.query(
                """
                INSERT INTO api_tokens (name, role, hash, created_by, created_at)
                VALUES (\(name), \(role.rawValue), \(hash), \(createdBy), \(time)) RETURNING id
                """)
            guard let id = try rows.first?.decode(Int64.self) else {
                throw PostgresStoreError(message: "the new API token got no id")
            }
            return id
        }
    }

    package func useToken(hash: String, at time: Int64) async throws -> Credential<APIToken>? {
        try await link.withConnection { session in
            let rows = try await session.query(
                """
                SELECT t.id, t.name, t.role, t.created_by, t.created_at, t.last_used_at, t.revoked_at, u.role
                FROM api_tokens t LEFT JOIN users u ON u.name = t.created_by
                WHERE t.hash = \(hash) AND t.revoked_at IS NULL
                """)
            guard let row = rows.first else { return nil }
            let (id, name, role, createdBy, created, lastUsed, revoked, owner) = try row.decode(
                (Int64, String, String, String, Int64, Int64?, Int64?, String?).self)
            guard let role = Role(rawValue: role) else { return nil }
            let token = APIToken(
                id: id, name: name, role: role, createdBy: createdBy, createdAt: created, lastUsedAt: lastUsed,
                revokedAt: revoked)
            // Last use is kept to the minute: a busy script costs one write a minute, not one a request.
            if (token.lastUsedAt ?? 0) < time.subtractingSaturating(60_000_000_000) {
                try await session.execute("UPDATE api_tokens SET last_used_at = \(time) WHERE id = \(token.id)")
            }
            return Credential(record: token, ownerRole: owner.flatMap(Role.init(rawValue:)))
        }
    }

    package func tokens() async throws -> [APIToken] {
        try await link.withConnection { session in
            try await session.query(
                "SELECT id, name, role, created_by, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY id DESC"
            ).compactMap(Self.token)
        }
    }

    package func revokeToken(_ id: Int64, at time: Int64) async throws -> Bool {
        try await link.withConnection { session in
            try await session.execute(
                "UPDATE api_tokens SET revoked_at = \(time) WHERE id = \(id) AND revoked_at IS NULL")
                > 0
        }
    }

    private static func token(_ row: PostgresRow) throws -> APIToken? {
        let (id, name, role, createdBy, created, lastUsed, revoked) = try row.decode(
            (Int64, String, String, String, Int64, Int64?, Int64?).self)
        guard let role = Role(rawValue: role) else { return nil }
        return APIToken(
            id: id, name: name, role: role, createdBy: createdBy, createdAt: created, lastUsedAt: lastUsed,
            revokedAt: revoked)
    }
}
