import Dispatch
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

/// The store's connections: a fixed pool used synchronously (the store protocol is synchronous,
/// like SQLite's), each statement a round trip on NIO's event loops while the calling thread
/// waits. A connection that broke is dropped and replaced on next use.
final class PostgresLink: Sendable {
    let settings: PostgresSettings
    private let logger: Logger
    private let idle = Mutex<[PostgresConnection]>([])
    private let slots: DispatchSemaphore
    private let nextID = Atomic<Int>(0)

    private let tls: PostgresConnection.Configuration.TLS

    init(settings: PostgresSettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        slots = DispatchSemaphore(value: max(1, settings.poolSize))
        do {
            switch settings.tls {
            case .disable:
                tls = .disable
            case .require:
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.certificateVerification = .none
                tls = .require(try NIOSSLContext(configuration: configuration))
            case .verifyFull(let caFile):
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.certificateVerification = .fullVerification
                if let caFile { configuration.trustRoots = .file(caFile) }
                tls = .require(try NIOSSLContext(configuration: configuration))
            }
        } catch {
            throw PostgresStoreError(message: "cannot set up TLS for PostgreSQL: \(error)")
        }
    }

    deinit {
        // A connection must be closed before it is released; the close holds it until then.
        for connection in idle.withLock({ $0 }) { connection.close().whenComplete { _ in _ = connection } }
    }

    /// Runs `body` on a connection of the pool.
    func withConnection<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        let connection = try checkOut()
        let session = PostgresSession(connection: connection, logger: logger)
        defer {
            if session.state.usable && !connection.isClosed {
                idle.withLock { $0.append(connection) }
            } else {
                connection.close().whenComplete { _ in _ = connection }
            }
        }
        do {
            return try body(session)
        } catch {
            throw PostgresStoreError(error)
        }
    }

    /// Runs `body` in a transaction, committed when it returns; run again from the start (up
    /// to five times) when it lost a conflict with a concurrent one, as two replicas applying
    /// frames of one gateway can. `body` must therefore change nothing outside the database.
    func transaction<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try withConnection { session in
                    try session.execute("BEGIN")
                    do {
                        let result = try body(session)
                        try session.execute("COMMIT")
                        return result
                    } catch {
                        // A connection that cannot roll back is left in its transaction: closed,
                        // never handed out again.
                        do { try session.execute("ROLLBACK") } catch { session.state.usable = false }
                        throw error
                    }
                }
            } catch let error as PostgresStoreError where error.isRetryable && attempt < 5 {
                logger.debug("transaction conflict; running it again", metadata: ["error": "\(error)"])
            }
        }
    }

    private func checkOut() throws -> PostgresConnection {
        while let connection = idle.withLock({ $0.popLast() }) {
            if !connection.isClosed { return connection }
        }
        let configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database, tls: tls)
        do {
            return try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                id: nextID.add(1, ordering: .relaxed).newValue, logger: logger
            ).wait()
        } catch {
            throw PostgresStoreError(
                message:
                    "cannot connect to \(settings.user)@\(settings.host):\(settings.port)/\(settings.database): "
                    + PostgresStoreError(error).message
                    + " (check that PostgreSQL runs there and lets this host in: listen_addresses, pg_hba.conf; "
                    + "and the [postgres] url in hub.toml)")
        }
    }
}

/// One connection, checked out: statements run one after another.
struct PostgresSession {
    /// Whether the connection may go back to the pool.
    final class State {
        var usable = true
    }

    let connection: PostgresConnection
    let logger: Logger
    let state = State()

    /// Runs a statement and returns its rows.
    @discardableResult
    func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        try connection.query(query, logger: logger).wait().rows
    }

    /// Runs a statement and returns how many rows it changed.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> Int {
        try connection.query(query, logger: logger).wait().metadata.rows ?? 0
    }

    /// Runs SQL text without parameters: one statement, or several separated by semicolons
    /// (migrations; none of ours has a semicolon inside a statement).
    func script(_ sql: String) throws {
        for statement in sql.split(separator: ";") where !statement.allSatisfy(\.isWhitespace) {
            try execute(PostgresQuery(unsafeSQL: String(statement)))
        }
    }
}
