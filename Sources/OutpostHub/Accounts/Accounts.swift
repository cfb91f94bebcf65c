import Crypto
import Foundation
import HummingbirdBcrypt
import OutpostWire

/// Logins, sessions and API tokens over an `AccountStore`: passwords checked with bcrypt,
/// session cookies and token secrets random and kept only as SHA-256 hashes.
public struct Accounts: Sendable {
    /// The store.
    public let store: any AccountStore
    /// The bcrypt cost of new password hashes (each step doubles the work).
    public let bcryptCost: UInt8
    /// How long a session lasts after login.
    public let sessionLifetime: Duration
    /// Failed logins.
    public let throttle: LoginThrottle
    let clock: WallClock

    /// A bcrypt hash no password matches in practice, checked for unknown names.
    private static let decoyHash = Bcrypt.hash("outpost decoy \(UInt64.random(in: 0...UInt64.max))", cost: 11)

    /// The shortest password accepted.
    public static let minimumPasswordLength = 10

    /// Creates the accounts service.
    public init(
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
    public func addUser(_ name: String, role: Role, password: String) throws {
        try Self.checkName(name)
        try Self.checkPassword(password)
        try store.addUser(name, role: role, passwordHash: Bcrypt.hash(password, cost: bcryptCost), at: clock())
    }

    /// Sets a user's password.
    public func setPassword(of name: String, to password: String) throws -> Bool {
        try Self.checkPassword(password)
        return try store.updateUser(name, role: nil, passwordHash: Bcrypt.hash(password, cost: bcryptCost))
    }

    /// How a login attempt ended.
    public enum LoginOutcome: Sendable {
        /// Logged in: set `cookie`; `session` holds the CSRF token.
        case success(cookie: String, session: SessionRecord)
        /// Wrong name or password (which of the two is not said).
        case refused
        /// Too many failures: try again after this many seconds.
        case throttled(retryAfter: Int)
    }

    /// Checks `password` for `name` from `client` and opens a session when right.
    public func login(_ name: String, password: String, client: String) throws -> LoginOutcome {
        let now = clock()
        if let wait = throttle.wait(user: name, client: client, now: now) { return .throttled(retryAfter: wait) }
        let user = try store.user(name)
        // An unknown name costs the same bcrypt as a wrong password: timing does not tell which.
        let matches = Bcrypt.verify(password, hash: user?.passwordHash ?? Self.decoyHash)
        guard let user, matches else {
            throttle.failed(user: name, client: client, now: now)
            return .refused
        }
        throttle.succeeded(user: name, client: client)
        let cookie = Self.secret()
        let session = SessionRecord(
            user: user.name, role: user.role, csrf: Self.secret(), expiresAt: now &+ sessionLifetime.nanoseconds)
        try store.addSession(hash: Self.hash(cookie), session)
        return .success(cookie: cookie, session: session)
    }

    /// Ends the session with this cookie.
    public func logout(cookie: String) throws { try store.removeSession(hash: Self.hash(cookie)) }

    /// The identity of a session cookie, if it is live.
    public func identify(cookie: String) throws -> Identity? {
        guard let session = try store.session(hash: Self.hash(cookie), now: clock()) else { return nil }
        return Identity(name: session.user, role: session.role, means: .session(csrf: session.csrf))
    }

    /// The identity of an API token secret, if it is valid.
    public func identify(token: String) throws -> Identity? {
        guard let record = try store.useToken(hash: Self.hash(token), at: clock()) else { return nil }
        return Identity(name: record.name, role: record.role, means: .token(record.id))
    }

    /// Creates an API token; returns its id and its secret (shown once, never stored).
    public func addToken(name: String, role: Role, createdBy: String) throws -> (id: Int64, secret: String) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= 100 else { throw AccountError.badName(name) }
        let secret = "opt_" + Self.secret()
        let id = try store.addToken(name: trimmed, role: role, hash: Self.hash(secret), createdBy: createdBy, at: clock())
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
