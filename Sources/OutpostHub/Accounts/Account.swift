/// What a person or a token may do. Each role can do everything the one before it can.
package enum Role: String, Sendable, CaseIterable, Comparable, Codable {
    /// Reads everything: fleet, charts, alerts.
    case viewer
    /// Also acknowledges alerts.
    case `operator`
    /// Also enrols and revokes gateways, manages users and API tokens.
    case admin

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }

    package static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// A person who can log in.
package struct UserAccount: Sendable, Equatable {
    /// The login name.
    package var name: String
    /// The role.
    package var role: Role
    /// When created, ns since the epoch.
    package var createdAt: Int64
    /// The bcrypt hash of the password.
    var passwordHash: String
}

/// An API token for automation: stored only as its SHA-256, scoped to a role.
package struct APIToken: Sendable, Equatable {
    /// The token's id (not secret).
    package var id: Int64
    /// What it is for.
    package var name: String
    /// The role it acts with.
    package var role: Role
    /// Who created it.
    package var createdBy: String
    /// When created and when last used, ns since the epoch.
    package var createdAt: Int64
    package var lastUsedAt: Int64?
    /// When revoked; a revoked token authenticates nothing.
    package var revokedAt: Int64?
}

/// A logged-in browser session, found by the SHA-256 of its cookie.
package struct SessionRecord: Sendable, Equatable {
    /// The user.
    package var user: String
    /// The role at login.
    package var role: Role
    /// The token a state-changing request must echo in `X-CSRF-Token`.
    package var csrf: String
    /// Expiry, ns since the epoch.
    package var expiresAt: Int64
}

/// A session or token as authentication reads it: its record, and its owner's role now (nil
/// when the owner is no longer a user), found in one read, so that a request costs one.
package struct Credential<Record: Sendable & Equatable>: Sendable, Equatable {
    /// The session or token.
    package var record: Record
    /// Its user's (a token's creator's) role now; nil when there is no such user.
    package var ownerRole: Role?
}

/// Who made a request, and how.
package struct Identity: Sendable, Equatable {
    /// How the request authenticated.
    package enum Means: Sendable, Equatable {
        /// A session cookie (state-changing requests must carry its CSRF token).
        case session(csrf: String)
        /// An API token, by id.
        case token(Int64)
    }

    /// The user name, or the token's name.
    package var name: String
    /// The role: for a session the lower of the session's and the user's current role, for a
    /// token the lower of the token's and its creator's current role.
    package var role: Role
    /// How.
    package var means: Means
    /// The user answerable: the session's user, or the token's creator.
    package var owner: String

    /// Creates an identity; `owner` defaults to `name` (a session's user).
    package init(name: String, role: Role, means: Means, owner: String? = nil) {
        self.name = name
        self.role = role
        self.means = means
        self.owner = owner ?? name
    }
}

/// Users, sessions and API tokens.
package protocol AccountStore: Sendable {
    /// Adds a user; throws `AccountError.exists` when the name is taken.
    func addUser(_ name: String, role: Role, passwordHash: String, at time: Int64) async throws
    /// Changes a user's role or password hash (nil: unchanged); false when there is no such user.
    func updateUser(_ name: String, role: Role?, passwordHash: String?) async throws -> Bool
    /// Removes a user and their sessions; false when there is no such user.
    func removeUser(_ name: String) async throws -> Bool
    /// One user.
    func user(_ name: String) async throws -> UserAccount?
    /// Every user, by name.
    func users() async throws -> [UserAccount]
    /// Stores a session under the hash of its cookie.
    func addSession(hash: String, _ session: SessionRecord) async throws
    /// The live session with this cookie hash, if any (expired ones are removed), with its user's
    /// role now.
    func session(hash: String, now: Int64) async throws -> Credential<SessionRecord>?
    /// Ends a session.
    func removeSession(hash: String) async throws
    /// Adds a token by the hash of its secret; returns its id.
    func addToken(name: String, role: Role, hash: String, createdBy: String, at time: Int64) async throws -> Int64
    /// The unrevoked token with this secret hash, marking it used at `time`, with its creator's
    /// role now.
    func useToken(hash: String, at time: Int64) async throws -> Credential<APIToken>?
    /// Every token, newest first.
    func tokens() async throws -> [APIToken]
    /// Revokes a token; false when there is no such unrevoked token.
    func revokeToken(_ id: Int64, at time: Int64) async throws -> Bool
}

/// Why an account change was refused.
package enum AccountError: Error, Equatable, CustomStringConvertible {
    /// The name is taken.
    case exists(String)
    /// The name is not a valid login name.
    case badName(String)
    /// The password is too short.
    case weakPassword(minimum: Int)
    /// A token's creator is not a user.
    case noCreator(String)
    /// A token may not act with more than its creator's role.
    case aboveCreator(role: Role, creatorRole: Role)

    package var description: String {
        switch self {
        case .exists(let name): "a user named '\(name)' exists already"
        case .badName(let name):
            "'\(name)' is not a valid user name: use 1-64 letters, digits, '.', '_', '-' or '@'"
        case .weakPassword(let minimum): "a password has at least \(minimum) characters"
        case .noCreator(let name):
            "'\(name)' is not a user: a token belongs to the user who creates it (add the user first)"
        case .aboveCreator(let role, let creatorRole):
            "a token cannot be \(role.rawValue): its creator is \(creatorRole.rawValue), and a token acts with at most its creator's role"
        }
    }
}
