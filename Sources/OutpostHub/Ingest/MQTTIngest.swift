import Foundation
import Logging
import OutpostMQTT
import OutpostSystem
import OutpostWire
import Synchronization

/// The hub's MQTT side: a persistent session (the broker queues batches while the hub is away)
/// subscribed QoS 1 to every gateway's batch, status and live topics. Batches go through the
/// ingest pipeline, several at once so group commit has something to group; each is acknowledged
/// on the gateway's ack topic only after its transaction is durable.
package final class MQTTIngest: Sendable {
    /// Where and how to connect.
    package struct Settings: Sendable {
        /// Broker host.
        package var host: String
        /// Broker port.
        package var port: Int
        /// The session's client id: the same across restarts, so the broker keeps the session.
        package var clientID: String
        /// TLS files, if the broker requires TLS.
        package var tls: MQTTClient.TLSFiles?
        /// With `$share/<group>/` prefixes: several hub replicas share the batches.
        package var sharedGroup: String?
        /// Frames applied concurrently (the most a group commit can gather from MQTT).
        package var concurrency: Int
        /// Whether this hub is one of several replicas sharing the batches.
        package var isReplica: Bool { sharedGroup != nil }

        /// Creates settings.
        package init(
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
    /// Where statuses are recorded.
    let store: any HubStore
    let live: LiveValues
    /// Told of every status (a gateway heard, its backlog); nil when the hub runs no detection.
    let detection: DetectionEngine?
    /// Told of every status, and of frames another replica stored (their acknowledgements).
    let states: GatewayStateWatch?
    /// Where live documents go (see `LiveFeed.liveDocument`).
    let liveFeed: LiveFeed?
    let logger: Logger
    let client: MQTTClient
    /// Where the blocking connect runs, off the concurrency pool.
    private let connectQueue = DispatchQueue(label: "outpost.ingest.connect")
    /// Whether the broker session is up, for the health endpoint.
    package let connected = Atomic<Bool>(false)
    /// Takes gateways' diagnostic answers (set once the diagnostics desk exists).
    package let diagnoses = Mutex<GatewayMessageHandler?>(nil)
    /// Release chunks published and not yet taken by the broker (PUBACK), by message id, and
    /// their bytes: what libmosquitto holds in memory for them.
    private let chunksInFlight = Mutex<(sizes: [Int32: Int], bytes: Int)>(([:], 0))
    /// Takes gateways' requests for release bytes (set once the release desk exists).
    package let releaseRequests = Mutex<GatewayMessageHandler?>(nil)

    /// Creates the MQTT side; nothing happens before `run()`.
    package init(
        settings: Settings, pipeline: IngestPipeline, store: any HubStore, live: LiveValues,
        detection: DetectionEngine? = nil,
        states: GatewayStateWatch? = nil, liveFeed: LiveFeed? = nil, logger: Logger
    ) throws {
        self.settings = settings
        self.pipeline = pipeline
        self.store = store
        self.detection = detection
        self.states = states
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
    package func stop() { client.shutdown() }

    /// Publishes `payload` retained at QoS 1 on `topic` (the hub's documents to a gateway);
    /// false when it could not (not connected): the caller tries again later.
    package func publishRetained(topic: String, payload: [UInt8]) -> Bool {
        publish(topic: topic, payload: payload, retain: true)
    }

    /// Bytes of release chunks the broker has not yet taken.
    package var chunkBytesInFlight: Int { chunksInFlight.withLock { $0.bytes } }

    /// Publishes `payload` at QoS 1 on `topic`; false when it could not (not connected). Release
    /// chunks (not retained) are counted until the broker takes them (`chunkBytesInFlight`).
    package func publish(topic: String, payload: [UInt8], retain: Bool) -> Bool {
        guard connected.load(ordering: .relaxed) else { return false }
        let message = MQTTClient.Message(topic: topic, payload: payload, qos: 1, retain: retain)
        do {
            if retain {
                try client.publish(message)
            } else {
                // Counted under the lock the `.published` handler takes: the broker's PUBACK can
                // come back before `publish` returns its id, and a chunk counted after it would
                // be counted for ever (a slow hub stopped sending releases once 32 MiB were).
                try chunksInFlight.withLock { inFlight throws(MQTTError) in
                    let id = try client.publish(message)
                    inFlight.sizes[id] = payload.count
                    inFlight.bytes += payload.count
                }
            }
            return true
        } catch {
            logger.warning("could not publish", metadata: ["topic": "\(topic)", "error": "\(error)"])
            return false
        }
    }

    /// Connects (retrying with backoff until the broker answers) and ingests until `stop()`.
    package func run() async {
        let settings = settings
        let logger = logger
        let reached = await client.connectRetrying(
            host: settings.host, port: settings.port, keepalive: 30,
            backoff: Backoff(initial: .milliseconds(200), maximum: .seconds(30)), on: connectQueue
        ) { error, _ in
            logger.warning(
                "broker unreachable; retrying",
                metadata: ["broker": "\(settings.host):\(settings.port)", "error": "\(error)"])
        }
        guard reached else { return }
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
                    // What was not taken is gone with the connection: the gateways ask again.
                    chunksInFlight.withLock { $0 = ([:], 0) }
                    if !expected { logger.warning("broker connection lost; reconnecting") }
                case .message(let topic, let payload):
                    if running >= settings.concurrency {
                        await group.next()
                        running -= 1
                    }
                    running += 1
                    group.addTask { await self.handle(topic: topic, payload: payload) }
                case .published(let id):
                    chunksInFlight.withLock { inFlight in
                        if let size = inFlight.sizes.removeValue(forKey: id) { inFlight.bytes -= size }
                    }
                }
            }
        }
    }

    private func subscribe() {
        let batches =
            settings.sharedGroup.map { "$share/\($0)/\(GatewayTopics.allBatches)" } ?? GatewayTopics.allBatches
        // A replica hears every acknowledgement, not only its own: each says a gateway's batch
        // arrived, so no replica takes a gateway whose batches went to the others for silent.
        let acks = settings.isReplica ? [GatewayTopics.allAcks] : []
        // One replica answers each request for release bytes.
        let releaseRequests =
            settings.sharedGroup.map { "$share/\($0)/\(GatewayTopics.allReleaseRequests)" }
            ?? GatewayTopics.allReleaseRequests
        for topic in [batches, GatewayTopics.allStatus, GatewayTopics.allLive, GatewayTopics.allDiagnoses]
            + acks + [releaseRequests]
        {
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
        if kind != .batch, !pipeline.knows(gateway: gateway) {
            if kind == .status || kind == .live {
                pipeline.refuse(
                    gateway: gateway, reason: .unknownGateway,
                    detail: "a \(kind.rawValue) message from a gateway that is not enrolled or was revoked")
            }
            return
        }
        switch kind {
        case .batch:
            let outcome = await pipeline.ingest(payload, topicGateway: gateway)
            guard case .acknowledged(let ack, let sender, _) = outcome else { return }
            do {
                try client.publish(.init(topic: GatewayTopics(gateway: sender).ack, payload: ack.encoded(), qos: 1))
            } catch {
                logger.warning(
                    "could not publish an acknowledgement", metadata: ["gateway": "\(sender)", "error": "\(error)"])
            }
        case .status:
            let report: GatewayStatusReport
            do {
                report = GatewayStatusReport(try StatusDocument(json: payload))
            } catch {
                pipeline.refuse(gateway: gateway, reason: .badStatus, detail: error.description)
                return
            }
            if let backlog = report.backlogReadings {
                detection?.observeBacklog(of: gateway, backlog, at: systemWallClock())
            }
            do {
                let now = systemWallClock()
                try await store.recordStatus(gateway: gateway, report: report, at: now)
                states?.changed(gateway, at: now)
            } catch {
                logger.error("could not record a status", metadata: ["gateway": "\(gateway)", "error": "\(error)"])
            }
        case .ack:
            guard let ack = Acknowledgement(json: payload) else { return }
            detection?.observeHeard(from: gateway, at: ack.hubTime)
            states?.frameStored(from: gateway, at: ack.hubTime)
        case .diagnosis:
            await diagnoses.withLock { $0 }?.take(gateway, payload)
        case .releaseGet:
            // Answered beside the ingest loop: an answer may wait for the broker to take earlier
            // chunks, which this loop's events say (`.published`).
            guard let serve = releaseRequests.withLock({ $0 }) else { return }
            Task { await serve.take(gateway, payload) }
        case .watch, .config, .diagnose, .release, .releaseChunk:
            break  // the hub's own (or another replica's) word to the gateway
        case .live:
            do {
                guard let document = try live.update(gateway: gateway, document: payload) else { return }
                liveFeed?.liveDocument(gateway: gateway, document)
            } catch {
                pipeline.refuse(gateway: gateway, reason: .badLive, detail: error.description)
            }
        }
    }
}

/// What takes one kind of gateway message (a diagnostic answer, a request for release bytes).
///
/// A struct around the closure, not the closure itself in a `Mutex`: a function value kept in
/// generic storage is re-wrapped in two reabstraction thunks at every `withLock` access (the
/// inout writes it back), so each message made the next call one level deeper. After 2,400
/// release requests a call went through about 3,000 nested thunks, each an async frame: 650 kB
/// of task memory per request, 1.5 GB at the peak of a release to 1,000 gateways.
package struct GatewayMessageHandler: Sendable {
    /// Takes `payload` from `gateway`.
    package let take: @Sendable (_ gateway: String, _ payload: [UInt8]) async -> Void

    /// Wraps `take`.
    package init(_ take: @escaping @Sendable (_ gateway: String, _ payload: [UInt8]) async -> Void) {
        self.take = take
    }
}

extension GatewayStatusReport {
    /// What the hub keeps of an agent's status document. The last will holds only the state:
    /// what it lacks stays unknown rather than zero.
    package init(_ document: StatusDocument) {
        let full = !(document.gateway.isEmpty && document.version.isEmpty && document.time == 0)
        self.init(
            online: !document.isOffline, agentVersion: full ? document.version : nil,
            backlogReadings: full ? Int64(document.backlogReadings) : nil, clockState: full ? document.clock : nil,
            budget: full ? document.budget : nil, configuration: full ? document.configuration : nil,
            release: full ? document.release : nil)
    }
}
