import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OutpostCLI
import OutpostProvisioning
import OutpostSystem

/// The hub's API as `outpostctl` uses it: an admin (or viewer, for `fleet`) token, JSON answers,
/// the API's error message when it refuses.
struct HubConnection {
    let url: String
    let token: String

    func call(
        _ method: HTTPMethod, _ path: String, json: [String: Any]? = nil,
        raw: (bytes: [UInt8], headers: [(String, String)])? = nil
    ) async throws -> [String: Any] {
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.count > 8 else {
            throw CommandFailure("--hub '\(url)' is not the hub's address; give it as http://HOST:PORT or https://HOST")
        }
        // One call from a person at a prompt: a refused connection is said at once, not after
        // the pool's 10 s of retries.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = client.shutdown() }
        var request = HTTPClientRequest(url: url.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
        }
        if let raw {
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            for (name, value) in raw.headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: raw.bytes))
        }
        let response: HTTPClientResponse
        do {
            // A release is tens of megabytes: given time to cross a slow link.
            response = try await client.execute(request, timeout: .seconds(raw == nil ? 30 : 900))
        } catch {
            throw CommandFailure("cannot reach the hub at \(url): \(Self.reason(error))")
        }
        let body = try await response.body.collect(upTo: 64 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
        guard (200..<300).contains(Int(response.status.code)) else {
            // A configuration that fails the check: every problem, one per line, as `check` prints.
            if let problems = object["problems"] as? [[String: Any]], !problems.isEmpty {
                for problem in problems { FileIO.printError(problem["text"] as? String ?? "\(problem)") }
                throw CommandFailure("the hub refused it: \(problems.count) problem(s) to fix, each named above")
            }
            let message = (object["error"] as? [String: Any])?["message"] as? String ?? "\(response.status)"
            throw CommandFailure("the hub refused: \(message) (\(response.status.code))")
        }
        return object
    }

    /// A connection failure in words: the network library's own description names its types.
    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("Connection refused") {
            return "nothing answers there (is outpost-hub running, and is the port the one in its [hub] listen?)"
        }
        if text.contains("deadlineExceeded") || text.contains("timeout") || text.contains("Timeout") {
            return "no answer within 30 s (is the address right, and does a firewall let it through?)"
        }
        if text.contains("No address associated") || text.contains("Name or service not known")
            || text.contains("lookup")
        {
            return "the host name does not resolve (check the spelling, or use its IP address)"
        }
        if text.contains("certificate") || text.contains("TLS") || text.contains("SSL") || text.contains("handshake") {
            return "the TLS handshake failed (is the hub's certificate trusted here, and is it https?): \(text)"
        }
        return text
    }
}

/// How a command is given the hub's API token: from `OUTPOST_TOKEN` or `--token-file` (neither
/// shows in the process list), or `--token` (kept for scripts; it does show, and says so).
struct HubToken: ParsableArguments {
    @Option(help: "A file holding the hub's API token (or set OUTPOST_TOKEN).") var tokenFile: String?
    @Option(
        help: "The hub's API token; visible to every user in the process list: prefer OUTPOST_TOKEN or --token-file.")
    var token: String?

    /// The token, or nil when none was given.
    func resolve() throws -> String? {
        if let token {
            FileIO.printError(
                "outpostctl: warning: --token shows the token to every user of this machine (ps); use OUTPOST_TOKEN or --token-file"
            )
            return token
        }
        if let tokenFile {
            let text = String(decoding: try FileIO.read(tokenFile), as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines)
            guard !text.isEmpty else {
                throw CommandFailure("\(tokenFile) is empty: it should hold the hub's API token")
            }
            return text
        }
        if let value = ProcessInfo.processInfo.environment["OUTPOST_TOKEN"], !value.isEmpty { return value }
        return nil
    }

    /// The token; fails naming the ways to give one.
    func required(_ role: String) throws -> String {
        guard let token = try resolve() else {
            throw CommandFailure("give the hub's \(role) API token: OUTPOST_TOKEN=… or --token-file FILE")
        }
        return token
    }
}

