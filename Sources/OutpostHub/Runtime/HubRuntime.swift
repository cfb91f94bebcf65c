import Hummingbird
import HummingbirdWebSocket
import Logging
import OutpostSigning
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
    package init(configuration: HubConfiguration, logger: Logger) async throws {
        self.configuration = configuration
        self.logger = logger
        store = try await configuration.store.open(dataDirectory: configuration.dataDirectory, logger: logger)
        registry = GatewayRegistry()
        try await registry.reload(from: store)
        notifier = WebhookNotifier(urls: configuration.webhooks, logger: logger)
        feed = LiveFeed()
        states = GatewayStateWatch(store: store, feed: feed, logger: logger)
        detection = try await DetectionEngine(
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
        // Started in this order, stopped in reverse on SIGTERM: the HTTP server (last, added by
        // Hummingbird), then MQTT ingest, upkeep, the ingest pipeline (every frame taken in
        // committed and answered), detection (everything ingest handed it scored), webhooks
        // (every alert event it raised delivered or given up), and the store, closed last.
        var services: [any Service] = [
            StoreService(store: store), Webhooks(notifier: notifier),
            DetectionDrain(detection: detection, logger: logger), IngestDrain(pipeline: pipeline),
            Upkeep(runtime: self, logger: logger),
        ]
        let signer = try configuration.fleetKeyFile.map {
            try FleetSigner(privateKeyPEM: try String(contentsOfFile: $0, encoding: .utf8))
        }
        var configurations: FleetConfigurations?
        var diagnostics: DiagnosticsDesk?
        var releases: ReleaseDesk?
        if let broker = configuration.broker {
            let ingest = try MQTTIngest(
                settings: broker, pipeline: pipeline, store: store, live: live, detection: detection, states: states,
                liveFeed: feed, logger: logger)
            services.append(BrokerSession(ingest: ingest))
            if let signer {
                services.append(
                    WatchPublisher(feed: feed, live: live, signer: signer, logger: logger) {
                        ingest.publishRetained(topic: $0, payload: $1)
                    })
                let fleet = FleetConfigurations(store: store, signer: signer, logger: logger) {
                    ingest.publishRetained(topic: $0, payload: $1)
                }
                configurations = fleet
                let releaseDesk = ReleaseDesk(
                    store: store, signer: signer,
                    verifier: try configuration.releaseKeyFile.map {
                        try ReleaseVerifier(publicKeyPEM: try String(contentsOfFile: $0, encoding: .utf8))
                    }, logger: logger, backlog: { ingest.chunkBytesInFlight }
                ) { ingest.publish(topic: $0, payload: $1, retain: $2) }
                ingest.releaseRequests.withLock {
                    $0 = GatewayMessageHandler { await releaseDesk.serve(gateway: $0, $1) }
                }
                releases = releaseDesk
                services.append(
                    RolloutRunner(store: store, configurations: fleet, releases: releaseDesk, logger: logger))
                let desk = DiagnosticsDesk(store: store, registry: registry, signer: signer, logger: logger) {
                    ingest.publishRetained(topic: $0, payload: $1)
                }
                ingest.diagnoses.withLock { $0 = GatewayMessageHandler { await desk.receive(from: $0, $1) } }
                diagnostics = desk
                services.append(
                    ConfigurationRepublisher(
                        configurations: fleet, diagnostics: desk, releases: releaseDesk,
                        connected: { ingest.connected.load(ordering: .relaxed) }, logger: logger))
            } else {
                logger.notice(
                    "no [broker] fleet_key: gateways that send live values on demand will send none, and no configuration can be pushed",
                    metadata: ["broker": "\(broker.host):\(broker.port)"])
            }
        }
        let routeServices = HubServices(
            pipeline: pipeline, store: store, detectionEngine: detection, states: states, accounts: accounts,
            feed: feed,
            notifier: notifier, registry: registry,
            web: configuration.web, detection: configuration.detection,
            certificates: try configuration.caFile.map { try GatewayCertificates(caFile: $0) },
            maxFrameBytes: configuration.maxFrameBytes, maxJSONFrameBytes: configuration.maxJSONFrameBytes,
            admission: IngestAdmission(
                rate: configuration.httpIngestRate, burst: max(10, 4 * configuration.httpIngestRate),
                concurrency: configuration.httpIngestConcurrency),
            configurations: configurations, diagnostics: diagnostics, releases: releases)
        let (router, _) = HubServer.router(routeServices)
        let host = configuration.listenHost
        let port = configuration.listenPort
        let logger = logger
        let app = Application(
            router: router,
            server: HubServer.guardedServer(
                webSocketRouter: router,
                // Pings every half of live_idle: a client that stops answering is closed within
                // live_idle, and one that never says goodbye within 5 s more.
                webSocket: .init(
                    autoPing: .enabled(timePeriod: configuration.web.liveIdle / 2), closeTimeout: .seconds(5))
            ),
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
