import OutpostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL cluster of its own in a folder, for the benchmarks and the tests: `initdb` with
/// trust authentication for the `outpost` role, `pg_ctl start` on a loopback port, its socket in
/// the folder. PostgreSQL refuses to run as root, so under root the cluster belongs to the
/// `postgres` account Debian's package creates (or `nobody`) and its programs run through
/// `runuser`. `fsync` off is for tests only: a benchmark keeps the server's defaults.
package final class PrivatePostgres: Sendable {
    /// The port it listens on.
    package let port: Int
    /// Its folder (data, log, socket).
    package let folder: String
    private let binaries: String
    private let owner: String?

    /// Why the cluster could not be made or used.
    package struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with the program's own words.
        package let description: String
    }

    /// The folder of PostgreSQL's server programs, when installed (`make deps`).
    package static var binaries: String? {
        for version in (11...30).reversed() {
            let path = "/usr/lib/postgresql/\(version)/bin"
            if access(path + "/pg_ctl", X_OK) == 0 { return path }
        }
        return nil
    }

    /// Makes and starts a cluster in `folder` (created; it must not hold one yet) on `port`; with
    /// `tls` (certificate and key files, PEM), it also accepts TLS connections.
    package init(folder: String, port: Int, fsync: Bool = true, tls: (certificate: String, key: String)? = nil) throws {
        guard let binaries = Self.binaries else {
            throw Failure(description: "PostgreSQL is not installed (/usr/lib/postgresql/*/bin); run make deps")
        }
        self.binaries = binaries
        self.port = port
        self.folder = folder
        try FileIO.makeDirectory(folder)
        var account: (name: String, uid: uid_t, gid: gid_t)?
        if getuid() == 0 {
            for name in ["postgres", "nobody"] {
                if let entry = getpwnam(name) {
                    account = (name, entry.pointee.pw_uid, entry.pointee.pw_gid)
                    break
                }
            }
        }
        owner = account?.name
        if let account {
            _ = chown(folder, account.uid, account.gid)
            Self.letThrough(folder)
        }
        var options =
            "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c max_connections=200"
            + (fsync ? "" : " -c fsync=off")
        if let tls {
            // The server reads its key only when its owner alone may: copies of its own.
            let certificate = folder + "/server.crt"
            let key = folder + "/server.key"
            try FileIO.write(try FileIO.read(tls.certificate), to: certificate)
            try FileIO.write(try FileIO.read(tls.key), to: key)
            _ = chmod(key, 0o600)
            if let account {
                _ = chown(certificate, account.uid, account.gid)
                _ = chown(key, account.uid, account.gid)
            }
            options += " -c ssl=on -c ssl_cert_file=\(certificate) -c ssl_key_file=\(key)"
        }
        self.options = options
        try run("initdb", ["-D", folder + "/data", "-U", "outpost", "-A", "trust", "--no-sync", "-E", "UTF8"])
        try start()
    }

    private let options: String

    /// Starts the server (again, after `stop()`), returning once it accepts connections.
    package func start() throws {
        try run(
            "pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60", "start", "-o", options])
    }

    /// Lets other accounts pass through (not list) every folder above `folder`, so the cluster's
    /// owner reaches its own folder inside ones root made private (0750).
    private static func letThrough(_ folder: String) {
        var path = ""
        for part in folder.split(separator: "/").dropLast() {
            path += "/" + part
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IXOTH == 0 else { continue }
            _ = chmod(path, (info.st_mode & 0o7777) | S_IXOTH)
        }
    }

    /// Stops the server (fast shutdown: sessions ended, everything committed kept).
    package func stop() {
        _ = try? run("pg_ctl", ["-D", folder + "/data", "-m", "fast", "-w", "stop"])
    }

    /// The connection URL of `database`.
    package func url(database: String) -> String { "postgres://outpost@127.0.0.1:\(port)/\(database)" }

    /// Creates `database`; its connection URL.
    package func createDatabase(_ database: String) throws -> String {
        _ = try sql("CREATE DATABASE \(database)", database: "postgres")
        return url(database: database)
    }

    /// Runs one SQL statement through psql; what it printed (unaligned, tuples only).
    package func sql(_ statement: String, database: String) throws -> String {
        let output = folder + "/psql-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).out"
        defer { unlink(output) }
        let status = try SpawnedProcess.run(
            binaries + "/psql",
            [
                "-h", "127.0.0.1", "-p", "\(port)", "-U", "outpost", "-d", database, "-At", "-v", "ON_ERROR_STOP=1",
                "-o", output, "-c", statement,
            ],
            log: folder + "/psql.log")
        guard status == 0 else {
            throw Failure(description: "psql failed (\(status)) on: \(statement); see \(folder)/psql.log")
        }
        return String(decoding: (try? FileIO.read(output)) ?? [], as: UTF8.self)
    }

    private func run(_ program: String, _ arguments: [String]) throws {
        let path = binaries + "/" + program
        let log = folder + "/setup.log"
        let status =
            if let owner {
                try SpawnedProcess.run("/usr/sbin/runuser", ["-u", owner, "--", path] + arguments, log: log)
            } else {
                try SpawnedProcess.run(path, arguments, log: log)
            }
        guard status == 0 else {
            let text = String(decoding: (try? FileIO.read(log)) ?? [], as: UTF8.self)
            throw Failure(description: "\(program) failed (\(status)): \(text.suffix(800))")
        }
    }
}
