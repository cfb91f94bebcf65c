import Foundation
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

/// The fleet management API tried from outside: values at and beyond their bounds, wrong
/// shapes, a credential used after it was revoked, many pushes at once.
@Suite("Fleet API under hostile input", .serialized, Requires.installed(Broker.isAvailable, "mosquitto"))
struct FleetAPIHostileTests {
    @Test(
        "Oversized, mistyped and out-of-range requests get a 4xx that says what; a revoked token is refused; 40 pushes at once get 40 versions"
    )
    func hostile() async throws {
        let bed = try HostileBed()
        let hub = bed.hub
        try hub.enrol("gw-gone", publicKey: try GatewayIdentity.generate(gatewayID: "gw-gone").publicKeyPEM)
        _ = try hub.command(["revoke", "--gateway", "gw-gone"])
        let token = try hub.makeToken(role: "operator")
        try hub.start()
        defer { hub.stop() }
        func put(_ json: String, gateway: String = "gw-h", bearer: String? = nil) throws -> HubProcess.Answer {
            try hub.call("PUT", "/api/v1/gateways/\(gateway)/config", bearer: bearer ?? token, json: json)
        }
        let body = hub.folder.write(Array(String(repeating: "a", count: 70_000).utf8), to: "big.txt")
        let cases: [(HubProcess.Answer, Int, String)] = [
            (try put(#"{"toml":"\#(String(repeating: "# x\\n", count: 13_000))"}"#), 422, "at most 49152"),
            (
                try hub.call(
                    "PUT", "/api/v1/gateways/gw-h/config", bearer: token, headers: ["Content-Type: application/json"],
                    body: "@" + body), 413, "too_large"
            ),
            (try put(#"{"toml":"","trial_s":9223372036854775807}"#), 400, "trial_s"),
            (try put(#"{"toml":"","trial_s":-1}"#), 400, "trial_s"),
            (try put(#"{"toml":"","trial_s":1e400}"#), 400, "bad_json"),
            (try put(#"{"toml":42}"#), 400, #"\"toml\" is a string"#),
            (try put(#"{}"#), 400, #"give \"toml\""#),
            (try put(#"{"toml":"","note":"\#(String(repeating: "n", count: 2001))"}"#), 400, "2,000"),
            (try put(#"{"toml":"[gateway]\nid = \"evil\"\n"}"#), 422, "never set remotely"),
            (try put(#"{"toml":"a = \"\u0000\""}"#), 422, "control character"),
            (try put(#"{"toml":""}"#, gateway: "gw-none"), 404, "no gateway"),
            (try put(#"{"toml":""}"#, gateway: "gw-gone"), 409, "revoked"),
            (try put(#"{"toml":""}"#, gateway: "%00"), 404, "no gateway"),
            (try hub.call("GET", "/api/v1/gateways/gw-h/config/versions/-1", bearer: token), 400, "version number"),
            (
                try hub.call(
                    "GET", "/api/v1/gateways/gw-h/config/versions/99999999999999999999", bearer: token), 400,
                "version number"
            ),
            (try hub.call("GET", "/api/v1/gateways/gw-h/config/diff", bearer: token), 404, "no remote configuration"),
            (
                try hub.call(
                    "PUT", "/api/v1/gateways/gw-h/labels", bearer: token, json: #"{"labels":{"site":"a b"}}"#), 400,
                "bad_labels"
            ),
            (
                try hub.call(
                    "PUT", "/api/v1/gateways/gw-h/labels", bearer: token,
                    json: #"{"labels":{"\#(String(repeating: "k", count: 65))":"v"}}"#), 400, "bad_labels"
            ),
            (try hub.call("POST", "/api/v1/rollouts", bearer: token, json: #"{"toml":""}"#), 400, "label"),
            (
                try hub.call(
                    "POST", "/api/v1/rollouts", bearer: token, json: #"{"toml":"","label":"x=y","gateways":["gw-h"]}"#),
                400, "one of them"
            ),
            (
                try hub.call("POST", "/api/v1/rollouts", bearer: token, json: #"{"toml":"","label":"nobody=here"}"#),
                400,
                "no enrolled gateway"
            ),
            (
                try hub.call(
                    "POST", "/api/v1/rollouts", bearer: token, json: #"{"toml":"","gateways":["gw-h"],"halt_share":2}"#),
                400, "halt_share"
            ),
            (
                try hub.call(
                    "POST", "/api/v1/rollouts", bearer: token, json: #"{"toml":"","gateways":["gw-h","gw-gone"]}"#),
                400,
                "gw-gone"
            ),
            (try hub.call("POST", "/api/v1/rollouts/9223372036854775807/halt", bearer: token), 404, "no rollout"),
            (
                try hub.call(
                    "POST", "/api/v1/gateways/gw-h/diagnostics", bearer: token,
                    json: #"{"kind":"errors","expires_in_s":9223372036854775807}"#), 400, "expires_in_s"
            ),
            (
                try hub.call("POST", "/api/v1/gateways/gw-h/diagnostics", bearer: token, json: #"{"kind":"probe"}"#),
                400,
                "device"
            ),
            (
                try hub.call(
                    "POST", "/api/v1/gateways/gw-gone/diagnostics", bearer: token, json: #"{"kind":"errors"}"#), 404,
                "no enrolled gateway"
            ),
        ]
        for (index, (answer, status, text)) in cases.enumerated() {
            #expect(
                answer.status == status && answer.body.contains(text), "case \(index): \(answer.status) \(answer.body)")
        }

        // Forty pushes at once: forty versions, each once.
        let url = "http://127.0.0.1:\(hub.httpPort)/api/v1/gateways/gw-h/config"
        let statuses = try await withThrowingTaskGroup(of: Int64?.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let outcome = try await ChildProcess.running(
                        "/usr/bin/curl",
                        [
                            "-s", "-X", "PUT", url, "-H", "Authorization: Bearer \(token)", "-H",
                            "Content-Type: application/json", "--data-binary", #"{"toml":"","note":"\#(index)"}"#,
                        ])
                    let object = try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
                    return object?["version"] as? Int64
                }
            }
            return try await group.reduce(into: [Int64?]()) { $0.append($1) }
        }
        #expect(statuses.compactMap { $0 }.sorted() == Array(1...40))

        // A token revoked is refused at once.
        let tokens = try hub.call("GET", "/api/v1/tokens", bearer: hub.token).json["tokens"] as? [[String: Any]] ?? []
        let id = try #require(tokens.first { $0["name"] as? String == "tests-operator" }?["id"] as? Int64)
        #expect(try hub.call("DELETE", "/api/v1/tokens/\(id)", bearer: hub.token).status == 200)
        #expect(try put(#"{"toml":""}"#).status == 401)
        #expect(try hub.call("GET", "/api/v1/gateways/gw-h/config", bearer: token).status == 401)
    }

    @Test(
        "Release uploads and release rollouts against hostile requests: no, garbled or huge manifests, empty files, huge or odd versions, both kinds at once, a revoked admin token"
    )
    func hostileReleases() async throws {
        let bed = try HostileBed()
        let hub = bed.hub
        let admin = try hub.makeToken(role: "admin")
        try hub.start()
        defer { hub.stop() }
        let file = hub.folder.write(Array("a release".utf8), to: "release.bin")
        let empty = hub.folder.write([], to: "empty.bin")
        func upload(_ manifest: String?, body: String = file, bearer: String? = nil) throws -> HubProcess.Answer {
            try hub.call(
                "POST", "/api/v1/releases", bearer: bearer ?? admin,
                headers: ["Content-Type: application/octet-stream"]
                    + (manifest.map { ["Outpost-Release-Manifest: \($0)"] } ?? []), body: "@" + body)
        }
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        let manifest = try ReleaseSigner.generate().sign(
            ReleaseManifest(
                version: try #require(ReleaseVersion("0.2.0")), architecture: "arm64", file: "outpost-agent", size: 9,
                sha256: ReleaseFile.sha256(Array("a release".utf8)), issuedAt: systemWallClock()))
        let signed = Data(manifest).base64EncodedString()
        func rollout(_ json: String, bearer: String? = nil) throws -> HubProcess.Answer {
            try hub.call("POST", "/api/v1/rollouts", bearer: bearer ?? admin, json: json)
        }
        let cases: [(HubProcess.Answer, Int, String)] = [
            (try upload(nil), 400, "missing_manifest"),
            (try upload("not base64!!"), 400, "missing_manifest"),
            (try upload(base64(String(repeating: "x", count: 39_000))), 400, "bad_manifest"),
            (try upload(base64("{}")), 400, "bad_manifest"),
            (try upload(base64(#"{"payload":"\u0000","signature":""}"#)), 400, "bad_manifest"),
            (try upload(signed, body: empty), 400, "file_mismatch"),
            (
                try rollout(#"{"release":"\#(String(repeating: "9", count: 100_000))","gateways":["gw-h"]}"#), 413,
                "too_large"
            ),
            (
                try rollout(#"{"release":"\#(String(repeating: "9", count: 20_000))","gateways":["gw-h"]}"#), 404,
                "no release"
            ),
            (try rollout(#"{"release":"0.2.0\u0000","gateways":["gw-h"]}"#), 404, "no release"),
            (try rollout(#"{"release":2,"gateways":["gw-h"]}"#), 400, "release"),
            (try rollout(#"{"release":"0.2.0","toml":"","gateways":["gw-h"]}"#), 400, "one of them"),
            (try rollout(#"{"gateways":["gw-h"]}"#), 400, "one of them"),
        ]
        for (answer, status, text) in cases {
            #expect(
                answer.status == status && answer.body.contains(text), "\(answer.status) \(answer.body.prefix(300))")
        }
        // Uploaded once; an operator may neither upload nor roll it out; a viewer sees it.
        #expect(try upload(signed).status == 201)
        let operatorToken = try hub.makeToken(role: "operator")
        #expect(try upload(signed, bearer: operatorToken).status == 403)
        #expect(try rollout(#"{"release":"0.2.0","gateways":["gw-h"]}"#, bearer: operatorToken).status == 403)
        let viewer = try hub.makeToken(role: "viewer")
        let listed = try hub.call("GET", "/api/v1/releases", bearer: viewer)
        #expect(listed.status == 200 && listed.body.contains(#""version":"0.2.0""#), "\(listed.body)")
        #expect(try rollout(#"{"release":"0.2.0","gateways":["gw-h"]}"#).status == 201)
        // A revoked admin token is refused at once.
        let tokens = try hub.call("GET", "/api/v1/tokens", bearer: hub.token).json["tokens"] as? [[String: Any]] ?? []
        let id = try #require(
            tokens.filter { $0["name"] as? String == "tests-admin" }.compactMap { $0["id"] as? Int64 }.max())
        #expect(try hub.call("DELETE", "/api/v1/tokens/\(id)", bearer: hub.token).status == 200)
        #expect(try upload(signed).status == 401)
        #expect(try rollout(#"{"release":"0.2.0","gateways":["gw-h"]}"#).status == 401)
    }
}

/// A broker, a fleet key, and a hub (not started) with gateway `gw-h` enrolled.
private struct HostileBed {
    let broker: Broker
    let keys: TemporaryFolder
    let hub: HubProcess

    init() throws {
        broker = try Broker(tls: false)
        keys = try TemporaryFolder()
        let fleetKey = keys.write(
            Array(try GatewayIdentity.generate(gatewayID: "fleet").privateKeyPEM.utf8), to: "fleet-key.pem")
        hub = try HubProcess(brokerPort: broker.port, fleetKey: fleetKey)
        try hub.enrol("gw-h", publicKey: try GatewayIdentity.generate(gatewayID: "gw-h").publicKeyPEM)
    }
}
