import Crypto
import Foundation
import HummingbirdBcrypt
import OutpostWire
import Synchronization

/// Logins, sessions and API tokens over an `AccountStore`: passwords checked with bcrypt,
/// session cookies and token secrets random and kept only as SHA-256 hashes.
package struct Accounts: Sendable {
    /// The store.
    package let store: any AccountStore
    /// The bcrypt cost of new password hashes (each step doubles the work).
    package let bcryptCost: UInt8
    /// How long a session lasts after login.
    package let sessionLifetime: Duration
    /// Failed logins.
    package let throttle: LoginThrottle
    let clock: WallClock

    /// Bcrypt hashes no password matches in practice, checked for unknown names: one per cost,
    /// made on first use at the configured cost, so an unknown name takes as long as a known one.
    private static let decoys = Mutex<[UInt8: String]>([:])

    package var decoyHash: String {
        get async throws {
            if let known = Self.decoys.withLock({ $0[bcryptCost] }) { return known }
            let cost = bcryptCost
            let made = try await BlockingWork.run {
                Bcrypt.hash("outpost decoy \(UInt64.random(in: 0...UInt64.max))", cost: cost)
            }
            return Self.decoys.withLock { decoys in
                if let known = decoys[cost] { return known }
                decoys[cost] = made
                return made
            }
        }
    }

    /// The creator of tokens made on the hub's machine with `outpost-hub token add` (whoever can
    /// open the store is its administrator): not a user (it has spaces, which user names never
    /// do), always an admin, never removed.
    package static let localCreator = "outpost-hub token add"

    /// The current role of a token's creator; nil when that user is gone.
    private func creatorRole(_ name: String) async throws -> Role? {
        // The local creator is no user: nothing to read.
        let userRole = name == Self.localCreator ? nil : try await store.user(name)?.role
        return Self.creatorRole(name, userRole: userRole)
    }

    /// The role a token's creator acts with, given that user's role now (nil when gone): tokens
    /// made with `outpost-hub token add` have no user behind them and act as admins.
    private static func creatorRole(_ name: String, userRole: Role?) -> Role? {
        name == localCreator ? .admin : userRole
    }

    /// The shortest password accepted.
    package static let minimumPasswordLength = 10

    /// Creates the accounts service.
    package init(
        store: any AccountStore, bcryptCost: UInt8 = 11, sessionLifetime: Duration = .seconds(12 * 3600),
        throttle: LoginThrottle = LoginThrottle(), clock: @escaping WallClock = systemWallClock
    ) {
        self.store = store
        self.bcryptCost = bcryptCost
        self.sessionLifetime = sessionLifetime
        self.throttle = throttle
        self.clock = clock
    }

    /// Adds a user after checking the name and the password's length.
    package func addUser(_ name: String, role: Role, password: String) async throws {
        try Self.checkName(name)
        try Self.checkPassword(password)
        try await store.addUser(name, role: role, passwordHash: try await hash(password), at: clock())
    }

    private func hash(_ password: String) async throws -> String {
        let cost = bcryptCost
        return try await BlockingWork.run { Bcrypt.hash(password, cost: cost) }
    }

    /// Sets a user's password.
    package func setPassword(of name: String, to password: String) async throws -> Bool {
        try Self.checkPassword(password)
        return try await store.updateUser(name, role: nil, passwordHash: try await hash(password))
    }

    /// How a login attempt ended.
    package enum LoginOutcome: Sendable {
        /// Logged in: set `cookie`; `session` holds the CSRF token.
        case success(cookie: String, session: SessionRecord)
        /// Wrong name or password (which of the two is not said).
        case refused
        /// Too many failures: try again after this many seconds.
        case throttled(retryAfter: Int)
    }

    /// Checks `password` for `name` from `client` and opens a session when right.
    package func login(_ name: String, password: String, client: String) async throws -> LoginOutcome {
        let now = clock()
        // The attempt takes its place in the throttle before bcrypt runs: forty at once get as
        // many tries as one after another.
        if let wait = throttle.begin(user: name, client: client, now: now) { return .throttled(retryAfter: wait) }
        let user: UserAccount?
        do {
            user = try await store.user(name)
        } catch {
            throttle.release(user: name, client: client, now: now)
            throw error
        }
        // An unknown name costs the same bcrypt as a wrong password: timing does not tell which.
        let stored: String
        do {
            if let hash = user?.passwordHash { stored = hash } else { stored = try await decoyHash }
        } catch {
            throttle.release(user: name, client: client, now: now)
            throw error
        }
        let matches = try await BlockingWork.run { Bcrypt.verify(password, hash: stored) }
        guard let user, matches else { return .refused }
        throttle.succeeded(user: name, client: client)
        let cookie = Self.secret()
        let session = SessionRecord(
            user: user.name, role: user.role, csrf: Self.secret(), expiresAt: now &+ sessionLifetime.nanoseconds)
        try await store.addSession(hash: Self.hash(cookie), session)
        return .success(cookie: cookie, session: session)
    }

    /// Ends the session with this cookie.
    package func logout(cookie: String) async throws { try await store.removeSession(hash: Self.hash(cookie)) }

    /// The identity of a session cookie, if it is live and its user still exists; its role is
    /// never above the user's current one.
    package func identify(cookie: String) async throws -> Identity? {
        guard let found = try await store.session(hash: Self.hash(cookie), now: clock()),
            let userRole = found.ownerRole
        else { return nil }
        let session = found.record
        return Identity(name: session.user, role: min(session.role, userRole), means: .session(csrf: session.csrf))
    }

    /// The identity of an API token secret, if it is valid and its creator still exists; it acts
    /// with at most its creator's current role.
    package func identify(token: String) async throws -> Identity? {
        guard let found = try await store.useToken(hash: Self.hash(token), at: clock()) else { return nil }
        let record = found.record
        guard let creator = Self.creatorRole(record.createdBy, userRole: found.ownerRole) else { return nil }
        return Identity(
            name: record.name, role: min(record.role, creator), means: .token(record.id), owner: record.createdBy)
    }

    /// Removes a user, their sessions and every token they created.
    package func removeUser(_ name: String) async throws -> Bool {
        guard try await store.removeUser(name) else { return false }
        try await revokeTokens(of: name, above: nil)
        return true
    }

    /// Changes a user's role; their tokens of a higher role than the new one are revoked.
    package func setRole(of name: String, to role: Role) async throws -> Bool {
        guard try await store.updateUser(name, role: role, passwordHash: nil) else { return false }
        try await revokeTokens(of: name, above: role)
        return true
    }

    /// Revokes the unrevoked tokens `user` created whose role is above `role` (all when nil).
    private func revokeTokens(of user: String, above role: Role?) async throws {
        for token in try await store.tokens() where token.createdBy == user && token.revokedAt == nil {
            if let role, token.role <= role { continue }
            _ = try await store.revokeToken(token.id, at: clock())
        }
    }

    /// Creates an API token for `createdBy` (a user, whose current role it may not exceed);
    /// returns its id and its secret (shown once, never stored).
    package func addToken(name: String, role: Role, createdBy: String) async throws -> (id: Int64, secret: String) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100 else { throw AccountError.badName(name) }
        guard let creator = try await creatorRole(createdBy) else { throw AccountError.noCreator(createdBy) }
        guard role <= creator else { throw AccountError.aboveCreator(role: role, creatorRole: creator) }
        let secret = "opt_" + Self.secret()
        let id = try await store.addToken(
            name: trimmed, role: role, hash: Self.hash(secret), createdBy: createdBy, at: clock())
        return (id, secret)
    }

    static func checkName(_ name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
        guard (1...64).contains(name.count), name.allSatisfy(allowed.contains) else { throw AccountError.badName(name) }
    }

    static func checkPassword(_ password: String) throws {
        guard password.count >= minimumPasswordLength else {
            throw AccountError.weakPassword(minimum: minimumPasswordLength)
        }
    }

    /// 32 random bytes, base64url without padding.
    static func secret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The SHA-256 of a secret, in hex: what the store keeps.
    static func hash(_ secret: String) -> String {
        Hex.encode(SHA256.hash(data: Data(secret.utf8)))
    }
}
