import Foundation
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

@testable import OutpostHub

/// The Prometheus API's numbers against the store's own, and against a client nobody here
/// wrote: Debian's promtool.
@Suite("The Prometheus query API", .serialized)
struct PrometheusAPITests {
    /// An hour at 1 s from a whole hour: a gauge in 0.01 steps and a counter that resets once.
    static let start: Int64 = 1_800_000_000 * NS.second / NS.hour * NS.hour
    static func gauge(_ index: Int) -> Double { 20 + Double((index * 37) % 251) / 100 }
    static func counter(_ index: Int) -> Double { Double(index < 1_800 ? index * 3 : (index - 1_800) * 3) }

    func fill(_ hub: HubFixture) async throws {
        let gauge = samples(from: Self.start, every: NS.second, count: 3_600, value: Self.gauge)
        let counter = samples(from: Self.start, every: NS.second, count: 3_600, value: Self.counter)
        guard case .acknowledged = await hub.pipeline.ingest(try hub.frame(1, ["room.temp": gauge, "pulses": counter]))
        else { throw HubTestFailure("not acknowledged") }
    }

    func evaluate(_ hub: HubFixture, _ query: String, at times: [Int64]) async throws -> PromQLEvaluator.Value {
        try await PromQLEvaluator(store: hub.store, maxSamples: 2_000_000).evaluate(PromQL(parsing: query), at: times)
    }

    func values(_ value: PromQLEvaluator.Value) -> [Double?] {
        switch value {
        case .scalar(let numbers): return numbers
        case .vector(let vector): return vector.values.first ?? []
        }
    }

