// Every reproduction of the hostile-input review, replayed against a running `outpost-hub serve`:
// each test says what was tried, checks the answer, and checks the hub still answers afterwards.
import Foundation
import OutpostHub
import OutpostMQTT
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

/// A running hub with one enrolled gateway (`gw`) and its signer.
private struct AttackedHub {
    let hub: HubProcess
    let signer: GatewayFrameSigner

    init(extra: String = "", hubKeys: String = "") throws {
        hub = try HubProcess(brokerPort: nil, extra: extra, hubKeys: hubKeys)
        let identity = try GatewayIdentity.generate(gatewayID: "gw")
        signer = try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM)
        try hub.enrol("gw", publicKey: identity.publicKeyPEM)
        try hub.start(withBroker: false)
    }

    /// A frame of `gateway` (signed by gw's key, or unsigned) holding `samples` of series `x`.
    func frame(
        _ sequence: UInt64, _ samples: [Sample], gateway: String = "gw", signed: Bool = true,
        resolution: Resolution? = nil
    ) throws -> [UInt8] {
        let frame = BatchFrame(
            gatewayID: gateway, sequence: sequence, bootID: .zero, clockState: .synchronised, createdAt: 1,
            createdMonotonic: 1, series: [SeriesDescriptor(id: 0, name: "x", unit: "°C", resolution: resolution)],
            chunks: [
                FrameChunk(
                    seriesID: 0,
                    chunk: try Chunk(encoding: SampleColumns(samples), resolution: resolution, clockSynchronised: true))
            ])
        return signed ? try frame.encoded(signer: signer) : try frame.encoded(signer: UnsignedFrameSigner())
    }

    /// POSTs `bytes` to the ingest endpoint.
    func post(_ bytes: [UInt8], name: String, json: Bool = false) throws -> HubProcess.Answer {
        let file = hub.folder.write(bytes, to: name)
        return try hub.call(
            "POST", "/api/v1/ingest",
            headers: ["Content-Type: \(json ? "application/json" : "application/octet-stream")"], body: "@" + file)
    }

    /// The hub is up and answering.
    var alive: Bool { ((try? hub.call("GET", "/health").status) ?? 0) == 200 }
}

