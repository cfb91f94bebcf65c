import Glibc
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// A failure of the PostgreSQL store, with the server's own words and SQLSTATE.
package struct PostgresStoreError: Error, CustomStringConvertible, Sendable {
    /// The SQLSTATE code, when the server sent one.
    package let code: String?
    /// What went wrong.
    package let message: String

    init(_ error: any Error) {
        if let error = error as? PSQLError, let info = error.serverInfo {
            code = info[.sqlState]
            message = [info[.message], info[.detail]].compactMap { $0 }.joined(separator: ": ")
        } else if let error = error as? PostgresStoreError {
            self = error
            return
        } else {
            code = nil
            message = Self.reason(error)
        }
    }

    /// The cause in plain words: "Connection refused" rather than NIO's nested error values.
    private static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError, let underlying = error.underlying { return reason(underlying) }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                return "the host name \(error.host) does not resolve"
            }
            let causes = Set(error.connectionErrors.map { reason($0.error) })
            return causes.sorted().joined(separator: "; ")
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        return String(describing: error)
    }

    init(message: String) {
        code = nil
        self.message = message
    }

    /// A conflict between concurrent transactions: running it again succeeds.
    var isRetryable: Bool { code == "40001" || code == "40P01" }

    package var description: String { "PostgreSQL: \(message)" + (code.map { " (SQLSTATE \($0))" } ?? "") }
}

/// The store's connections: postgres-nio's `PostgresClient`, a pool that runs on NIO's event
/// loops; no thread waits on a statement. Its `run()` is the link's background task, started when
/// the store opens and ended by `close()` (the hub's `StoreService` calls it last on shutdown).
/// A connection that broke is dropped by the pool and replaced on next use; while PostgreSQL
/// cannot be reached, statements wait for it, and fail after the pool has tried for a minute.
final class PostgresLink: Sendable {
    let settings: PostgresSettings
    private let logger: Logger
    private let client: PostgresClient
    private let running: Task<Void, Never>

    init(settings: PostgresSettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database, tls: try Self.tls(settings.tls))
        configuration.options.maximumConnections = max(1, settings.poolSize)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
    }

    deinit { running.cancel() }

    /// Checks, with a connection of its own, that PostgreSQL answers at the settings' address
    /// and lets this host in: the pool retries in silence, so a store that opens says it here.
    func probe() async throws {
        let configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database, tls: try Self.connectionTLS(settings.tls))
        do {
            let connection = try await PostgresConnection.connect(
                configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
        } catch {
            throw PostgresStoreError(
                message:
                    "cannot connect to \(settings.user)@\(settings.host):\(settings.port)/\(settings.database): "
                    + PostgresStoreError(error).message
                    + " (check that PostgreSQL runs there and lets this host in: listen_addresses, pg_hba.conf; "
                    + "and the [postgres] url in hub.toml)")
        }
    }

    /// Ends the pool: its connections close, statements after this fail.
    func close() async {
        running.cancel()
        await running.value
    }

    /// How long a statement waits for a connection before it fails: the pool retries a
    /// PostgreSQL that cannot be reached in silence, and an operator's request or a batch should
    /// hear so, not hang. Once a connection is leased, the statement takes as long as it takes.
    static let leaseTimeout = Duration.seconds(10)

    /// Runs `body` on a connection of the pool.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) async throws -> T) async throws -> T
    {
        let leased = LeaseFlag()
        let client = client
        let logger = logger
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        leased.set()
                        return try await body(PostgresSession(connection: connection, logger: logger))
                    }
                }
                group.addTask {
                    try await Task.sleep(for: Self.leaseTimeout)
                    return nil
                }
                while let result = try await group.next() {
                    if let result {
                        group.cancelAll()
                        return result
                    }
                    if !leased.isSet {
                        group.cancelAll()
                        throw PostgresStoreError(
                            message:
                                "no connection to \(settings.user)@\(settings.host):\(settings.port)/\(settings.database) "
                                + "within \(Self.leaseTimeout) (is PostgreSQL running and reachable? the hub keeps trying)"
                        )
                    }
                }
                throw CancellationError()
            }
        } catch {
            throw PostgresStoreError(error)
        }
    }

    /// Runs `body` in a transaction, committed when it returns; run again from the start (up
    /// to five times) when it lost a conflict with a concurrent one, as two replicas applying
    /// frames of one gateway can. `body` must therefore change nothing outside the database.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await withConnection { session in
                    try await session.execute("BEGIN")
                    do {
                        let result = try await body(session)
                        try await session.execute("COMMIT")
                        return result
                    } catch {
                        // A connection that cannot roll back is left in its transaction: closed,
                        // so that the pool never hands it out again.
                        do {
                            try await session.execute("ROLLBACK")
                        } catch {
                            try? await session.connection.close()
                        }
                        throw error
                    }
                }
            } catch let error as PostgresStoreError where error.isRetryable && attempt < 5 {
                logger.debug("transaction conflict; running it again", metadata: ["error": "\(error)"])
            }
        }
    }

    private static func tls(_ mode: PostgresSettings.TLSMode) throws -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: return .disable
        case .require, .verifyFull: return .require(try clientTLS(mode))
        }
    }

    private static func connectionTLS(_ mode: PostgresSettings.TLSMode) throws
        -> PostgresConnection.Configuration.TLS
    {
        switch mode {
        case .disable:
            return .disable
        case .require, .verifyFull:
            do {
                return .require(try NIOSSLContext(configuration: clientTLS(mode)))
            } catch {
                throw PostgresStoreError(message: "cannot set up TLS for PostgreSQL: \(error)")
            }
        }
    }

    private static func clientTLS(_ mode: PostgresSettings.TLSMode) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .disable, .require:
            configuration.certificateVerification = .none
        case .verifyFull(let caFile):
            configuration.certificateVerification = .fullVerification
            if let caFile { configuration.trustRoots = .file(caFile) }
        }
        return configuration
    }
}

/// Whether a connection was leased: set by the task that leased it, read by the one that waits.
private final class LeaseFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// One connection, leased from the pool: statements run one after another.
struct PostgresSession {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs a statement and returns its rows.
    @discardableResult
    func query(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await connection.query(query, logger: logger).get().rows
    }

    /// Runs a statement and returns how many rows it changed.
    @discardableResult
    func execute(_ query: PostgresQuery) async throws -> Int {
        try await connection.query(query, logger: logger).get().metadata.rows ?? 0
    }

    /// Runs SQL text without parameters: one statement, or several separated by semicolons
    /// (migrations; none of ours has a semicolon inside a statement).
    func script(_ sql: String) async throws {
        for statement in sql.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
            try await execute(PostgresQuery(unsafeSQL: String(statement)))
        }
    }
}
