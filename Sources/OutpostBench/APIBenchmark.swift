import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWSClient
import HummingbirdWebSocket
import Logging
import NIOCore
import OutpostHub
import OutpostProvisioning
import OutpostSigning
import OutpostWire
import Synchronization

/// `outpost-bench api`: the dashboard's two latencies through a real hub server on loopback —
/// the chart API for 30 days in 1,000 buckets, and from a reading's arrival (its frame posted
/// to the hub) to its push to every one of `clients` WebSocket clients subscribed to it.
package struct APIBenchmark {
    /// What was measured.
    package struct Report: Codable, Sendable {
        /// Chart requests timed.
        package var chartRequests: Int
        /// Median and 95th percentile of the chart request, milliseconds.
        package var chartP50Milliseconds: Double
        package var chartP95Milliseconds: Double
        /// The query engine's part of it (no HTTP, no JSON), median, milliseconds.
        package var chartEngineP50Milliseconds: Double
        /// Writing the chart's answer (APIJSON, 72 KB), median, milliseconds.
        package var chartJsonP50Milliseconds: Double
        /// The floor of any request through the same client and server: `GET /health`, median.
        package var healthP50Milliseconds: Double
        /// WebSocket clients connected.
        package var clients: Int
        /// Frames posted, each one reading of the subscribed series.
        package var frames: Int
        /// Pushes received (clients × frames when none was lost).
        package var pushesReceived: Int
        /// From the frame's POST leaving the client to the push arriving, milliseconds.
        package var pushP50Milliseconds: Double
        package var pushP99Milliseconds: Double
        package var pushMaxMilliseconds: Double
    }

    let folder: String
    let clients: Int
    let frames: Int
    let chartRequests: Int

    /// Creates the benchmark, storing into `folder`.
    package init(folder: String, clients: Int = 100, frames: Int = 200, chartRequests: Int = 300) {
        self.folder = folder
        self.clients = clients
        self.frames = frames
        self.chartRequests = chartRequests
    }

    /// Builds the store, serves it, and measures.
    package func run() async throws -> Report {
        let logger = Logger(label: "bench.api")
        let store = try SQLiteHubStore(path: folder + "/bench-api.db")
        let identity = try GatewayIdentity.generate(gatewayID: "gw-live")
        let signer = try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM)
        let now = systemWallClock()
        try await store.enrol(
            gateway: "gw-live", publicKey: try GatewayKeyVerifier.rawPublicKey(pem: identity.publicKeyPEM),
            latitude: nil, longitude: nil, at: now)
        try await Self.load30Days(into: store, now: now)
        let registry = GatewayRegistry()
        try await registry.reload(from: store)
        let feed = LiveFeed()
        let detection = try await DetectionEngine(
            configuration: DetectionConfiguration(), alerts: store, logger: logger, notifier: feed)
        let pipeline = IngestPipeline(
            store: store, verifier: registry, logger: logger, detection: detection, feed: feed)
        let accounts = Accounts(store: store)
        let token = try await accounts.addToken(name: "bench", role: .viewer, createdBy: Accounts.localCreator).secret
        // A token's owner holds at most LiveFeed.maxClientsPerOwner sockets: the WebSocket
        // clients use tokens of owners of their own, as that many dashboards would.
        var socketTokens: [String] = []
        for owner in 0..<max(1, (clients + LiveFeed.maxClientsPerOwner - 1) / LiveFeed.maxClientsPerOwner) {
            try await store.addUser("bench-\(owner)", role: .viewer, passwordHash: "-", at: now)
            await socketTokens.append(
                try accounts.addToken(name: "ws", role: .viewer, createdBy: "bench-\(owner)").secret)
        }
        let (router, _) = HubServer.router(
            HubServices(
                pipeline: pipeline, store: store, detectionEngine: detection, accounts: accounts, feed: feed))
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        var portIterator = ports.makeAsyncIterator()
        guard let port = await portIterator.next(), port > 0 else { throw BenchFailure("the hub did not start") }
        let base = "http://127.0.0.1:\(port)"
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }

        // The chart: 30 days in 1,000 buckets, as the series page asks, each request followed by
        // the same answer from the engine and APIJSON without HTTP, so that the ratio of the two
        // holds even when this shared machine changes speed during the run; then the floor of any
        // request through the same client and server.
        let query = "gateway=gw-live&name=history&from=now-30d&to=now&buckets=1000"
        let engine = QueryEngine(store: store)
        var chart: [Double] = []
        var engineTimes: [Double] = []
        var jsonTimes: [Double] = []
        for run in 0...chartRequests {
            let request = try await Self.ask(http, "\(base)/api/v1/series?\(query)", token: token) {
                $0.readableBytes > 1000
            }
            let start = ContinuousClock.now
            let to = systemWallClock()
            let range = (to - 30 * 86_400_000_000_000)...to
            let answer = try await engine.buckets(SeriesKey(gateway: "gw-live", name: "history"), range, count: 1000)
            let queried = ContinuousClock.now
            _ = try APIJSON.encode(
                API.SeriesBuckets(
                    gateway: "gw-live", series: "history", from: range.lowerBound, to: range.upperBound,
                    source: answer.source, width: answer.width,
                    buckets: answer.buckets.map(API.SeriesBuckets.Bucket.init)))
            guard run > 0 else { continue }  // the first warms caches
            chart.append(request)
            engineTimes.append(Timings.milliseconds(queried - start))
            jsonTimes.append(Timings.milliseconds(ContinuousClock.now - queried))
        }
        var health = try await Self.time(http, "\(base)/health", token: token, times: chartRequests) { _ in true }
        engineTimes.sort()
        jsonTimes.sort()
        health.sort()

        // The live push: every client subscribed to one series; one reading per frame.
        let log = PushLog()
        var sockets: [Task<Void, any Error>] = []
        for client in 0..<clients {
            let token = socketTokens[client / LiveFeed.maxClientsPerOwner]
            sockets.append(Task { try await Self.listen(port: port, token: token, log: log) })
        }
        defer { for socket in sockets { socket.cancel() } }
        let deadline = ContinuousClock.now + .seconds(60)
        while log.subscribed.load(ordering: .relaxed) < clients, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        var sent: [ContinuousClock.Instant] = []
        for index in 0..<frames {
            let time = systemWallClock()
            let frame = try BatchFrame(
                gatewayID: "gw-live", sequence: UInt64(index + 1), bootID: .zero, clockState: .synchronised,
                createdAt: time,
                createdMonotonic: 1, series: [SeriesDescriptor(id: 0, name: "flow")],
                chunks: [
                    FrameChunk(
                        seriesID: 0,
                        chunk: try Chunk(
                            encoding: SampleColumns([Sample(timestamp: time, value: Double(index))]), resolution: nil,
                            clockSynchronised: true))
                ]
            ).encoded(signer: signer)
            var request = HTTPClientRequest(url: "\(base)/api/v1/ingest")
            request.method = .POST
            request.body = .bytes(ByteBuffer(bytes: frame))
            sent.append(ContinuousClock.now)
            let response = try await http.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 16)
            guard response.status == .ok else { throw BenchFailure("ingest answered \(response.status)") }
        }
        let expected = clients * frames
        let waitEnd = ContinuousClock.now + .seconds(30)
        while log.arrivals.withLock({ $0.values.reduce(0) { $0 + $1.count } }) < expected, ContinuousClock.now < waitEnd
        {
            try await Task.sleep(for: .milliseconds(10))
        }
        var pushes: [Double] = []
        log.arrivals.withLock { arrivals in
            for (index, instants) in arrivals where index < sent.count {
                pushes += instants.map { Timings.milliseconds($0 - sent[index]) }
            }
        }
        chart.sort()
        pushes.sort()
        return Report(
            chartRequests: chart.count, chartP50Milliseconds: Timings.percentile(chart, 50),
            chartP95Milliseconds: Timings.percentile(chart, 95),
            chartEngineP50Milliseconds: Timings.percentile(engineTimes, 50),
            chartJsonP50Milliseconds: Timings.percentile(jsonTimes, 50),
            healthP50Milliseconds: Timings.percentile(health, 50),
            clients: clients, frames: frames, pushesReceived: pushes.count,
            pushP50Milliseconds: Timings.percentile(pushes, 50), pushP99Milliseconds: Timings.percentile(pushes, 99),
            pushMaxMilliseconds: pushes.last ?? .nan)
    }

    /// Asks `url` `times` times after one warm-up, through `http` with `token`: each request's
    /// milliseconds.
    private static func time(
        _ http: HTTPClient, _ url: String, token: String, times: Int, accepted: (ByteBuffer) -> Bool
    ) async throws -> [Double] {
        var durations: [Double] = []
        for run in 0...times {
            let duration = try await ask(http, url, token: token, accepted: accepted)
            if run > 0 { durations.append(duration) }  // the first warms caches
        }
        return durations
    }

    /// Asks `url` once: milliseconds from send to the answer's last byte. An answer that is not
    /// 200 with a body `accepted` takes stops the run.
    private static func ask(
        _ http: HTTPClient, _ url: String, token: String, accepted: (ByteBuffer) -> Bool
    ) async throws -> Double {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let start = ContinuousClock.now
        let response = try await http.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        guard response.status == .ok, accepted(body) else {
            throw BenchFailure("\(url) answered \(response.status)")
        }
        return Timings.milliseconds(ContinuousClock.now - start)
    }

    /// One WebSocket client: subscribes, then notes when each reading (its value is the frame's
    /// index) arrives.
    private static func listen(
        port: Int, token: String, log: PushLog
    ) async throws {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(port)/api/v1/live",
            configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers),
            logger: Logger(label: "bench.ws")
        ) { inbound, outbound, _ in
            try await outbound.write(.text(#"{"subscribe":[{"gateway":"gw-live","series":"flow"}]}"#))
            for try await message in inbound.messages(maxSize: 1 << 20) {
                let now = ContinuousClock.now
                guard case .text(let text) = message,
                    let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                else { continue }
                if object["type"] as? String == "subscribed" { log.subscribed.add(1, ordering: .relaxed) }
                guard object["type"] as? String == "readings", let samples = object["samples"] as? [[Any]] else {
                    continue
                }
                for sample in samples {
                    guard sample.count > 1, let value = sample[1] as? Double else { continue }
                    log.arrivals.withLock { $0[Int(value), default: []].append(now) }
                }
            }
        }
    }

    /// 30 days of one series at one reading a minute, in day-long frames.
    private static func load30Days(into store: SQLiteHubStore, now: Int64) async throws {
        let minute: Int64 = 60_000_000_000
        var frames: [ReceivedFrame] = []
        for day in 0..<30 {
            let samples = (0..<1440).map { step -> Sample in
                Sample(
                    timestamp: now - Int64(30 - day) * 1440 * minute + Int64(step) * minute,
                    value: 20 + 5 * sin(Double(day * 1440 + step) / 229))
            }
            let frame = BatchFrame(
                gatewayID: "gw-live", sequence: UInt64(1_000_000 + day), bootID: .zero, clockState: .synchronised,
                createdAt: now, createdMonotonic: 0,
                series: [SeriesDescriptor(id: 0, name: "history", resolution: Resolution(parsing: "0.01"))],
                chunks: [
                    FrameChunk(
                        seriesID: 0,
                        chunk: try Chunk(
                            encoding: SampleColumns(samples), resolution: Resolution(parsing: "0.01"),
                            clockSynchronised: true))
                ])
            frames.append(ReceivedFrame(frame: frame, hubTime: now))
        }
        _ = try await store.apply(frames)
    }
}

/// What the WebSocket clients saw: subscriptions confirmed, and when each reading arrived.
final class PushLog: Sendable {
    let arrivals = Mutex<[Int: [ContinuousClock.Instant]]>([:])
    let subscribed = Atomic<Int>(0)
}

/// A benchmark that could not run.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
