import Hummingbird
import HummingbirdWebSocket
import Logging
import OutpostSystem
import OutpostWire
import ServiceLifecycle

/// The running hub: store, ingest (MQTT and HTTP), API, and the background upkeep, assembled from
/// a configuration and run until SIGTERM or SIGINT.
package struct HubRuntime: Sendable {
    /// The configuration.
    package let configuration: HubConfiguration
    /// The store.
    package let store: any HubStore
    /// The enrolled keys.
    package let registry: GatewayRegistry
    /// Ingest.
    package let pipeline: IngestPipeline
    /// Live values from the gateways.
    package let live: LiveValues
    /// Anomaly detection and alerts.
    package let detection: DetectionEngine
    /// Alert webhooks.
    package let notifier: WebhookNotifier
    /// The WebSocket clients.
    package let feed: LiveFeed
    /// Gateways' state changes, for the WebSocket clients.
    package let states: GatewayStateWatch
    /// Users, sessions and API tokens.
    package let accounts: Accounts
    let logger: Logger

    /// Opens the store and prepares ingest.
    package init(configuration: HubConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        store = try configuration.store.open(dataDirectory: configuration.dataDirectory, logger: logger)
        registry = GatewayRegistry()
        try registry.reload(from: store)
        notifier = WebhookNotifier(urls: configuration.webhooks, logger: logger)
        feed = LiveFeed()
        states = GatewayStateWatch(store: store, feed: feed, logger: logger)
        detection = try DetectionEngine(
            configuration: configuration.detection, alerts: store, history: store, logger: logger,
            notifier: AlertListeners([notifier, feed]), resolveAfter: configuration.resolveAfter)
        // A replica commits only the batches the broker hands it: its live view comes from the
        // live topic, which every replica gets; a hub alone sends every committed sample.
        let replica = configuration.broker?.isReplica ?? false
        pipeline = IngestPipeline(
            store: store, verifier: registry, limits: FrameLimits(maxFrameBytes: configuration.maxFrameBytes),
            logger: logger, detection: detection, feed: replica ? nil : feed, states: states)
        live = LiveValues()
        let web = configuration.web
        accounts = Accounts(
            store: store, bcryptCost: web.bcryptCost, sessionLifetime: web.sessionLifetime,
            throttle: LoginThrottle(limit: web.loginAttempts, window: web.loginWindow))
    }

    /// Serves until a termination signal; then stops taking frames, lets the current group
    /// commit finish and closes.
    package func run() async throws {
        let routeServices = HubServices(
            pipeline: pipeline, store: store, detectionEngine: detection, states: states, accounts: accounts,
            feed: feed,
            notifier: notifier, registry: registry,
            web: configuration.web, detection: configuration.detection,
            certificates: try configuration.caFile.map { try GatewayCertificates(caFile: $0) },
            maxFrameBytes: configuration.maxFrameBytes, maxJSONFrameBytes: configuration.maxJSONFrameBytes,
            admission: IngestAdmission(
                rate: configuration.httpIngestRate, burst: max(10, 4 * configuration.httpIngestRate),
                concurrency: configuration.httpIngestConcurrency))
        let (router, _) = HubServer.router(routeServices)
        // Stopped in reverse on SIGTERM: the HTTP server, then MQTT ingest (its frames in flight
        // committed), upkeep, detection (everything ingest handed it scored), webhooks (every
        // alert event it raised delivered or given up).
        var services: [any Service] = [
            Webhooks(notifier: notifier), DetectionDrain(detection: detection, logger: logger),
            Upkeep(runtime: self, logger: logger),
        ]
        if let broker = configuration.broker {
            services.append(
                BrokerSession(
                    ingest: try MQTTIngest(
                        settings: broker, pipeline: pipeline, store: store, live: live, detection: detection,
                        states: states,
                        liveFeed: broker.isReplica ? feed : nil, logger: logger)))
        }
        let host = configuration.listenHost
        let port = configuration.listenPort
        let logger = logger
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: router,
                // Pings every half of live_idle: a client that stops answering is closed within
                // live_idle, and one that never says goodbye within 5 s more.
                configuration: .init(
                    ws: .init(autoPing: .enabled(timePeriod: configuration.web.liveIdle / 2), closeTimeout: .seconds(5))
                )),
            configuration: .init(address: .hostname(host, port: port), serverName: "outpost-hub"),
            services: services,
            onServerRunning: { channel in
                logger.notice(
                    "outpost-hub listening",
                    metadata: ["url": "http://\(host):\(channel.localAddress?.port ?? port)"])
            }, logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}

/// The MQTT session as a service: stops on graceful shutdown.
struct BrokerSession: Service {
    let ingest: MQTTIngest

    func run() async throws {
        await withGracefulShutdownHandler {
            await ingest.run()
        } onGracefulShutdown: {
            ingest.stop()
        }
    }
}

/// Anomaly detection as a service: it scores on its own queue while the hub runs; on shutdown,
/// once ingest has stopped, it finishes scoring what ingest handed it, so that no reading taken
/// in goes unscored and no alert it should raise is lost.
struct DetectionDrain: Service {
    let detection: DetectionEngine
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await detection.settle()
        let counts = detection.counters
        logger.info(
            "detection drained",
            metadata: ["scored": "\(counts.scored)", "alerts_opened": "\(counts.opened.values.reduce(0, +))"])
    }
}

/// Webhook delivery as a service: on shutdown it stops taking events and ends.
struct Webhooks: Service {
    let notifier: WebhookNotifier

    func run() async throws {
        await withGracefulShutdownHandler {
            await notifier.run()
        } onGracefulShutdown: {
            notifier.finish()
        }
    }
}

/// Background upkeep: reloads enrolled keys (enrolment by the CLI takes effect within seconds),
/// and runs retention and compaction every maintenance interval.
struct Upkeep: Service {
    let runtime: HubRuntime
    let logger: Logger

    init(runtime: HubRuntime, logger: Logger) {
        self.runtime = runtime
        self.logger = logger
    }

    func run() async throws {
        var sinceMaintenance = Duration.zero
        let tick = Duration.seconds(5)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
            } catch {
                return
            }
            let now = systemWallClock()
            runtime.detection.checkGateways(at: now)
            runtime.states.tick(at: now)
            do {
                for gateway in try runtime.registry.reload(from: runtime.store) {
                    runtime.states.changed(gateway, at: now)
                }
            } catch {
                logger.error("could not reload enrolled gateways", metadata: ["error": "\(error)"])
            }
            sinceMaintenance += tick
            guard sinceMaintenance >= runtime.configuration.maintenanceInterval else { continue }
            sinceMaintenance = .zero
            maintain()
        }
    }

    private func maintain() {
        let configuration = runtime.configuration
        let now = systemWallClock()
        do {
            var report = try runtime.store.expire(policy: configuration.retention, now: now)
            try runtime.store.pruneRefusals(
                before: now.subtractingSaturating(RefusalRecord.keepFor), keeping: RefusalRecord.maxRows)
            let compaction = try runtime.store.compact(
                settledBefore: now &- configuration.compactAfter.nanoseconds, targetCount: configuration.compactTarget)
            report.chunksMerged = compaction.chunksMerged
            report.chunksWritten = compaction.chunksWritten
            logger.info(
                "upkeep done",
                metadata: [
                    "chunks_expired": "\(report.chunksExpired)", "buckets_expired": "\(report.bucketsExpired)",
                    "chunks_merged": "\(report.chunksMerged)", "chunks_written": "\(report.chunksWritten)",
                ])
        } catch {
            logger.error("upkeep failed", metadata: ["error": "\(error)"])
        }
    }
}