    @Test("Selectors, *_over_time, rate and aggregations give the numbers the store's own queries give")
    func numbers() async throws {
        let hub = try await HubFixture()
        try await fill(hub)
        let key = SeriesKey(gateway: hub.gateway, name: "room.temp")
        let minutes = (1...59).map { Self.start + Int64($0) * NS.minute - 1 }
        // A selector: the newest sample at or before each time.
        let newest = values(try await evaluate(hub, "room_temp", at: minutes))
        let expected = minutes.map { Self.gauge(Int(($0 - Self.start) / NS.second)) }
        var close = newest.count == expected.count
        for (answer, value) in zip(newest, expected) where abs((answer ?? .infinity) - value) > 1e-9 { close = false }
        #expect(close, "the newest sample at or before each time")
        // avg/min/max/count over each minute: the minute rollups the JSON API's buckets read.
        let buckets = try await QueryEngine(store: hub.store).buckets(
            key, Self.start...(Self.start + NS.hour - 1), count: 60)
        #expect(buckets.source == "minute" && buckets.buckets.count == 60)
        let rolled = Dictionary(uniqueKeysWithValues: buckets.buckets.map { ($0.start, $0.aggregate) })
        for (name, pick) in [
            ("avg", { (a: Aggregate) in a.mean }), ("min", { $0.min }), ("max", { $0.max }),
            ("count", { Double($0.count) }),
        ] as [(String, (Aggregate) -> Double)] {
            let answers = values(try await evaluate(hub, "\(name)_over_time(room_temp[1m])", at: minutes))
            for (time, answer) in zip(minutes, answers) {
                let expected = try #require(rolled[time + 1 - NS.minute].map(pick))
                #expect(
                    answer.map { abs($0 - expected) < 1e-9 } == true,
                    "\(name) at \(time): \(String(describing: answer)) vs \(expected)")
            }
        }
        // rate: 3 a second, across the reset too (Prometheus adds the value before a reset back).
        for answer in values(try await evaluate(hub, "rate(pulses[5m])", at: minutes.suffix(50))) {
            #expect(answer.map { abs($0 - 3) < 0.02 } == true, "\(String(describing: answer))")
        }
        let increase = values(try await evaluate(hub, "increase(pulses[10m])", at: [Self.start + 40 * NS.minute]))
        #expect(increase.first??.rounded() == 1_800)
        // Aggregations and arithmetic.
        let sum = try await evaluate(hub, "sum by (gateway) (room_temp) * 2 - 1", at: [minutes[9]])
        guard case .vector(let vector) = sum else {
            Issue.record("not a vector")
            return
        }
        #expect(vector.keys.map(\.dictionary) == [["gateway": hub.gateway]])
        #expect(vector.values.first?.first == .some(Self.gauge(599) * 2 - 1))
        #expect(values(try await evaluate(hub, "count(room_temp)", at: [minutes[0]])) == [1])
        // No sample within 5 minutes: no value.
        #expect(values(try await evaluate(hub, "room_temp", at: [Self.start + 2 * NS.hour])) == [nil])
        // A query reading more than its budget is refused, not cut short.
        await #expect(throws: PromQLError.self) {
            try await PromQLEvaluator(store: hub.store, maxSamples: 1_000).evaluate(
                PromQL(parsing: "sum_over_time(room_temp[1h])"), at: [Self.start + NS.hour - 1])
        }
    }

    /// `promtool` (Debian's prometheus package), as a user would run it against the hub.
    func promtool(_ arguments: [String]) throws -> ChildProcess.Outcome {
        try ChildProcess.run("/usr/bin/promtool", arguments)
    }

    @Test(
        "promtool queries the hub as a Prometheus server: instant, range, series and labels agree with the JSON API",
        Requires.installed(FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "promtool"))
    func promtoolAgrees() async throws {
        let hub = try HubProcess(brokerPort: nil)
        let identity = try GatewayIdentity.generate(gatewayID: "gw-prom")
        try hub.enrol("gw-prom", publicKey: identity.publicKeyPEM)
        let viewer = try hub.makeToken(role: "viewer")
        try hub.start(withBroker: false)
        defer { hub.stop() }
        let gauge = samples(from: Self.start, every: NS.second, count: 3_600, value: Self.gauge)
        let frame = try BatchFrame(
            gatewayID: "gw-prom", sequence: 1, bootID: .zero, clockState: .synchronised, createdAt: Self.start,
            createdMonotonic: 1,
            series: [SeriesDescriptor(id: 0, name: "room.temp", unit: "°C", resolution: Resolution(parsing: "0.01"))],
            chunks: [
                FrameChunk(
                    seriesID: 0,
                    chunk: try Chunk(
                        encoding: SampleColumns(gauge), resolution: Resolution(parsing: "0.01"), clockSynchronised: true
                    ))
            ]
        ).encoded(signer: try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM))
        let stored = try hub.http("/api/v1/ingest", post: hub.folder.write(frame, to: "frame.bin"))
        #expect(stored.contains(#""duplicate":false"#), "\(stored)")
        let server = "http://grafana:\(viewer)@127.0.0.1:\(hub.httpPort)/prometheus"
        let seconds = { (ns: Int64) in String(ns / NS.second) }

        // Instant: the newest sample at 00:30 of the hour.
        let at = Self.start + 30 * NS.minute
        let instant = try promtool(["query", "instant", "-o", "json", "--time", seconds(at), server, "room_temp"])
        #expect(instant.exitStatus == 0, "\(instant)")
        let vector = try JSONSerialization.jsonObject(with: Data(instant.stdout.utf8)) as? [[String: Any]]
        let metric = vector?.first?["metric"] as? [String: String]
        #expect(
            metric == [
                "__name__": "room_temp", "gateway": "gw-prom", "series": "room.temp", "kind": "gauge", "unit": "°C",
            ])
        let value = (vector?.first?["value"] as? [Any])?.last as? String
        #expect(value.flatMap(Double.init).map { abs($0 - Self.gauge(1_800)) < 1e-9 } == true, "\(instant.stdout)")

        // Range: each minute's mean, as the JSON API's buckets say.
        let range = try promtool([
            "query", "range", "-o", "json", "--start", seconds(Self.start + 59 * NS.second), "--end",
            seconds(Self.start + NS.hour - NS.second), "--step", "1m", server, "avg_over_time(room_temp[1m])",
        ])
        #expect(range.exitStatus == 0, "\(range)")
        let matrix = try JSONSerialization.jsonObject(with: Data(range.stdout.utf8)) as? [[String: Any]]
        let points = (matrix?.first?["values"] as? [[Any]]) ?? []
        #expect(points.count == 60, "\(range.stdout.prefix(300))")
        let buckets = try await QueryEngine(store: hub.store()).buckets(
            SeriesKey(gateway: "gw-prom", name: "room.temp"), Self.start...(Self.start + NS.hour - 1), count: 60)
        // At hh:mm:59 the window (t − 1 m, t] holds exactly the minute's 60 samples.
        var agreeing = 0
        for (point, bucket) in zip(points, buckets.buckets) {
            let mean = Double(point.last as? String ?? "") ?? .nan
            if abs(mean - bucket.aggregate.mean) < 1e-9 { agreeing += 1 }
        }
        #expect(agreeing == 60 && buckets.buckets.count == 60, "\(agreeing) of 60 means agree")
        // On whole minutes the minute rollups answer: each point is the minute [t − 1 m, t).
        let rolled = try promtool([
            "query", "range", "-o", "json", "--start", seconds(Self.start + NS.minute), "--end",
            seconds(Self.start + NS.hour), "--step", "1m", server, "avg_over_time(room_temp[1m])",
        ])
        let rolledPoints =
            ((try JSONSerialization.jsonObject(with: Data(rolled.stdout.utf8)) as? [[String: Any]])?
                .first?["values"] as? [[Any]]) ?? []
        let rolledMeans = rolledPoints.map { Double($0.last as? String ?? "") ?? .nan }
        #expect(
            rolledMeans.count == 60
                && zip(rolledMeans, buckets.buckets).allSatisfy { abs($0 - $1.aggregate.mean) < 1e-9 },
            "\(rolled.stdout.prefix(300))")
        // An instant query of a range: the raw samples, as Prometheus gives them.
        let raw = try promtool(["query", "instant", "-o", "json", "--time", seconds(at), server, "room_temp[10s]"])
        let rawPoints =
            ((try JSONSerialization.jsonObject(with: Data(raw.stdout.utf8)) as? [[String: Any]])?
                .first?["values"] as? [[Any]]) ?? []
        #expect(rawPoints.count == 10 && (rawPoints.last?.first as? Double) == Double(at / NS.second), "\(raw)")

        let series = try promtool(["query", "series", "--match", #"{gateway="gw-prom"}"#, server])
        #expect(series.exitStatus == 0 && series.stdout.contains(#"series="room.temp""#), "\(series)")
        // start after the newest reading: no series (Prometheus lists series with samples in range).
        let later = try promtool([
            "query", "series", "--match", #"{gateway="gw-prom"}"#, "--start", seconds(Self.start + 2 * NS.hour), server,
        ])
        #expect(later.exitStatus == 0 && !later.stdout.contains("room.temp"), "\(later)")
        let labels = try promtool(["query", "labels", server, "series"])
        #expect(labels.exitStatus == 0 && labels.stdout.contains("room.temp"), "\(labels)")

        // What it does not answer, in Prometheus's error shape; and no token, no answer.
        let refused = try promtool(["query", "instant", server, "topk(1, room_temp)"])
        #expect(refused.exitStatus != 0 && (refused.stderr + refused.stdout).contains("topk"), "\(refused)")
        let anonymous = try ChildProcess.run(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-w", "%{http_code}",
                "http://127.0.0.1:\(hub.httpPort)/prometheus/api/v1/labels",
            ])
        #expect(anonymous.stdout == "401")
        let wrong = try ChildProcess.run(
            "/usr/bin/curl",
            [
                "-s", "-u", "x:not-a-token", "-o", "/dev/null", "-w", "%{http_code}",
                "http://127.0.0.1:\(hub.httpPort)/prometheus/api/v1/labels",
            ])
        #expect(wrong.stdout == "401")

        // Hostile parameters: each a 400 with Prometheus's bad_data, never a crash or a 500.
        let hostile = [
            "query?query=room_temp&time=9223372036854775807", "query?query=room_temp&time=-1e300",
            "query?query=room_temp&time=NaN", "query?query=", "query?query=%FF%FE",
            "query_range?query=room_temp&start=0&end=1e9&step=0.001",
            "query_range?query=room_temp&start=10&end=5&step=1",
            "query_range?query=room_temp&start=0&end=10&step=-1", "query_range?query=room_temp&start=0&end=10",
            "query?query=" + String(repeating: "(", count: 5_000), "series", "series?match%5B%5D=rate(x%5B5m%5D)",
            "query?query=room_temp%7Bgateway%3D~%22(a%2B)%2B%24%22%7D",
        ]
        for path in hostile {
            let outcome = try ChildProcess.run(
                "/usr/bin/curl",
                [
                    "-s", "-u", "x:\(viewer)", "-w", "\n%{http_code}",
                    "http://127.0.0.1:\(hub.httpPort)/prometheus/api/v1/\(path)",
                ])
            let lines = outcome.stdout.split(separator: "\n")
            #expect(
                lines.last == "400" && outcome.stdout.contains(#""errorType":"bad_data""#),
                "\(path.prefix(60)): \(outcome.stdout.prefix(200))")
        }
        // The same questions from Python's prometheus-api-client (PyPI), with a bearer token.
        let python = try ChildProcess.run(
            Peers.python,
            [
                packageRoot() + "/Tests/Peers/prometheus_client_check.py",
                "http://127.0.0.1:\(hub.httpPort)/prometheus", viewer, seconds(Self.start),
            ])
        #expect(python.exitStatus == 0, "\(python)")
        let answers = try JSONSerialization.jsonObject(with: Data(python.stdout.utf8)) as? [String: Any]
        let pythonInstant = answers?["instant"] as? [Double] ?? []
        #expect(pythonInstant.count == 1 && abs((pythonInstant.first ?? 0) - Self.gauge(1_800)) < 1e-9)
        let pythonRange = answers?["range"] as? [Double] ?? []
        let means = buckets.buckets.map(\.aggregate.mean)
        #expect(pythonRange.count == 60 && zip(pythonRange, means).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(answers?["metrics"] as? [String] == ["room_temp"])
        #expect((answers?["series"] as? [[String: String]])?.first?["series"] == "room.temp")
        #expect(answers?["values"] as? [String] == ["room.temp"])
        let metadata = (answers?["metadata"] as? [[String: Any]])?.first
        #expect(metadata?["type"] as? String == "gauge" && metadata?["unit"] as? String == "°C", "\(python.stdout)")

        // A form body over 256 kB: refused as bad data, not read.
        let huge = hub.folder.write(Array(("query=" + String(repeating: "x", count: 300_000)).utf8), to: "huge.form")
        let tooLarge = try ChildProcess.run(
            "/usr/bin/curl",
            [
                "-s", "-u", "x:\(viewer)", "-w", "\n%{http_code}", "-H",
                "Content-Type: application/x-www-form-urlencoded",
                "--data-binary", "@\(huge)", "http://127.0.0.1:\(hub.httpPort)/prometheus/api/v1/query",
            ])
        #expect(
            tooLarge.stdout.hasSuffix("\n400") && tooLarge.stdout.contains("over 256 kB"),
            "\(tooLarge.stdout.prefix(200))")

        let build = try hub.http("/prometheus/api/v1/status/buildinfo", token: viewer)
        #expect(build.contains(#""status":"success""#) && build.contains(#""version""#), "\(build)")

        // The token revoked: promtool's basic auth and the bearer header both stop working.
        let store = try await hub.store()
        let id = try #require(try await store.tokens().first { $0.name == "tests-viewer" }?.id)
        #expect(try await store.revokeToken(id, at: systemWallClock()))
        let revoked = try promtool(["query", "instant", server, "room_temp"])
        #expect(revoked.exitStatus != 0 && (revoked.stderr + revoked.stdout).contains("401"), "\(revoked)")
        let bearer = try ChildProcess.run(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(viewer)",
                "http://127.0.0.1:\(hub.httpPort)/prometheus/api/v1/labels",
            ])
        #expect(bearer.stdout == "401")
    }
}
