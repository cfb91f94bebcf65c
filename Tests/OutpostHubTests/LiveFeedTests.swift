import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import OutpostHub
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Synchronization
import Testing

/// A WebSocket client of `/api/v1/live` that keeps every text message it receives.
final class LiveClient: Sendable {
    /// The messages received so far.
    final class Log: Sendable {
        let lines = Mutex<[String]>([])
    }

    let log = Log()
    private let task: Task<Void, any Error>

    init(port: Int, token: String?, subscribe: String, cookie: String? = nil, more: [String] = []) {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let cookie { headers[.cookie] = "outpost_session=\(cookie)" }
        let log = self.log
        // A client with a token connects again if the connection fails before anything came
        // (a loaded CI machine once lost the first attempt); one without is meant to be refused.
        let attempts = token == nil && cookie == nil ? 1 : 10
        task = Task {
            for attempt in 1...attempts {
                do {
                    try await WebSocketClient.connect(
                        url: "ws://127.0.0.1:\(port)/api/v1/live",
                        configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 20, additionalHeaders: headers),
                        logger: Logger(label: "live-client")
                    ) { inbound, outbound, _ in
                        try await outbound.write(.text(subscribe))
                        for message in more { try await outbound.write(.text(message)) }
                        for try await message in inbound.messages(maxSize: 1 << 22) {
                            if case .text(let text) = message { log.lines.withLock { $0.append(text) } }
                        }
                    }
                    return
                } catch {
                    let received = log.lines.withLock { $0.contains { !$0.hasPrefix("connection error: ") } }
                    log.lines.withLock { $0.append("connection error: \(error)") }
                    guard attempt < attempts, !received, !Task.isCancelled else { throw error }
                    try await Task.sleep(for: .milliseconds(200))  // pause before the next attempt
                }
            }
        }
    }

    /// How the connection ended, once it has.
    var ended: Result<Void, any Error> { get async { await task.result } }

    /// Every message so far, one a line (for failure messages).
    var transcript: String { log.lines.withLock { $0.joined(separator: "\n") } }

    func has(_ fragment: String) -> Bool { log.lines.withLock { $0.contains { $0.contains(fragment) } } }

    func close() { task.cancel() }
}

