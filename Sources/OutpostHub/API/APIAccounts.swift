extension API {
    /// `POST /api/v1/session` and `GET /api/v1/session`: who is signed in. A browser session
    /// carries its CSRF token; a token's identity carries the token's id instead.
    public struct Session: APIDocument {
        public static let schema = "Session"
        public var user: String
        public var role: Role
        @OmittedWhenNil public var csrf: String?
        @OmittedWhenNil public var token: Int64?
        @OmittedWhenNil public var mapTiles: String?
        enum CodingKeys: String, CodingKey {
            case user, role, csrf, token, mapTiles = "map_tiles"
        }
        public static var examples: [Self] {
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
    public struct User: APIDocument {
        public static let schema = "User"
        public var name: String
        public var role: Role
        @OmittedWhenNil public var createdAt: Int64?
        enum CodingKeys: String, CodingKey {
            case name, role, createdAt = "created_at"
        }
        init(_ account: UserAccount) { (name, role, createdAt) = (account.name, account.role, account.createdAt) }
        init(name: String, role: Role) { (self.name, self.role) = (name, role) }
        public static var examples: [Self] {
            [
                Self(UserAccount(name: "duty", role: .operator, createdAt: 1, passwordHash: "")),
                Self(name: "duty", role: .viewer),
            ]
        }
    }

    /// `GET /api/v1/users`.
    public struct UserList: APIDocument {
        public static let schema = "UserList"
        public var users: [User]
        public static var examples: [Self] { [Self(users: User.examples.prefix(1).map { $0 })] }
    }

    /// `PATCH /api/v1/users/{name}`.
    public struct UserChanged: APIDocument {
        public static let schema = "UserChanged"
        public var name: String
        public static var examples: [Self] { [Self(name: "duty")] }
    }

    /// `DELETE /api/v1/users/{name}`.
    public struct UserRemoved: APIDocument {
        public static let schema = "UserRemoved"
        public var removed: String
        public static var examples: [Self] { [Self(removed: "duty")] }
    }

    /// `DELETE /api/v1/session`.
    public struct LoggedOut: APIDocument {
        public static let schema = "LoggedOut"
        public var loggedOut = true
        enum CodingKeys: String, CodingKey { case loggedOut = "logged_out" }
        public static var examples: [Self] { [Self()] }
    }

    /// An API token as listed: never its secret.
    public struct Token: Encodable, Sendable {
        public var id: Int64
        public var name: String
        public var role: Role
        public var createdBy: String
        public var createdAt: Int64
        public var lastUsedAt: Int64?
        public var revokedAt: Int64?
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
    public struct TokenList: APIDocument {
        public static let schema = "TokenList"
        public var tokens: [Token]
        public static var examples: [Self] {
            let used = APIToken(
                id: 1, name: "grafana", role: .viewer, createdBy: "admin", createdAt: 1, lastUsedAt: 2, revokedAt: 3)
            var fresh = used
            (fresh.lastUsedAt, fresh.revokedAt) = (nil, nil)
            return [Self(tokens: [Token(used), Token(fresh)])]
        }
    }

    /// `POST /api/v1/tokens`: the secret, in this answer only.
    public struct CreatedToken: APIDocument {
        public static let schema = "CreatedToken"
        public var id: Int64
        public var name: String
        public var role: Role
        public var token: String
        public static var examples: [Self] { [Self(id: 1, name: "grafana", role: .viewer, token: "opt_secret")] }
    }

    /// `DELETE /api/v1/tokens/{id}`.
    public struct TokenRevoked: APIDocument {
        public static let schema = "TokenRevoked"
        public var revoked: Int64
        public static var examples: [Self] { [Self(revoked: 1)] }
    }
}
