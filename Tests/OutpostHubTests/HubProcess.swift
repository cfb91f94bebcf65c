import OutpostHub
import OutpostTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `outpost-hub serve` as a child process, with its configuration, data folder and HTTP port.
final class HubProcess {
    let folder: TemporaryFolder
    let config: String
    let httpPort: Int
    private(set) var process: ChildProcess?

    /// Writes a configuration for the broker on `brokerPort` (none when nil).
    init(brokerPort: Int?, extra: String = "") throws {
        folder = try TemporaryFolder(prefix: "hub")
        httpPort = try Broker.freePort()
        let broker = brokerPort.map { "[broker]\nurl = \"mqtt://127.0.0.1:\($0)\"\nclient_id = \"hub-under-test\"\n" } ?? ""
        config = folder.write(
            Array(
                """
                [hub]
                listen = "127.0.0.1:\(httpPort)"
                data_dir = "\(folder.path)/data"

                \(broker)
                \(extra)
                """.utf8), to: "hub.toml")
    }

    /// Runs an `outpost-hub` subcommand against this configuration.
    func command(_ arguments: [String]) throws -> ChildProcess.Outcome {
        try ChildProcess.run(Binaries.path("outpost-hub"), [arguments[0], "--config", config] + arguments.dropFirst())
    }

    /// Enrols `gateway` with the public key PEM `publicKey`.
    func enrol(_ gateway: String, publicKey: String) throws {
        let keyFile = folder.write(Array(publicKey.utf8), to: "\(gateway).pub")
        let outcome = try command(["enrol", "--gateway", gateway, "--public-key", keyFile])
        guard outcome.exitStatus == 0 else { throw HubTestFailure("enrol failed: \(outcome)") }
    }

    /// Starts serving; returns once it listens (and, with a broker, is subscribed).
    func start(withBroker: Bool = true) throws {
        let started = try ChildProcess(Binaries.path("outpost-hub"), ["serve", "--config", config])
        _ = try started.waitForStderrLine(containing: "outpost-hub listening")
        if withBroker { _ = try started.waitForStderrLine(containing: "subscribed to gateway topics") }
        process = started
    }

    /// Kills it with SIGKILL: no chance to finish anything.
    func kill() {
        process?.send(SIGKILL)
        _ = try? process?.wait()
        process = nil
    }

    /// Stops it with SIGTERM.
    func stop() {
        process?.terminate()
        process = nil
    }

    /// The store, opened beside the running hub (WAL: readers do not block it).
    func store() throws -> SQLiteHubStore { try SQLiteHubStore(path: folder.path + "/data/hub.db") }

    /// `curl` against the API: returns the body; `data` is posted when given.
    func http(_ path: String, post data: String? = nil, contentType: String = "application/octet-stream") throws
        -> String
    {
        var arguments = ["-s", "http://127.0.0.1:\(httpPort)\(path)"]
        if let data { arguments += ["-H", "Content-Type: \(contentType)", "--data-binary", "@\(data)"] }
        return try ChildProcess.run("/usr/bin/curl", arguments).stdout
    }

    deinit { process?.terminate() }
}

/// A test set-up step that failed.
struct HubTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