@Suite("Live feed over the WebSocket")
struct LiveFeedTests {
    @Test(
        "A subscribed client gets the committed samples of its series, gateway state changes and alert events; others' series are not sent"
    )
    func pushes() async throws {
        let hub = try HubProcess(brokerPort: nil)
        let identity = try GatewayIdentity.generate(gatewayID: "gw-live")
        try hub.enrol("gw-live", publicKey: identity.publicKeyPEM)
        let viewer = try hub.makeToken(role: "viewer")
        try hub.start(withBroker: false)
        let client = LiveClient(
            port: hub.httpPort, token: viewer, subscribe: #"{"subscribe":[{"gateway":"gw-live","series":"flow"}]}"#)
        defer { client.close() }
        // The first answer waits for a free cooperative thread, which the system suites' process
        // waits can hold for a while on 2 cores: a generous deadline, still a condition.
        #expect(
            await eventually(timeout: .seconds(90)) { client.has("\"type\":\"subscribed\"") },
            "received: \(client.log.lines.withLock { $0 })")
        #expect(client.has("\"type\":\"hello\"") && client.has("tests-viewer"))

        let signer = try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM)
        let now = systemWallClock()
        let frame = BatchFrame(
            gatewayID: "gw-live", sequence: 1, bootID: .zero, clockState: .synchronised, createdAt: now,
            createdMonotonic: 1,
            series: [SeriesDescriptor(id: 0, name: "flow", unit: "l/s"), SeriesDescriptor(id: 1, name: "hidden")],
            chunks: [
                FrameChunk(
                    seriesID: 0,
                    chunk: try Chunk(
                        encoding: SampleColumns([Sample(timestamp: now, value: 12.25)]), resolution: nil,
                        clockSynchronised: true)),
                FrameChunk(
                    seriesID: 1,
                    chunk: try Chunk(
                        encoding: SampleColumns([Sample(timestamp: now, value: 99)]), resolution: nil,
                        clockSynchronised: true)),
            ])
        _ = try hub.http("/api/v1/ingest", post: hub.folder.write(try frame.encoded(signer: signer), to: "live.frame"))
        #expect(await eventually(timeout: .seconds(20)) { client.has("\"series\":\"flow\"") && client.has("12.25") })
        #expect(!client.has("\"series\":\"hidden\""), "a series nobody subscribed to is not sent")
        // A state change (here: revoked through the API) is pushed as it happens.
        #expect(try hub.call("POST", "/api/v1/gateways/gw-live/revoke", bearer: hub.token).status == 200)
        #expect(
            await eventually(timeout: .seconds(20)) {
                client.has("\"state\":\"revoked\"") && client.has("\"id\":\"gw-live\"")
            })

        let alert = try await hub.store().openAlert(
            series: SeriesKey(gateway: "gw-live", name: "flow"), kind: .stuck, score: 1, at: now
        ).id
        _ = try hub.call("POST", "/api/v1/alerts/\(alert)/acknowledge", bearer: hub.token, json: #"{"note":"on it"}"#)
        #expect(
            await eventually(timeout: .seconds(20)) {
                client.has("\"event\":\"alert.acknowledged\"") && client.has("on it")
            })
        let metrics = try hub.call("GET", "/metrics", bearer: hub.token).body
        #expect(metrics.contains("outpost_hub_websocket_clients 1"), "\(metrics.prefix(500))")
    }

    @Test("Without a session or token the WebSocket upgrade is refused")
    func anonymousRefused() async throws {
        let hub = try HubProcess(brokerPort: nil)
        try hub.start(withBroker: false)
        let client = LiveClient(port: hub.httpPort, token: nil, subscribe: "{}")
        let ended = await client.ended
        #expect(throws: (any Error).self) { try ended.get() }
        #expect(!client.has("hello"))
    }

    @Test("The feed sends each client only what it subscribed to, and drops the oldest for a client that does not read")
    func feedFiltersAndBounds() async throws {
        let feed = LiveFeed(queueLimit: 3)
        let reader = try #require(feed.connect())
        let idle = try #require(feed.connect())
        feed.subscribe(reader.id, to: [SeriesKey(gateway: "gw", name: "a")])
        feed.subscribe(idle.id, to: [SeriesKey(gateway: "gw", name: "")])
        let series = [SeriesDescriptor(id: 0, name: "a"), SeriesDescriptor(id: 1, name: "b")]
        for time in Int64(1)...5 {
            let chunks = try [0, 1].map { id in
                FrameChunk(
                    seriesID: UInt32(id),
                    chunk: try Chunk(
                        encoding: SampleColumns([Sample(timestamp: time, value: Double(id))]), resolution: nil,
                        clockSynchronised: true))
            }
            feed.committed(gateway: "gw", try IngestPlan(series: series, chunks: chunks, clock: nil))
        }
        feed.disconnect(reader.id)
        feed.disconnect(idle.id)
        var readerMessages: [String] = []
        for await message in reader.messages { readerMessages.append(message) }
        var idleMessages: [String] = []
        for await message in idle.messages { idleMessages.append(message) }
        #expect(readerMessages.count == 3 && readerMessages.allSatisfy { $0.contains("\"series\":\"a\"") })
        #expect(idleMessages.count == 3, "the gateway-wide subscriber kept only the newest 3 of 10")
        #expect(feed.dropped == 9 && feed.clientCount == 0)
    }

    @Test("One owner holds at most 64 live connections; a closed one makes room")
    func connectionsPerOwner() throws {
        let feed = LiveFeed()
        let held = (0..<LiveFeed.maxClientsPerOwner).compactMap { _ in feed.connect(owner: "kiosk") }
        #expect(held.count == LiveFeed.maxClientsPerOwner)
        #expect(feed.connect(owner: "kiosk") == nil)
        #expect(feed.connect(owner: "someone else") != nil)
        feed.disconnect(held[0].id)
        #expect(feed.connect(owner: "kiosk") != nil)
    }

    @Test("Several chunks of one series in a frame go out as one message, in time order")
    func chunksJoined() async throws {
        let feed = LiveFeed()
        let client = try #require(feed.connect())
        feed.subscribe(client.id, to: [SeriesKey(gateway: "gw", name: "flow")])
        let chunks = try [Int64(20), 10].map { time in
            FrameChunk(
                seriesID: 0,
                chunk: try Chunk(
                    encoding: SampleColumns([Sample(timestamp: time, value: Double(time))]), resolution: nil,
                    clockSynchronised: true))
        }
        feed.committed(
            gateway: "gw", try IngestPlan(series: [SeriesDescriptor(id: 0, name: "flow")], chunks: chunks, clock: nil))
        feed.disconnect(client.id)
        var messages: [String] = []
        for await message in client.messages { messages.append(message) }
        #expect(messages.count == 1)
        #expect(messages.first?.contains(#""samples":[[10,10,"good"],[20,20,"good"]]"#) == true, "\(messages)")
    }
}
