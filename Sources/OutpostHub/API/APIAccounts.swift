extension API {
    /// `POST /api/v1/session` and `GET /api/v1/session`: who is signed in. A browser session
    /// carries its CSRF token; a token's identity carries the token's id instead.
    package struct Session: APIDocument {
        package static let schema = "Session"
        package var user: String
        package var role: Role
        @OmittedWhenNil package var csrf: String?
        @OmittedWhenNil package var token: Int64?
        @OmittedWhenNil package var mapTiles: String?
        enum CodingKeys: String, CodingKey {
            case user, role, csrf, token, mapTiles = "map_tiles"
        }
        package static var examples: [Self] {
            [
                Self(user: "duty", role: .operator, csrf: "c5rf", token: nil, mapTiles: nil),
                Self(
                    user: "duty", role: .operator, csrf: "c5rf", token: nil,
                    mapTiles: "https://tile.example/{z}/{x}/{y}.png"),
                Self(user: "grafana", role: .viewer, csrf: nil, token: 7, mapTiles: ""),
            ]
        }
    }

    /// A person who can log in (`POST /api/v1/users` answers without `created_at`).
    package struct User: APIDocument {
        package static let schema = "User"
        package var name: String
        package var role: Role
        @OmittedWhenNil package var createdAt: Int64?
        enum CodingKeys: String, CodingKey {
            case name, role, createdAt = "created_at"
        }
        init(_ account: UserAccount) { (name, role, createdAt) = (account.name, account.role, account.createdAt) }
        init(name: String, role: Role) { (self.name, self.role) = (name, role) }
        package static var examples: [Self] {
            [
                Self(UserAccount(name: "duty", role: .operator, createdAt: 1, passwordHash: "")),
                Self(name: "duty", role: .viewer),
            ]
        }
    }

    /// `GET /api/v1/users`.
    package struct UserList: APIDocument {
        package static let schema = "UserList"
        package var users: [User]
        package static var examples: [Self] { [Self(users: User.examples.prefix(1).map { $0 })] }
    }

    /// `PATCH /api/v1/users/{name}`.
    package struct UserChanged: APIDocument {
        package static let schema = "UserChanged"
        package var name: String
        package static var examples: [Self] { [Self(name: "duty")] }
    }

    /// `DELETE /api/v1/users/{name}`.
    package struct UserRemoved: APIDocument {
        package static let schema = "UserRemoved"
        package var removed: String
        package static var examples: [Self] { [Self(removed: "duty")] }
    }

    /// `DELETE /api/v1/session`.
    package struct LoggedOut: APIDocument {
        package static let schema = "LoggedOut"
        package var loggedOut = true
        enum CodingKeys: String, CodingKey { case loggedOut = "logged_out" }
        package static var examples: [Self] { [Self()] }
    }

    /// An API token as listed: never its secret.
    package struct Token: Encodable, Sendable {
        package var id: Int64
        package var name: String
        package var role: Role
        package var createdBy: String
        package var createdAt: Int64
        package var lastUsedAt: Int64?
        package var revokedAt: Int64?
        enum CodingKeys: String, CodingKey {
            case id, name, role, createdBy = "created_by", createdAt = "created_at", lastUsedAt = "last_used_at"
            case revokedAt = "revoked_at"
        }
        init(_ token: APIToken) {
            (id, name, role, createdBy) = (token.id, token.name, token.role, token.createdBy)
            (createdAt, lastUsedAt, revokedAt) = (token.createdAt, token.lastUsedAt, token.revokedAt)
        }
    }

    /// `GET /api/v1/tokens`.
    package struct TokenList: APIDocument {
        package static let schema = "TokenList"
        package var tokens: [Token]
        package static var examples: [Self] {
            let used = APIToken(
                id: 1, name: "grafana", role: .viewer, createdBy: "admin", createdAt: 1, lastUsedAt: 2, revokedAt: 3)
            var fresh = used
            (fresh.lastUsedAt, fresh.revokedAt) = (nil, nil)
            return [Self(tokens: [Token(used), Token(fresh)])]
        }
    }

    /// `POST /api/v1/tokens`: the secret, in this answer only.
    package struct CreatedToken: APIDocument {
        package static let schema = "CreatedToken"
        package var id: Int64
        package var name: String
        package var role: Role
        package var token: String
        package static var examples: [Self] { [Self(id: 1, name: "grafana", role: .viewer, token: "opt_secret")] }
    }

    /// `DELETE /api/v1/tokens/{id}`.
    package struct TokenRevoked: APIDocument {
        package static let schema = "TokenRevoked"
        package var revoked: Int64
        package static var examples: [Self] { [Self(revoked: 1)] }
    }
}
