import Foundation
import Logging
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
    /// An admin API token, made with `outpost-hub token add`: what `http` authenticates with.
    private(set) var token = ""
    private(set) var process: ChildProcess?

    /// The PostgreSQL database it stores in, when not its own SQLite file.
    let postgresURL: String?

    /// Writes a configuration for the broker on `brokerPort` (none when nil); with `postgresURL`,
    /// the store is that database, with `sharedGroup` the hub is one of several replicas, and
    /// with `fleetKey` (a PEM file) it signs watch documents.
    init(
        brokerPort: Int?, extra: String = "", hubKeys: String = "", postgresURL: String? = nil,
        clientID: String = "hub-under-test", sharedGroup: String? = nil, fleetKey: String? = nil
    ) throws {
        folder = try TemporaryFolder(prefix: "hub")
        httpPort = try Broker.freePort()
        self.postgresURL = postgresURL
        var broker =
            brokerPort.map { "[broker]\nurl = \"mqtt://127.0.0.1:\($0)\"\nclient_id = \"\(clientID)\"\n" } ?? ""
        if let sharedGroup, !broker.isEmpty { broker += "shared_group = \"\(sharedGroup)\"\n" }
        if let fleetKey, !broker.isEmpty { broker += "fleet_key = \"\(fleetKey)\"\n" }
        let store = postgresURL == nil ? "" : "store = \"postgres\"\n"
        let postgres = postgresURL.map { "[postgres]\nurl = \"\($0)\"\npool_size = 4\n" } ?? ""
        config = folder.write(
            Array(
                """
                [hub]
                listen = "127.0.0.1:\(httpPort)"
                data_dir = "\(folder.path)/data"
                \(store)\(hubKeys)

                \(postgres)

                \(broker)
                \(extra)
                """.utf8), to: "hub.toml")
        token = try makeToken(role: "admin")
    }

    /// A new API token of `role`.
    func makeToken(role: String) throws -> String {
        let outcome = try command(["token", "add", "--name", "tests-\(role)", "--role", role])
        guard outcome.exitStatus == 0 else { throw HubTestFailure("token add failed: \(outcome)") }
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs an `outpost-hub` subcommand against this configuration.
    func command(_ arguments: [String], stdin: String? = nil) throws -> ChildProcess.Outcome {
        let input = stdin.map { folder.write(Array($0.utf8), to: "stdin-\(arguments.joined(separator: "-")).txt") }
        return try ChildProcess.run(
            Binaries.path("outpost-hub"), arguments + ["--config", config], stdinPath: input ?? "/dev/null")
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
    func store() async throws -> any HubStore {
        if let postgresURL, let settings = PostgresSettings(url: postgresURL, poolSize: 2) {
            return try await PostgresHubStore.open(settings: settings, logger: Logger(label: "test"))
        }
        return try SQLiteHubStore(path: folder.path + "/data/hub.db")
    }

    /// `curl` against the API with the admin token (or `token`): returns the body; `data` is
    /// posted when given.
    func http(
        _ path: String, post data: String? = nil, contentType: String = "application/octet-stream", token: String? = nil
    ) throws -> String {
        var arguments = [
            "-s", "http://127.0.0.1:\(httpPort)\(path)", "-H", "Authorization: Bearer \(token ?? self.token)",
        ]
        if let data { arguments += ["-H", "Content-Type: \(contentType)", "--data-binary", "@\(data)"] }
        return try ChildProcess.run("/usr/bin/curl", arguments).stdout
    }

    /// One HTTP exchange, with its status and headers.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String

        /// The error code of a JSON error body.
        var errorCode: String? {
            let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
            return (object?["error"] as? [String: Any])?["code"] as? String
        }

        /// The body as a JSON object.
        var json: [String: Any] {
            ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]) ?? [:]
        }
    }

    /// `curl` with any method, credentials and JSON body; nil `bearer` sends no token. `from` is
    /// the loopback address the request comes from (127.0.0.0/8: each is another client).
    func call(
        _ method: String, _ path: String, bearer: String? = nil, cookie: String? = nil, csrf: String? = nil,
        json: String? = nil, headers extra: [String] = [], body: String? = nil, from address: String? = nil,
        maxSeconds: Int? = nil
    ) throws -> Answer {
        var arguments = ["-s", "-i", "-X", method, "http://127.0.0.1:\(httpPort)\(path)"]
        if let maxSeconds { arguments += ["--max-time", "\(maxSeconds)"] }
        if let address { arguments += ["--interface", address] }
        if let bearer { arguments += ["-H", "Authorization: Bearer \(bearer)"] }
        if let cookie { arguments += ["-H", "Cookie: outpost_session=\(cookie)"] }
        if let csrf { arguments += ["-H", "X-CSRF-Token: \(csrf)"] }
        if let json { arguments += ["-H", "Content-Type: application/json", "--data-binary", json] }
        for header in extra { arguments += ["-H", header] }
        if let body { arguments += ["--data-binary", body] }
        let raw = try ChildProcess.run("/usr/bin/curl", arguments).stdout
        guard let split = raw.range(of: "\r\n\r\n") else { throw HubTestFailure("no HTTP answer: \(raw)") }
        let head = raw[..<split.lowerBound].split(separator: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        return Answer(status: status, headers: headers, body: String(raw[split.upperBound...]))
    }

    deinit { process?.terminate() }
}

/// A test set-up step that failed.
struct HubTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
