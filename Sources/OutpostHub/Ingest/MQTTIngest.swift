import Foundation
import Logging
import OutpostCLI
import OutpostMQTT
import OutpostWire
import Synchronization

/// The hub's MQTT side: a persistent session (the broker queues batches while the hub is away)
/// subscribed QoS 1 to every gateway's batch, status and live topics. Batches go through the
/// ingest pipeline, several at once so group commit has something to group; each is acknowledged
/// on the gateway's ack topic only after its transaction is durable.
public final class MQTTIngest: Sendable {
    /// Where and how to connect.
    public struct Settings: Sendable {
        /// Broker host.
        public var host: String
        /// Broker port.
        public var port: Int
        /// The session's client id: the same across restarts, so the broker keeps the session.
        public var clientID: String
        /// TLS files, if the broker requires TLS.
        public var tls: MQTTClient.TLSFiles?
        /// With `$share/<group>/` prefixes: several hub replicas share the batches.
        public var sharedGroup: String?
        /// Frames applied concurrently (the most a group commit can gather from MQTT).
        public var concurrency: Int
        /// Whether this hub is one of several replicas sharing the batches.
        public var isReplica: Bool { sharedGroup != nil }

        /// Creates settings.
        public init(
            host: String, port: Int, clientID: String = "outpost-hub", tls: MQTTClient.TLSFiles? = nil,
            sharedGroup: String? = nil, concurrency: Int = 256
        ) {
            self.host = host
            self.port = port
            self.clientID = clientID
            self.tls = tls
            self.sharedGroup = sharedGroup
            self.concurrency = concurrency
        }
    }

    let settings: Settings
    let pipeline: IngestPipeline
    let live: LiveValues
    /// Where live documents go, for replicas (see `LiveFeed.liveDocument`); nil alone, where the
    /// feed carries every committed sample instead.
    let liveFeed: LiveFeed?
    let logger: Logger
    let client: MQTTClient
    /// Whether the broker session is up, for the health endpoint.
    public let connected = Atomic<Bool>(false)

    /// Creates the MQTT side; nothing happens before `run()`.
    public init(
        settings: Settings, pipeline: IngestPipeline, live: LiveValues, liveFeed: LiveFeed? = nil, logger: Logger
    ) throws {
        self.settings = settings
        self.pipeline = pipeline
        self.live = live
        self.liveFeed = liveFeed
        self.logger = logger
        client = try MQTTClient(
            .init(
                host: settings.host, port: settings.port, clientID: settings.clientID, keepalive: 30,
                // One client, the fleet's only reader: back within 5 s of a restarted broker,
                // where agents spread their reconnects over a minute.
                tls: settings.tls, cleanSession: false, maxInflight: 1000, reconnectMaximum: 5))
    }

    /// Stops: `run()` returns.
    public func stop() { client.shutdown() }

    /// Connects (retrying with backoff until the broker answers) and ingests until `stop()`.
    public func run() async {
        var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(30))
        while true {
            do {
                try client.connect(host: settings.host, port: settings.port, keepalive: 30)
                break
            } catch {
                if client.isShutDown { return }
                logger.warning(
                    "broker unreachable; retrying",
                    metadata: ["broker": "\(settings.host):\(settings.port)", "error": "\(error)"])
                backoff.recordFailure(at: .now, random: Double.random(in: 0..<1))
                guard let next = backoff.nextAttempt else { continue }
                do { try await Task.sleep(until: next) } catch { return }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await event in client.events {
                switch event {
                case .connected:
                    connected.store(true, ordering: .relaxed)
                    subscribe()
                case .refused(let code):
                    logger.error("broker refused the hub", metadata: ["code": "\(code)"])
                case .disconnected(let expected):
                    connected.store(false, ordering: .relaxed)
                    if !expected { logger.warning("broker connection lost; reconnecting") }
                case .message(let topic, let payload):
                    if running >= settings.concurrency {
                        await group.next()
                        running -= 1
                    }
                    running += 1
                    group.addTask { await self.handle(topic: topic, payload: payload) }
                case .published:
                    break
                }
            }
        }
    }

