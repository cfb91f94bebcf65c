import OutpostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A real Mosquitto broker for a test: its own config in a temporary folder, a free loopback
/// port, persistence on, queues large enough that nothing is dropped, optionally TLS with client
/// certificates. `stop()` and `start()` again keep the port and the persisted state.
package final class Broker {
    /// The port it listens on.
    package let port: Int
    /// The folder holding its config, persistence and certificates.
    package let folder: TemporaryFolder
    /// The TLS files, when started with TLS.
    package let tls: TestCertificates?
    private var process: ChildProcess?

    /// Whether Mosquitto is installed (it is after `make deps`).
    package static var isAvailable: Bool { access("/usr/sbin/mosquitto", X_OK) == 0 }

    /// Starts a broker; with `tls`, it requires TLS and a client certificate signed by the test CA.
    package init(tls: Bool = false) throws {
        folder = try TemporaryFolder(prefix: "broker")
        port = try Self.freePort()
        self.tls = tls ? try TestCertificates(in: folder, clients: ["gw-1", "hub"]) : nil
        var config = """
            listener \(port) 127.0.0.1
            allow_anonymous true
            persistence true
            persistence_location \(folder.path)/
            autosave_interval 1
            max_queued_messages 0
            max_inflight_messages 0
            log_dest stderr
            log_type error
            log_type warning
            log_type notice
            log_type information
            user root

            """
        if let certificates = self.tls {
            config += """
                cafile \(certificates.caFile)
                certfile \(certificates.serverCertificate)
                keyfile \(certificates.serverKey)
                require_certificate true
                use_identity_as_username true

                """
        }
        _ = folder.write(Array(config.utf8), to: "mosquitto.conf")
        try start()
    }

    deinit { process?.terminate() }

    /// Starts (again), returning when it accepts connections.
    package func start() throws {
        let started = try ChildProcess("/usr/sbin/mosquitto", ["-c", folder.file("mosquitto.conf")])
        _ = try started.waitForStderrLine(containing: "mosquitto version 2", timeout: .seconds(20))
        _ = try started.waitForStderrLine(
            containing: "Opening ipv4 listen socket on port \(port)", timeout: .seconds(20))
        process = started
        guard Self.waitUntilListening(port: port) else {
            throw ChildProcess.Failure(description: "mosquitto said it listens on \(port) but takes no connection")
        }
    }

    /// Waits until a TCP connection to `port` on the loopback address succeeds: a server's log
    /// line announcing its socket comes before the socket listens.
    package static func waitUntilListening(port: Int, timeout: Duration = .seconds(20)) -> Bool {
        eventuallyBlocking(timeout: timeout) { LoopbackPort.accepts(port) }
    }

    /// Stops it (SIGTERM; persistence is saved).
    package func stop() {
        process?.terminate()
        process = nil
    }

    /// A free loopback port of the tests' own range.
    package static func freePort() throws -> Int { try LoopbackPort.free(in: .tests) }
}

/// A test certificate authority with a server certificate for 127.0.0.1 and client certificates
/// (CN = name), made with the openssl command.
package struct TestCertificates {
    package let caFile: String
    package let serverCertificate: String
    package let serverKey: String
    package let folder: TemporaryFolder

    /// Creates the CA, the server certificate and one client certificate per name; those in
    /// `expired` ended yesterday.
    package init(in folder: TemporaryFolder, clients: [String], expired: Set<String> = []) throws {
        self.folder = folder
        caFile = folder.file("ca.pem")
        serverCertificate = folder.file("server.pem")
        serverKey = folder.file("server.key")
        try Self.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=Outpost test CA", "-keyout", folder.file("ca.key"), "-out", caFile,
        ])
        try issue(name: "127.0.0.1", key: serverKey, certificate: serverCertificate, server: true)
        for client in clients {
            try issue(
                name: client, key: key(client), certificate: certificate(client), server: false,
                days: expired.contains(client) ? -1 : 2)
        }
    }

    /// The client certificate of `name`.
    package func certificate(_ name: String) -> String { folder.file("\(name).pem") }
    /// The client key of `name`.
    package func key(_ name: String) -> String { folder.file("\(name).key") }

    private func issue(name: String, key: String, certificate: String, server: Bool, days: Int = 2) throws {
        let request = folder.file("\(name).csr")
        try Self.openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=\(name)",
            "-keyout", key, "-out", request,
        ])
        let extensions = folder.write(
            Array((server ? "subjectAltName=IP:127.0.0.1\n" : "extendedKeyUsage=clientAuth\n").utf8), to: "\(name).ext")
        try Self.openssl([
            "x509", "-req", "-in", request, "-CA", caFile, "-CAkey", folder.file("ca.key"),
            "-CAcreateserial", "-days", "\(days)", "-extfile", extensions, "-out", certificate,
        ])
    }

    private static func openssl(_ arguments: [String]) throws {
        let outcome = try ChildProcess.run("/usr/bin/openssl", arguments)
        guard outcome.exitStatus == 0 else {
            throw ChildProcess.Failure(description: "openssl \(arguments[0]): \(outcome)")
        }
    }
}
