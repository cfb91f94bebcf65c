import Foundation
import Logging
import OutpostHub
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

/// A JSON string literal of `text` (PEM keys hold newlines).
private func quoted(_ text: String) -> String {
    String(
        decoding: (try? JSONSerialization.data(withJSONObject: [text], options: [])) ?? Data("[\"\"]".utf8),
        as: UTF8.self
    )
    .dropFirst().dropLast().description
}

@Suite("API behaviour")
struct APIBehaviourTests {
    @Test(
        "Roles: a viewer cannot acknowledge, an operator can (and is named), an operator cannot enrol, an admin can; revoked tokens stop working"
    )
    func rolesAndTokens() async throws {
        let hub = try HubProcess(brokerPort: nil)
        let viewer = try hub.makeToken(role: "viewer")
        let operatorToken = try hub.makeToken(role: "operator")
        try hub.start(withBroker: false)
        let alert = try await hub.store().openAlert(
            series: SeriesKey(gateway: "gw-pump", name: "pump.current"), kind: .drift, score: 0.9,
            at: 1_800_000_000_000_000_000
        ).id
        let note = #"{"note":"checked the bearing"}"#
        let refused = try hub.call("POST", "/api/v1/alerts/\(alert)/acknowledge", bearer: viewer, json: note)
        #expect(refused.status == 403 && refused.body.contains("operator role"), "\(refused.body)")
        let done = try hub.call("POST", "/api/v1/alerts/\(alert)/acknowledge", bearer: operatorToken, json: note)
        #expect(done.status == 200 && done.json["by"] as? String == "tests-operator", "\(done.body)")
        let again = try hub.call("POST", "/api/v1/alerts/\(alert)/acknowledge", bearer: operatorToken, json: note)
        #expect(again.status == 409 && again.errorCode == "not_firing")
        let missing = try hub.call("POST", "/api/v1/alerts/424242/acknowledge", bearer: operatorToken, json: note)
        #expect(missing.status == 404)
        let one = try hub.call("GET", "/api/v1/alerts/\(alert)", bearer: viewer)
        let listed = try #require(one.json["alert"] as? [String: Any])
        #expect(listed["state"] as? String == "acknowledged" && listed["note"] as? String == "checked the bearing")

        let identity = try GatewayIdentity.generate(gatewayID: "gw-new")
        let enrolment =
            #"{"id":"gw-new","latitude":52.5,"longitude":13.4,"public_key":\#(quoted(identity.publicKeyPEM))}"#
        #expect(try hub.call("POST", "/api/v1/gateways", bearer: operatorToken, json: enrolment).status == 403)
        let badKey = try hub.call(
            "POST", "/api/v1/gateways", bearer: hub.token, json: #"{"id":"gw-new","public_key":"nope"}"#)
        #expect(badKey.status == 400 && badKey.errorCode == "bad_public_key")
        let enrolled = try hub.call("POST", "/api/v1/gateways", bearer: hub.token, json: enrolment)
        #expect(enrolled.status == 201, "\(enrolled.body)")
        // Enrolled through the API: its frames are accepted at once.
        let signer = try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM)
        let frame = BatchFrame(
            gatewayID: "gw-new", sequence: 1, bootID: .zero, clockState: .synchronised, createdAt: 1,
            createdMonotonic: 1,
            series: [SeriesDescriptor(id: 0, name: "tank.level", unit: "m")],
            chunks: [
                FrameChunk(
                    seriesID: 0,
                    chunk: try Chunk(
                        encoding: SampleColumns([Sample(timestamp: 1_000, value: 1.5)]), resolution: nil,
                        clockSynchronised: true))
            ])
        let posted = try hub.http(
            "/api/v1/ingest", post: hub.folder.write(try frame.encoded(signer: signer), to: "new.frame"))
        #expect(posted.contains("\"duplicate\":false"), "\(posted)")
        let gateway = try hub.call("GET", "/api/v1/gateways/gw-new", bearer: viewer).json["gateway"] as? [String: Any]
        #expect(gateway?["latitude"] as? Double == 52.5)
        #expect(try hub.call("POST", "/api/v1/gateways/gw-new/revoke", bearer: hub.token).status == 200)

        let created = try hub.call(
            "POST", "/api/v1/tokens", bearer: hub.token, json: #"{"name":"grafana","role":"viewer"}"#)
        let secret = try #require(created.json["token"] as? String)
        let id = try #require(created.json["id"] as? Int)
        #expect(try hub.call("GET", "/api/v1/gateways", bearer: secret).status == 200)
        let tokens = try hub.call("GET", "/api/v1/tokens", bearer: hub.token)
        #expect(tokens.body.contains("grafana") && !tokens.body.contains(secret), "secrets are never listed")
        #expect(try hub.call("DELETE", "/api/v1/tokens/\(id)", bearer: hub.token).status == 200)
        #expect(
            try hub.call("GET", "/api/v1/gateways", bearer: secret).status == 401,
            "a revoked token authenticates nothing")
    }