    private func subscribe() {
        let batches = settings.sharedGroup.map { "$share/\($0)/\(GatewayTopics.allBatches)" } ?? GatewayTopics.allBatches
        // A replica hears every acknowledgement, not only its own: each says a gateway's batch
        // arrived, so no replica takes a gateway whose batches went to the others for silent.
        let acks = settings.isReplica ? [GatewayTopics.allAcks] : []
        for topic in [batches, GatewayTopics.allStatus, GatewayTopics.allLive] + acks {
            do {
                try client.subscribe(topic, qos: 1)
            } catch {
                logger.error("could not subscribe", metadata: ["topic": "\(topic)", "error": "\(error)"])
            }
        }
        logger.info("subscribed to gateway topics", metadata: ["batch_topic": "\(batches)"])
    }

    private func handle(topic: String, payload: [UInt8]) async {
        guard let (gateway, kind) = GatewayTopics.parse(topic) else { return }
        // A batch proves its sender by its signature; the other topics only by the broker's ACL,
        // which a certificate not yet on the broker's revocation list still passes.
        if kind != "batch", !pipeline.knows(gateway: gateway) {
            if kind == "status" || kind == "live" {
                pipeline.refuse(
                    gateway: gateway, reason: "unknown_gateway",
                    detail: "a \(kind) message from a gateway that is not enrolled or was revoked")
            }
            return
        }
        switch kind {
        case "batch":
            let outcome = await pipeline.ingest(payload, topicGateway: gateway)
            guard case .acknowledged(let ack, let sender, _) = outcome else { return }
            do {
                try client.publish(.init(topic: GatewayTopics(gateway: sender).ack, payload: ack.encoded(), qos: 1))
            } catch {
                logger.warning("could not publish an acknowledgement", metadata: ["gateway": "\(sender)", "error": "\(error)"])
            }
        case "status":
            guard payload.count <= GatewayStatusReport.maxBytes else {
                pipeline.refuse(
                    gateway: gateway, reason: "bad_status",
                    detail: "a status document of \(payload.count) bytes, above \(GatewayStatusReport.maxBytes)")
                return
            }
            guard let report = GatewayStatusReport(json: payload) else {
                pipeline.refuse(gateway: gateway, reason: "bad_status", detail: "a status that is not the agent's JSON document")
                return
            }
            if let backlog = report.backlogReadings {
                pipeline.detection?.observeBacklog(of: gateway, backlog, at: systemWallClock())
            }
            do {
                try pipeline.store.recordStatus(gateway: gateway, report: report, at: systemWallClock())
            } catch {
                logger.error("could not record a status", metadata: ["gateway": "\(gateway)", "error": "\(error)"])
            }
        case "ack":
            guard let ack = Acknowledgement(json: payload) else { return }
            pipeline.detection?.observeHeard(from: gateway, at: ack.hubTime)
        case "live":
            if let problem = live.update(gateway: gateway, document: payload) {
                pipeline.refuse(gateway: gateway, reason: "bad_live", detail: problem)
            } else {
                liveFeed?.liveDocument(gateway: gateway, payload)
            }
        default:
            break
        }
    }
}

extension GatewayStatusReport {
    /// The largest status document read: the agent's is a few hundred bytes.
    public static let maxBytes = 16 * 1024

    /// Reads the agent's retained status document (`state`, `version`, `backlog_readings`, `clock`).
    public init?(json: [UInt8]) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
            let state = object["state"] as? String
        else { return nil }
        self.init(
            online: state != "offline", agentVersion: object["version"] as? String,
            backlogReadings: (object["backlog_readings"] as? NSNumber)?.int64Value, clockState: object["clock"] as? String)
    }
}

/// The latest live document of each gateway (QoS 0, never the system of record), for the
/// dashboard's live view.
public final class LiveValues: Sendable {
    private let documents = Mutex<[String: [UInt8]]>([:])

    /// Creates an empty board.
    public init() {}

    /// The largest live document kept: a gateway with a thousand series sends about 40 kB.
    public static let maxDocumentBytes = 256 * 1024

    /// Keeps `document` as `gateway`'s latest, when it is a JSON object of at most
    /// `maxDocumentBytes` (dashboards parse it as such); otherwise says why it was refused.
    @discardableResult
    public func update(gateway: String, document: [UInt8]) -> String? {
        guard document.count <= Self.maxDocumentBytes else {
            return "a live document of \(document.count) bytes, above \(Self.maxDocumentBytes)"
        }
        guard (try? JSONSerialization.jsonObject(with: Data(document))) is [String: Any] else {
            return "a live document that is not a JSON object"
        }
        documents.withLock { $0[gateway] = document }
        return nil
    }

    /// The latest document of `gateway`.
    public func document(of gateway: String) -> [UInt8]? { documents.withLock { $0[gateway] } }
}
