import GRDB

extension SQLiteHubStore {
    package func addUser(_ name: String, role: Role, passwordHash: String, at time: Int64) async throws {
        try await writing { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [name]) == true {
                throw AccountError.exists(name)
            }
            try db.execute(
                sql: "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [name, role.rawValue, passwordHash, time])
        }
    }

    package func updateUser(_ name: String, role: Role?, passwordHash: String?) async throws -> Bool {
        try await writing { db in
            if let role {
                try db.execute(sql: "UPDATE users SET role = ? WHERE name = ?", arguments: [role.rawValue, name])
                // A changed role takes effect at once: sessions carry the role of their login.
                try db.execute(sql: "DELETE FROM sessions WHERE user = ?", arguments: [name])
            }
            if let passwordHash {
                try db.execute(
                    sql: "UPDATE users SET password_hash = ? WHERE name = ?", arguments: [passwordHash, name])
                try db.execute(sql: "DELETE FROM sessions WHERE user = ?", arguments: [name])
            }
            return try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [name]) == true
        }
    }

    package func removeUser(_ name: String) async throws -> Bool {
        try await writing { db in
            try db.execute(sql: "DELETE FROM sessions WHERE user = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM users WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    package func user(_ name: String) async throws -> UserAccount? {
        try await reading { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE name = ?", arguments: [name]).flatMap(Self.user)
        }
    }

    package func users() async throws -> [UserAccount] {
        try await reading { db in try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY name").compactMap(Self.user)
        }
    }

    private static func user(_ row: Row) -> UserAccount? {
        guard let role = Role(rawValue: row["role"]) else { return nil }
        return UserAccount(
            name: row["name"], role: role, createdAt: row["created_at"], passwordHash: row["password_hash"])
    }

    package func addSession(hash: String, _ session: SessionRecord) async throws {
        try await writing { db in
            try db.execute(
                sql: "INSERT INTO sessions (hash, user, role, csrf, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [hash, session.user, session.role.rawValue, session.csrf, session.expiresAt])
        }
    }

    package func session(hash: String, now: Int64) async throws -> Credential<SessionRecord>? {
        let found = try await reading { db -> Credential<SessionRecord>? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT s.*, u.role AS owner_role FROM sessions s LEFT JOIN users u ON u.name = s.user
                        WHERE s.hash = ?
                        """, arguments: [hash]),
                let role = Role(rawValue: row["role"])
            else { return nil }
            let owner: String? = row["owner_role"]
            return Credential(
                record: SessionRecord(user: row["user"], role: role, csrf: row["csrf"], expiresAt: row["expires_at"]),
                ownerRole: owner.flatMap(Role.init(rawValue:)))
        }
        guard let found else { return nil }
        guard found.record.expiresAt > now else {
            try await removeSession(hash: hash)
            return nil
        }
        return found
    }

    package func removeSession(hash: String) async throws {
        try await writing { db in try db.execute(sql: "DELETE FROM sessions WHERE hash = ?", arguments: [hash]) }
    }

    package func addToken(name: String, role: Role, hash: String, createdBy: String, at time: Int64) async throws
        -> Int64
    {
        try await writing { db in
            try db.execute(
                sql: "INSERT INTO api_tokens (name, role, hash, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, role.rawValue, hash, createdBy, time])
            return db.lastInsertedRowID
        }
    }

    package func useToken(hash: String, at time: Int64) async throws -> Credential<APIToken>? {
        let found = try await reading { db -> Credential<APIToken>? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT t.*, u.role AS owner_role FROM api_tokens t LEFT JOIN users u ON u.name = t.created_by
                        WHERE t.hash = ? AND t.revoked_at IS NULL
                        """, arguments: [hash]),
                let token = Self.token(row)
            else { return nil }
            let owner: String? = row["owner_role"]
            return Credential(record: token, ownerRole: owner.flatMap(Role.init(rawValue:)))
        }
        guard let found else { return nil }
        let token = found.record
        // Last use is kept to the minute: a busy script costs one write a minute, not one a request.
        if (token.lastUsedAt ?? 0) < time.subtractingSaturating(60_000_000_000) {
            try await writing { db in
                try db.execute(sql: "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", arguments: [time, token.id])
            }
        }
        return found
    }

    package func tokens() async throws -> [APIToken] {
        try await reading { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_tokens ORDER BY id DESC").compactMap(Self.token)
        }
    }

    package func revokeToken(_ id: Int64, at time: Int64) async throws -> Bool {
        try await writing { db in
            try db.execute(
                sql: "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [time, id])
            return db.changesCount > 0
        }
    }

    private static func token(_ row: Row) -> APIToken? {
        guard let role = Role(rawValue: row["role"]) else { return nil }
        return APIToken(
            id: row["id"], name: row["name"], role: role, createdBy: row["created_by"], createdAt: row["created_at"],
            lastUsedAt: row["last_used_at"], revokedAt: row["revoked_at"])
    }
}