/// `outpostctl enroll`.
struct Enroll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register a gateway's certificate with the hub (it checks the certificate chains to the fleet CA).")

    @Argument(help: "The gateway id.") var gatewayID: String
    @Option(help: "The hub's URL, e.g. https://hub.example:8080.") var hub: String
    @OptionGroup var token: HubToken
    @Option(help: "The gateway's certificate (PEM), from its bundle.") var cert: String
    @Option(parsing: .unconditional, help: "Latitude, for the map.") var latitude: Double?
    @Option(parsing: .unconditional, help: "Longitude, for the map.") var longitude: Double?

    func validate() throws {
        try OptionRange.check(latitude, -90...90, "--latitude")
        try OptionRange.check(longitude, -180...180, "--longitude")
    }

    func run() async throws {
        var body: [String: Any] = [
            "id": gatewayID, "certificate": String(decoding: try FileIO.read(cert), as: UTF8.self),
        ]
        body["latitude"] = latitude
        body["longitude"] = longitude
        _ = try await HubConnection(url: hub, token: try token.required("admin")).call(
            .POST, "/api/v1/gateways", json: body)
        FileIO.printOut(Array("enrolled \(gatewayID) at \(hub)\n".utf8))
    }
}

/// `outpostctl revoke`.
struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Revoke a gateway: the CA's revocation list (install crl.pem on the broker) and, with --hub, at the hub.")

    @Argument(help: "The gateway id.") var gatewayID: String
    @Option(help: "The CA's folder.") var ca: String
    @Option(help: "The hub's URL.") var hub: String?
    @OptionGroup var token: HubToken

    func run() async throws {
        let revoked = try provisioning { try CertificateAuthority.open(ca).revoke(commonName: gatewayID) }
        if revoked > 0 {
            let what = revoked == 1 ? "certificate" : "\(revoked) certificates"
            FileIO.printOut(
                Array("revoked \(gatewayID)'s \(what); copy \(ca)/crl.pem to the broker and reload it\n".utf8))
        } else {
            FileIO.printOut(
                Array("this CA issued no certificate to \(gatewayID); its revocation list is unchanged\n".utf8))
        }
        if let hub {
            _ = try await HubConnection(url: hub, token: try token.required("admin")).call(
                .POST, "/api/v1/gateways/\(gatewayID)/revoke")
            FileIO.printOut(Array("revoked \(gatewayID) at \(hub): its frames are refused from now on\n".utf8))
        }
    }
}

/// `outpostctl fleet`.
struct Fleet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the fleet's state as a table.")

    @Option(help: "The hub's URL.") var hub: String
    @OptionGroup var token: HubToken

    func run() async throws {
        let answer = try await HubConnection(url: hub, token: try token.required("viewer")).call(
            .GET, "/api/v1/gateways?limit=5000")
        let gateways = answer["gateways"] as? [[String: Any]] ?? []
        let now = Date().timeIntervalSince1970
        var rows = [["GATEWAY", "STATE", "LAST SEEN", "BACKLOG", "ALERTS", "AGENT", "CONFIG"]]
        for gateway in gateways {
            let seen = (gateway["last_seen"] as? Int64).map { Self.ago(now - Double($0) / 1e9) } ?? "never"
            rows.append([
                gateway["id"] as? String ?? "?", gateway["state"] as? String ?? "?", seen,
                "\(gateway["backlog_readings"] as? Int64 ?? 0)", "\(gateway["open_alerts"] as? Int64 ?? 0)",
                gateway["agent_version"] as? String ?? "-",
                Self.configuration(gateway["configuration"] as? [String: Any]),
            ])
        }
        var text = TextTable.render(rows)
        let counts = answer["counts"] as? [String: Int] ?? [:]
        let states = counts.filter { $0.key != "total" }.sorted { $0.key < $1.key }
        let summary: [String] = states.map { "\($0.value) \($0.key)" }
        text += "\(gateways.count) gateways: \(summary.joined(separator: ", "))\n"
        FileIO.printOut(Array(text.utf8))
    }

    /// "v3 applied", "v4 rolled_back, runs v3", or "-".
    private static func configuration(_ state: [String: Any]?) -> String {
        guard let state, let desired = state["desired"] as? Int64 else { return "-" }
        var text = "v\(desired) \(state["state"] as? String ?? "?")"
        if let applied = state["applied"] as? Int64, applied != desired { text += ", runs v\(applied)" }
        return text
    }

    private static func ago(_ seconds: Double) -> String {
        if seconds < 90 { return "\(Int(seconds)) s ago" }
        if seconds < 5400 { return "\(Int(seconds / 60)) min ago" }
        if seconds < 172_800 { return "\(Int(seconds / 3600)) h ago" }
        return "\(Int(seconds / 86_400)) d ago"
    }
}
