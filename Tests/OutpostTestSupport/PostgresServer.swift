#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// A private PostgreSQL cluster for the tests: `initdb` in a temporary folder, `pg_ctl start` on a
/// free loopback port, trust authentication for the `outpost` role, stopped when the test
/// process exits. PostgreSQL refuses to run as root, so under root the cluster belongs to the
/// `postgres` account Debian's package creates (or `nobody`) and its programs run through
/// `runuser`. One cluster per test process; each test takes a fresh database of its own.
public final class PostgresServer: Sendable {
    /// The port it listens on.
    public let port: Int
    /// Where its programs are.
    public let binaries: String
    private let folder: String
    private let databases = Atomic<Int>(0)

    /// Whether PostgreSQL's server programs are installed (they are after `make deps`).
    public static var isAvailable: Bool { findBinaries() != nil }

    /// The process's cluster, started on first use.
    public static func shared() throws -> PostgresServer {
        try sharedServer.withLock { server in
            if let server { return server }
            let started = try PostgresServer()
            server = started
            return started
        }
    }

    private static let sharedServer = Mutex<PostgresServer?>(nil)

    private init() throws {
        guard let binaries = Self.findBinaries() else {
            throw ChildProcess.Failure(description: "PostgreSQL is not installed (/usr/lib/postgresql/*/bin); run make deps")
        }
        self.binaries = binaries
        port = try Broker.freePort()
        let scratch = try TemporaryFolder(prefix: "postgres")
        scratch.keep = true  // removed at exit, after the server stopped
        folder = scratch.path
        let owner = Self.owner()
        if let owner { _ = chown(folder, owner.uid, owner.gid) }
        try run(
            "initdb", ["-D", folder + "/data", "-U", "outpost", "-A", "trust", "--no-sync", "-E", "UTF8"],
            as: owner?.name)
        // Tests need speed, not the server's own crash safety: fsync off here only.
        try run(
            "pg_ctl",
            [
                "-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60", "start", "-o",
                "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            ], as: owner?.name)
        PostgresServer.stopAtExit(binaries: binaries, data: folder + "/data", owner: owner?.name)
    }

    /// A new, empty database; its connection URL.
    public func newDatabase() throws -> String {
        let name = "t\(getpid())_\(databases.add(1, ordering: .relaxed).newValue)"
        try sql("CREATE DATABASE \(name)", database: "postgres")
        return url(database: name)
    }

    /// The connection URL of `database`.
    public func url(database: String) -> String { "postgres://outpost@127.0.0.1:\(port)/\(database)" }

    /// Runs SQL through psql; its output (unaligned, tuples only).
    @discardableResult
    public func sql(_ statement: String, database: String) throws -> String {
        let outcome = try ChildProcess.run(
            binaries + "/psql",
            ["-h", "127.0.0.1", "-p", "\(port)", "-U", "outpost", "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", statement])
        guard outcome.exitStatus == 0 else { throw ChildProcess.Failure(description: "psql: \(statement)\n\(outcome)") }
        return outcome.stdout
    }

    private func run(_ program: String, _ arguments: [String], as user: String?) throws {
        let outcome =
            if let user {
                try ChildProcess.run("/usr/sbin/runuser", ["-u", user, "--", binaries + "/" + program] + arguments)
            } else {
                try ChildProcess.run(binaries + "/" + program, arguments)
            }
        guard outcome.exitStatus == 0 else { throw ChildProcess.Failure(description: "\(program): \(outcome)") }
    }

    private static func findBinaries() -> String? {
        for version in (11...30).reversed() {
            let path = "/usr/lib/postgresql/\(version)/bin"
            if access(path + "/pg_ctl", X_OK) == 0 { return path }
        }
        return nil
    }

    /// The account that owns the cluster when running as root.
    private static func owner() -> (name: String, uid: uid_t, gid: gid_t)? {
        guard getuid() == 0 else { return nil }
        for name in ["postgres", "nobody"] {
            if let entry = getpwnam(name) { return (name, entry.pointee.pw_uid, entry.pointee.pw_gid) }
        }
        return nil
    }

    nonisolated(unsafe) private static var exitCommand: [String] = []

    private static func stopAtExit(binaries: String, data: String, owner: String?) {
        let stop = [binaries + "/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"]
        exitCommand = owner.map { ["/usr/sbin/runuser", "-u", $0, "--"] + stop } ?? stop
        atexit {
            _ = try? ChildProcess.run(PostgresServer.exitCommand[0], Array(PostgresServer.exitCommand.dropFirst()))
            let data = PostgresServer.exitCommand.last { $0.hasSuffix("/data") } ?? ""
            if !data.isEmpty { _ = try? ChildProcess.run("/bin/rm", ["-rf", String(data.dropLast("/data".count))]) }
        }
    }
}