    @Test(
        "Request bodies from outside: a missing field, a wrong type, null, a number JSON cannot hold, a wrong role, no JSON, an empty body; each refused naming the field, nothing changed"
    )
    func hostileBodies() throws {
        let hub = try HubProcess(brokerPort: nil, extra: "[web]\nbcrypt_cost = 4\n")
        try hub.start(withBroker: false)
        let cases: [(path: String, body: String, code: String, message: String)] = [
            ("/api/v1/users", #"{"password":"long enough pass"}"#, "missing_field", #"give \"name\""#),
            ("/api/v1/users", #"{"name":5,"password":"long enough pass"}"#, "bad_field", #"\"name\" is a string"#),
            ("/api/v1/users", #"{"name":null,"password":"long enough pass"}"#, "missing_field", #"give \"name\""#),
            ("/api/v1/users", #"{"name":"","password":"long enough pass"}"#, "bad_field", "non-empty"),
            ("/api/v1/users", #"{"name":"x","role":"root","password":"long enough pass"}"#, "bad_role", "not 'root'"),
            ("/api/v1/tokens", #"{"name":"t","role":7}"#, "bad_field", #"\"role\" is a string"#),
            ("/api/v1/gateways", #"{"id":"gw-x","public_key":"k","latitude":1e400}"#, "bad_json", "not valid JSON"),
            ("/api/v1/gateways", #"{"id":"gw-x","latitude":"north"}"#, "bad_field", #"\"latitude\" is a number"#),
            ("/api/v1/gateways", #"{"id":"gw-x"}"#, "missing_field", #"give \"public_key\""#),
            ("/api/v1/gateways", "[1,2]", "bad_json", "not a JSON object"),
            ("/api/v1/tokens", "not json", "bad_json", "not a JSON object"),
            ("/api/v1/tokens", "", "missing_field", #"give \"name\""#),
        ]
        for (path, body, code, message) in cases {
            let answer = try hub.call("POST", path, bearer: hub.token, json: body)
            #expect(answer.status == 400 && answer.errorCode == code, "\(path) \(body): \(answer.body)")
            #expect(answer.body.contains(message), "\(path) \(body): \(answer.body)")
        }
        let users = try hub.call("GET", "/api/v1/users", bearer: hub.token)
        #expect(users.body == #"{"users":[]}"#, "\(users.body)")
        let gateways = try hub.call("GET", "/api/v1/gateways", bearer: hub.token)
        #expect(gateways.json["total"] as? Int == 0, "\(gateways.body)")
    }

    @Test("Lists page: gateways by offset with counts by state, alerts by id cursor; bad parameters say which")
    func paginationAndErrors() async throws {
        let hub = try HubProcess(brokerPort: nil)
        try hub.start(withBroker: false)
        let store = try await hub.store()
        for index in 0..<5 {
            try await store.enrol(
                gateway: "gw-\(index)", publicKey: [UInt8](repeating: 4, count: 64), latitude: nil, longitude: nil,
                at: 1)
            _ = try await store.openAlert(
                series: SeriesKey(gateway: "gw-\(index)", name: "t"), kind: .spike, score: 1, at: Int64(index + 1))
        }
        let first = try hub.call("GET", "/api/v1/gateways?limit=2&sort=id", bearer: hub.token).json
        #expect((first["gateways"] as? [[String: Any]])?.map { $0["id"] as? String } == ["gw-0", "gw-1"])
        #expect(first["next_offset"] as? Int == 2 && first["total"] as? Int == 5)
        #expect((first["counts"] as? [String: Int])?["total"] == 5)
        let last = try hub.call("GET", "/api/v1/gateways?limit=2&offset=4&sort=id", bearer: hub.token).json
        #expect((last["gateways"] as? [[String: Any]])?.count == 1 && last["next_offset"] == nil)
        let filtered = try hub.call("GET", "/api/v1/gateways?q=gw-3", bearer: hub.token).json
        #expect(filtered["total"] as? Int == 1)

        var seen: [Int] = []
        var cursor = ""
        while true {
            let page = try hub.call("GET", "/api/v1/alerts?limit=2\(cursor)", bearer: hub.token).json
            seen += (page["alerts"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            guard let next = page["next_before"] as? Int else { break }
            cursor = "&before=\(next)"
        }
        #expect(seen.count == 5 && seen == seen.sorted(by: >) && Set(seen).count == 5)
        let byGateway = try hub.call("GET", "/api/v1/alerts?gateway=gw-2", bearer: hub.token).json
        #expect((byGateway["alerts"] as? [[String: Any]])?.count == 1)

        let cases: [(String, String)] = [
            ("/api/v1/gateways?sort=colour", "bad_sort"), ("/api/v1/gateways?limit=0", "bad_parameter"),
            ("/api/v1/alerts?state=sleeping", "bad_state"), ("/api/v1/alerts?kind=meteor", "bad_kind"),
            ("/api/v1/series?gateway=gw-1", "missing_parameter"),
            ("/api/v1/series?gateway=a&name=b&from=yesterday", "bad_time"),
            ("/api/v1/series?gateway=a&name=b&buckets=0", "bad_parameter"),
        ]
        for (path, code) in cases {
            let answer = try hub.call("GET", path, bearer: hub.token)
            #expect(answer.status == 400 && answer.errorCode == code, "\(path): \(answer.status) \(answer.body)")
            let message = (answer.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(!message.isEmpty, "\(path) says what is wrong")
        }
        #expect(try hub.call("GET", "/api/v1/gateways/gw-none", bearer: hub.token).status == 404)
    }

    @Test(
        "A series exports as CSV, scores come from its detector, /metrics counts ingest, and the API document is served"
    )
    func exportScoresMetrics() throws {
        let hub = try HubProcess(brokerPort: nil, extra: "[detection]\nlearning_samples = 200\n")
        let identity = try GatewayIdentity.generate(gatewayID: "gw-csv")
        try hub.enrol("gw-csv", publicKey: identity.publicKeyPEM)
        try hub.start(withBroker: false)
        try postShiftedSeries(to: hub, as: identity, series: "pressure")
        let raw = try hub.call(
            "GET",
            "/api/v1/series?gateway=gw-csv&name=pressure&from=2027-01-15T00:00:00Z&to=2027-01-16T00:00:00Z&format=csv",
            bearer: hub.token)
        #expect(
            raw.headers["content-type"]?.hasPrefix("text/csv") == true
                && raw.headers["content-disposition"]?.contains("attachment") == true)
        let lines = raw.body.split(separator: "\n")
        #expect(lines.first == "timestamp,value,quality" && lines.count == 361, "\(lines.count) lines")
        let buckets = try hub.call(
            "GET",
            "/api/v1/series?gateway=gw-csv&name=pressure&from=2027-01-15T00:00:00Z&to=2027-01-16T00:00:00Z&buckets=10&format=csv",
            bearer: hub.token)
        #expect(buckets.body.hasPrefix("start,count,valid,min,max,mean\n"))
        let scores = try hub.call(
            "GET",
            "/api/v1/series/scores?gateway=gw-csv&name=pressure&from=2027-01-15T00:00:00Z&to=2027-01-15T15:00:00Z",
            bearer: hub.token
        ).json
        let points = scores["scores"] as? [[Any]] ?? []
        let anomalies = scores["anomalies"] as? [[Any]] ?? []
        #expect(points.count > 10, "scores after the learning period: \(scores)")
        #expect(!anomalies.isEmpty, "the shifted last hour is anomalous")
        #expect(try hub.call("GET", "/metrics").status == 401, "/metrics needs a token unless [web] metrics_public")
        let metrics = try hub.call("GET", "/metrics", bearer: hub.token)
        #expect(
            metrics.status == 200 && metrics.body.contains("outpost_hub_readings_total 360"),
            "\(metrics.body.prefix(2000))")
        #expect(metrics.body.contains("# TYPE outpost_hub_http_request_duration_seconds histogram"))
        #expect(metrics.body.contains("outpost_hub_websocket_clients 0"))
        #expect(metrics.body.contains("outpost_hub_alerts_opened_total{kind="), "alerts are counted by kind")
        let document = try hub.call("GET", "/api/v1/openapi.yaml", bearer: hub.token)
        #expect(document.status == 200 && document.body.hasPrefix("openapi: 3.1"))
    }
}
