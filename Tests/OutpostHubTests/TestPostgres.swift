import OutpostBench
import OutpostTestSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The test process's PostgreSQL cluster (`PrivatePostgres`, fsync off), started on first use in
/// a temporary folder and stopped when the process exits. Each test takes a new database.
enum TestPostgres {
    /// Whether PostgreSQL's server programs are installed (they are after `make deps`).
    static var isAvailable: Bool { PrivatePostgres.binaries != nil }

    private static let server = Mutex<PrivatePostgres?>(nil)
    private static let databases = Atomic<Int>(0)
    nonisolated(unsafe) private static var started: PrivatePostgres?
    nonisolated(unsafe) private static var keptCertificates: TestCertificates?
    /// The CA that signed the cluster's certificate (for 127.0.0.1), once it runs.
    nonisolated(unsafe) static var caFile = ""

    /// The cluster.
    static func shared() throws -> PrivatePostgres {
        try server.withLock { server in
            if let server { return server }
            let folder = try TemporaryFolder(prefix: "postgres")
            folder.keep = true  // removed at exit, once the server stopped
            let certificates = try TestCertificates(in: try TemporaryFolder(prefix: "postgres-tls"), clients: [])
            let cluster = try PrivatePostgres(
                folder: folder.path, port: try Broker.freePort(), fsync: false,
                tls: (certificates.serverCertificate, certificates.serverKey))
            caFile = certificates.caFile
            keptCertificates = certificates
            server = cluster
            started = cluster
            atexit {
                guard let cluster = TestPostgres.started else { return }
                cluster.stop()
                _ = try? ChildProcess.run("/bin/rm", ["-rf", cluster.folder])
            }
            return cluster
        }
    }

    /// A new, empty database; its connection URL.
    static func newDatabase() throws -> String {
        try shared().createDatabase("t\(getpid())_\(databases.add(1, ordering: .relaxed).newValue)")
    }
}
