import Hummingbird
import HummingbirdWebSocket
import OutpostWire

/// What the routes need: ingest, queries, accounts, the live feed and the metrics.
package struct HubServices: Sendable {
    /// Ingest: frames posted over HTTP, and its counts.
    package let pipeline: IngestPipeline
    /// The store the routes read and change.
    package let store: any HubStore
    /// Anomaly detection, for its counts; nil when the hub runs none.
    package let detectionEngine: DetectionEngine?
    /// Told of enrolments and revocations through the API.
    package let states: GatewayStateWatch?
    /// Users, sessions, tokens.
    package let accounts: Accounts
    /// WebSocket clients.
    package let feed: LiveFeed
    /// Prometheus registry.
    package let metrics: HubMetrics
    /// Alert events' listeners (webhooks, live feed).
    package let alertListeners: any AlertListener
    /// Webhook delivery, for its counters.
    package let notifier: WebhookNotifier?
    /// Enrolled keys, reloaded after an enrolment through the API.
    package let registry: GatewayRegistry?
    /// Pages, libraries, cookies.
    package let web: WebConfiguration
    /// The detectors' settings, for the scores a chart shows.
    package let detection: DetectionConfiguration
    /// The fleet CA, when gateways enrol with certificates.
    package let certificates: GatewayCertificates?
    /// Largest frame accepted.
    package let maxFrameBytes: Int
    /// Largest JSON rendering of a frame accepted over HTTP (parsing JSON costs far more per
    /// byte than the binary form).
    package let maxJSONFrameBytes: Int
    /// Who may post a frame now.
    package let admission: IngestAdmission
    /// Gateways' remote configurations; nil on a hub that cannot sign them (no fleet key).
    package let configurations: FleetConfigurations?
    /// Remote diagnostics; nil on a hub that cannot sign requests (no fleet key).
    package let diagnostics: DiagnosticsDesk?
    /// Agent releases; nil on a hub that cannot sign offers (no fleet key).
    package let releases: ReleaseDesk?
    let clock: WallClock

    /// The query engine.
    package var engine: QueryEngine { QueryEngine(store: store) }

    /// Gathers the services.
    package init(
        pipeline: IngestPipeline, store: any HubStore, detectionEngine: DetectionEngine? = nil,
        states: GatewayStateWatch? = nil, accounts: Accounts,
        feed: LiveFeed, metrics: HubMetrics = HubMetrics(),
        notifier: WebhookNotifier? = nil, registry: GatewayRegistry? = nil, web: WebConfiguration = WebConfiguration(),
        detection: DetectionConfiguration = DetectionConfiguration(), certificates: GatewayCertificates? = nil,
        maxFrameBytes: Int = 16 << 20, maxJSONFrameBytes: Int = 4 << 20, admission: IngestAdmission = IngestAdmission(),
        configurations: FleetConfigurations? = nil, diagnostics: DiagnosticsDesk? = nil, releases: ReleaseDesk? = nil,
        clock: @escaping WallClock = systemWallClock
    ) {
        self.configurations = configurations
        self.diagnostics = diagnostics
        self.releases = releases
        self.pipeline = pipeline
        self.store = store
        self.detectionEngine = detectionEngine
        self.states = states
        self.accounts = accounts
        self.feed = feed
        self.metrics = metrics
        self.notifier = notifier
        var listeners: [any AlertListener] = [feed]
        if let notifier { listeners.append(notifier) }
        alertListeners = AlertListeners(listeners)
        self.registry = registry
        self.web = web
        self.detection = detection
        self.certificates = certificates
        self.maxFrameBytes = maxFrameBytes
        self.maxJSONFrameBytes = maxJSONFrameBytes
        self.admission = admission
        self.clock = clock
    }
}

/// The HTTP side of the hub: every route, each with its access rule, behind the authenticator.
package enum HubServer {
    /// The router, and the routes it holds (for the OpenAPI check).
    package static func router(_ services: HubServices) -> (Router<HubRequestContext>, [RouteRecord]) {
        let router = Router(context: HubRequestContext.self)
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(APIErrorMiddleware())
        router.middlewares.add(Authenticator(accounts: services.accounts))
        let routes = HubRoutes(router: router, metrics: services.metrics)
        OperationsRoutes(services: services).register(on: routes)
        AccountRoutes(services: services).register(on: routes)
        FleetRoutes(services: services).register(on: routes)
        ConfigurationRoutes(services: services).register(on: routes)
        AuditRoutes(services: services).register(on: routes)
        RolloutRoutes(services: services).register(on: routes)
        ReleaseRoutes(services: services).register(on: routes)
        DiagnosticsRoutes(services: services).register(on: routes)
        SeriesRoutes(services: services).register(on: routes)
        AlertRoutes(services: services).register(on: routes)
        PrometheusRoutes(services: services).register(on: routes)
        LiveRoutes(services: services).register(on: routes)
        PageRoutes(services: services).register(on: routes)
        return (router, routes.records)
    }
}