@Suite("Attacks replayed against a running hub")
struct AttackReplayTests {
    @Test("A viewer's GETs at the edges of Int64 are answered 200 or 400, and the hub stays up after each")
    func rangeArithmetic() throws {
        let attacked = try AttackedHub()
        let hub = attacked.hub
        let now = Int64(Date().timeIntervalSince1970) * 1_000_000_000
        let readings = (0..<120).map { Sample(timestamp: now - Int64(120 - $0) * 60_000_000_000, value: Double($0)) }
        #expect(try attacked.post(try attacked.frame(1, readings), name: "data.frame").status == 200)
        let viewer = try hub.makeToken(role: "viewer")
        let series = "gateway=gw&name=x"
        let huge = String(repeating: "9", count: 10_000)
        let attempts: [(String, Int)] = [
            ("/api/v1/series?\(series)&from=0&to=9223372036854775000&buckets=1", 200),
            ("/api/v1/series/scores?\(series)&from=0&to=9223372036854775806", 200),
            ("/api/v1/series?\(series)&from=-9223372036854775808&to=-9223371916854775808&buckets=1", 400),
            ("/api/v1/series?\(series)&from=-9223372036854775808&to=9223372036854775807&buckets=10000", 200),
            ("/api/v1/series?\(series)&from=-9223372036854775808&to=9223372036854775807&buckets=1&format=csv", 200),
            ("/api/v1/series?\(series)&from=-9223372036854775808&to=9223372036854775807&format=csv", 200),
            ("/api/v1/series/scores?\(series)&from=-9223372036854775808&to=9223372036854775807&points=10", 200),
            ("/api/v1/series?\(series)&from=9223372036854775807&to=9223372036854775807", 400),
            ("/api/v1/series?\(series)&from=18446744073709551615&to=now", 400),
            ("/api/v1/series?\(series)&from=NaN&to=now", 400),
            ("/api/v1/series?\(series)&from=&to=", 400),
            ("/api/v1/series?\(series)&from=\(huge)", 400),
            ("/api/v1/series?\(series)&from=now-9999999999s", 400),
            ("/api/v1/series?\(series)&buckets=-9223372036854775808", 400),
            ("/api/v1/series/scores?\(series)&points=9223372036854775807", 400),
            ("/api/v1/alerts?from=-9223372036854775808&to=9223372036854775807", 200),
            ("/api/v1/gateways/gw/health?from=-9223372036854775808&to=9223372036854775807", 200),
            ("/api/v1/refusals?limit=9223372036854775807", 400),
            ("/api/v1/refusals?offset=-1", 400),
        ]
        for (path, expected) in attempts {
            let answer = try hub.call("GET", path, bearer: viewer)
            #expect(answer.status == expected, "\(path.prefix(160)): \(answer.status) \(answer.body.prefix(300))")
            #expect(attacked.alive, "the hub died on \(path.prefix(160))")
        }
        let all = try hub.call(
            "GET", "/api/v1/series?\(series)&from=-9223372036854775808&to=9223372036854775807&buckets=10",
            bearer: viewer
        ).json
        #expect(
            all["from"] as? Int64 == TimeWindow.lowerBound && all["to"] as? Int64 == TimeWindow.upperBound, "\(all)")
        let buckets = all["buckets"] as? [[String: Any]] ?? []
        #expect(buckets.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 120, "every reading in the clamped range")
    }

    @Test(
        "A signed frame with samples near Int64.min or past 2200 is refused as implausible_time, again on every resend")
    func implausibleSampleTimes() throws {
        let attacked = try AttackedHub()
        let cases: [(String, Int64)] = [
            ("min", Int64.min), ("min+1", Int64.min + 1), ("max", Int64.max), ("2262", 9_000_000_000_000_000_000),
            ("before 1970", -1), ("2200", TimeWindow.upperBound + 1),
        ]
        for (index, (name, timestamp)) in cases.enumerated() {
            let frame = try attacked.frame(UInt64(10 + index), [Sample(timestamp: timestamp, value: 1)])
            for attempt in 1...2 {
                let answer = try attacked.post(frame, name: "\(name)-\(attempt).frame")
                #expect(
                    answer.status == 400 && answer.errorCode == "implausible_time",
                    "\(name): \(answer.status) \(answer.body)")
                #expect(answer.body.contains("1970-01-01 to 2200-01-01"), "\(answer.body)")
                #expect(attacked.alive)
            }
        }
        let good = try attacked.post(
            try attacked.frame(
                99, [Sample(timestamp: TimeWindow.upperBound, value: 7), Sample(timestamp: 0, value: 8)]),
            name: "edges.frame")
        #expect(good.status == 200, "the window's own edges are times: \(good.body)")
        let refusals = try attacked.hub.call("GET", "/api/v1/refusals", bearer: attacked.hub.token).body
        #expect(refusals.contains("\"implausible_time\"") && refusals.contains("\"gw\""), "\(refusals)")
    }

    @Test(
        "Unsigned frames with invented ids fill one refusal row; rows page; a JSON frame of an unknown gateway is refused unparsed"
    )
    func unknownSenders() async throws {
        let attacked = try AttackedHub(hubKeys: "http_ingest_rate = 100000\nmax_json_frame_bytes = \"1MiB\"")
        let hub = attacked.hub
        let folder = hub.folder.path + "/flood"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for index in 0..<300 {
            let bytes = try attacked.frame(
                1, [Sample(timestamp: 1_000, value: 1)], gateway: "made-up-\(index)", signed: false)
            try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(index).frame"))
        }
        let script = """
            cd \(folder) && for f in *.frame; do curl -s -o /dev/null -w '%{http_code}\\n' \\
              -H 'Content-Type: application/octet-stream' --data-binary @$f http://127.0.0.1:\(hub.httpPort)/api/v1/ingest; done
            """
        // Awaited, not waited on: a blocked thread of the two here would stall the other tests' sockets.
        let codes = try await ChildProcess.running("/bin/bash", ["-c", script]).stdout.split(separator: "\n")
        #expect(codes.count == 300 && codes.allSatisfy { $0 == "403" }, "\(Set(codes))")
        #expect(try attacked.post(Array("not a frame at all".utf8), name: "garbage.frame").status == 400)
        let page = try hub.call("GET", "/api/v1/refusals?limit=1", bearer: hub.token).json
        let rows = page["refusals"] as? [[String: Any]] ?? []
        #expect(rows.count == 1 && page["next_offset"] as? Int == 1, "\(page)")
        let all = try hub.call("GET", "/api/v1/refusals", bearer: hub.token).json["refusals"] as? [[String: Any]] ?? []
        #expect(all.count == 2 && all.allSatisfy { $0["gateway"] as? String == RefusalRecord.unknownSenders }, "\(all)")
        let unknown = all.first { $0["reason"] as? String == "unknown_gateway" }
        #expect(unknown?["count"] as? Int == 300, "\(all)")
        #expect((unknown?["detail"] as? String ?? "").contains("made-up-"), "the last id claimed is kept")
        let last = try hub.call("GET", "/api/v1/refusals?offset=1", bearer: hub.token).json
        #expect((last["refusals"] as? [Any])?.count == 1 && last["next_offset"] == nil, "\(last)")

        // A JSON frame is refused by its gateway before it is parsed: this one would not parse.
        let bait = Array(#"{"gateway_id": "nobody", "chunks": ["#.utf8) + [UInt8](repeating: 0x5B, count: 900_000)
        let json = try attacked.post(bait, name: "bait.json", json: true)
        #expect(json.status == 403 && json.errorCode == "unknown_gateway", "\(json.status) \(json.body.prefix(300))")
        let oversize = try attacked.post([UInt8](repeating: 0x20, count: 2 << 20), name: "big.json", json: true)
        #expect(
            oversize.status == 413 && oversize.body.contains("JSON rendering"), "\(oversize.status) \(oversize.body)")
        #expect(attacked.alive)
    }

    @Test(
        "HTTP ingest is rate-limited per client address: past its burst an address gets 429 with Retry-After, others go on"
    )
    func ingestRateLimit() throws {
        let attacked = try AttackedHub(hubKeys: "http_ingest_rate = 1")
        let frame = try attacked.frame(1, [Sample(timestamp: 5_000, value: 1)])
        let file = attacked.hub.folder.write(frame, to: "burst.frame")
        var answers: [HubProcess.Answer] = []
        for _ in 0..<25 {
            answers.append(
                try attacked.hub.call(
                    "POST", "/api/v1/ingest", headers: ["Content-Type: application/octet-stream"], body: "@" + file))
        }
        let statuses = answers.map(\.status)
        #expect(statuses.prefix(10).allSatisfy { $0 == 200 }, "the burst is taken: \(statuses)")
        let limited = answers.first { $0.status == 429 }
        #expect(
            limited?.errorCode == "too_many_frames" && Int(limited?.headers["retry-after"] ?? "") ?? 0 >= 1,
            "\(statuses)")
        let other = try attacked.hub.call(
            "POST", "/api/v1/ingest", headers: ["Content-Type: application/octet-stream"], body: "@" + file,
            from: "127.0.0.9")
        #expect(other.status == 200, "another address is not held: \(other.status) \(other.body)")
        #expect(attacked.alive)
    }

    @Test(
        "A first request head over 80 kB, of 1,500 fields, or unreadable is answered 431 or 400 and closed, not held; the hub goes on"
    )
    func unreadableHeads() throws {
        let attacked = try AttackedHub()
        let hub = attacked.hub
        // Before, each of these got no answer: the connection was held until the client gave up.
        let big = try hub.call(
            "GET", "/health", headers: ["X-Padding: " + String(repeating: "x", count: 100_000)], maxSeconds: 20)
        #expect(big.status == 431 && big.headers["connection"] == "close", "\(big.status) \(big.headers)")
        let manifest = try hub.call(
            "POST", "/api/v1/releases", bearer: hub.token,
            headers: ["Outpost-Release-Manifest: " + String(repeating: "QUFB", count: 24_000)], body: "x",
            maxSeconds: 20)
        #expect(manifest.status == 431, "\(manifest.status)")
        let many = try hub.call(
            "GET", "/health", headers: (0..<1_500).map { "X-Field-\($0): 1" }, maxSeconds: 20)
        #expect(many.status == 431 || many.status == 400, "\(many.status)")
        // Not HTTP at all, on a raw socket: answered 400 and closed (cat ends) well before 20 s.
        let raw = try ChildProcess.run(
            "/bin/bash",
            [
                "-c",
                "exec 3<>/dev/tcp/127.0.0.1/\(hub.httpPort); printf '\\x00\\x01 NOT HTTP\\r\\n\\r\\n' >&3; "
                    + "timeout 20 cat <&3; echo \"exit=$?\"",
            ]
        ).stdout
        #expect(raw.hasPrefix("HTTP/1.1 400") && raw.hasSuffix("exit=0\n"), "\(raw)")
        // A head under the limit is still served, and so is the next request.
        let fine = try hub.call(
            "GET", "/health", headers: ["X-Padding: " + String(repeating: "x", count: 60_000)], maxSeconds: 20)
        #expect(fine.status == 200, "\(fine.status)")
        #expect(attacked.alive)
    }

    @Test("Every answer says nosniff; /metrics needs a token unless metrics_public")
    func headers() throws {
        let attacked = try AttackedHub()
        let hub = attacked.hub
        for path in ["/health", "/api/v1/no-such-route", "/login", "/api/v1/series?gateway=gw&name=x&format=csv"] {
            let answer = try hub.call("GET", path, bearer: hub.token)
            #expect(answer.headers["x-content-type-options"] == "nosniff", "\(path): \(answer.headers)")
        }
        #expect(try hub.call("GET", "/metrics").status == 401)
        let open = try HubProcess(brokerPort: nil, extra: "[web]\nmetrics_public = true\n")
        try open.start(withBroker: false)
        #expect(try open.call("GET", "/metrics").status == 200)
    }

    @Test(
        "Status and live documents of an unknown or a revoked gateway are refused and counted; an oversize status too")
    func documentsFromStrangers() async throws {
        let broker = try Broker()
        let hub = try HubProcess(brokerPort: broker.port)
        for gateway in ["gw-known", "gw-gone"] {
            try hub.enrol(gateway, publicKey: try GatewayIdentity.generate(gatewayID: gateway).publicKeyPEM)
        }
        #expect(try hub.command(["revoke", "--gateway", "gw-gone"]).exitStatus == 0)
        try hub.start()
        let intruder = try MQTTClient(
            .init(host: "127.0.0.1", port: broker.port, clientID: "intruder", cleanSession: true))
        defer { intruder.shutdown() }
        try intruder.connect(host: "127.0.0.1", port: broker.port, keepalive: 5)
        #expect(await firstElement(of: intruder.events) { $0 == .connected } == .connected)
        let status = Array(#"{"state":"online","version":"forged","backlog_readings":1}"#.utf8)
        for gateway in ["gw-ghost", "gw-gone"] {
            _ = try intruder.publish(.init(topic: "outpost/v1/\(gateway)/status", payload: status, qos: 1))
            _ = try intruder.publish(
                .init(topic: "outpost/v1/\(gateway)/live", payload: Array(#"{"time":1,"values":{"x":1}}"#.utf8)))
        }
        let padding = String(repeating: "x", count: 20_000)
        _ = try intruder.publish(
            .init(
                topic: "outpost/v1/gw-known/status", payload: Array(#"{"state":"online","pad":"\#(padding)"}"#.utf8),
                qos: 1))
        let counted = await eventually(timeout: .seconds(20)) {
            let rows =
                (try? hub.call("GET", "/api/v1/refusals", bearer: hub.token).json["refusals"] as? [[String: Any]]) ?? []
            let strangers = rows.first {
                $0["gateway"] as? String == RefusalRecord.unknownSenders && $0["reason"] as? String == "unknown_gateway"
            }
            let big = rows.first { $0["gateway"] as? String == "gw-known" && $0["reason"] as? String == "bad_status" }
            return (strangers?["count"] as? Int ?? 0) >= 4 && big != nil
        }
        let listing = try hub.call("GET", "/api/v1/refusals", bearer: hub.token).body
        #expect(counted, "\(listing)")
        let fleet = try hub.call("GET", "/api/v1/gateways", bearer: hub.token).body
        #expect(!fleet.contains("gw-ghost") && !fleet.contains("forged"), "\(fleet)")
        #expect(try hub.call("GET", "/health").status == 200)
    }
}
