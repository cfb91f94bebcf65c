import Hummingbird
import HummingbirdWebSocket
import OutpostWire

/// What the routes need: ingest, queries, accounts, the live feed and the metrics.
public struct HubServices: Sendable {
    /// Ingest (and through it the store).
    public let pipeline: IngestPipeline
    /// Users, sessions, tokens.
    public let accounts: Accounts
    /// WebSocket clients.
    public let feed: LiveFeed
    /// Prometheus registry.
    public let metrics: HubMetrics
    /// Alert events' listeners (webhooks, live feed).
    public let alertListeners: any AlertListener
    /// Webhook delivery, for its counters.
    public let notifier: WebhookNotifier?
    /// Enrolled keys, reloaded after an enrolment through the API.
    public let registry: GatewayRegistry?
    /// Pages, libraries, cookies.
    public let web: WebConfiguration
    /// The detectors' settings, for the scores a chart shows.
    public let detection: DetectionConfiguration
    /// The fleet CA, when gateways enrol with certificates.
    public let certificates: GatewayCertificates?
    /// Largest frame accepted.
    public let maxFrameBytes: Int
    /// Largest JSON rendering of a frame accepted over HTTP (parsing JSON costs far more per
    /// byte than the binary form).
    public let maxJSONFrameBytes: Int
    /// Who may post a frame now.
    public let admission: IngestAdmission
    let clock: WallClock

    /// The store.
    public var store: any HubStore { pipeline.store }
    /// The query engine.
    public var engine: QueryEngine { QueryEngine(store: pipeline.store) }

    /// Gathers the services.
    public init(
        pipeline: IngestPipeline, accounts: Accounts, feed: LiveFeed, metrics: HubMetrics = HubMetrics(),
        notifier: WebhookNotifier? = nil, registry: GatewayRegistry? = nil, web: WebConfiguration = WebConfiguration(),
        detection: DetectionConfiguration = DetectionConfiguration(), certificates: GatewayCertificates? = nil,
        maxFrameBytes: Int = 16 << 20, maxJSONFrameBytes: Int = 4 << 20, admission: IngestAdmission = IngestAdmission(),
        clock: @escaping WallClock = systemWallClock
    ) {
        self.pipeline = pipeline
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
public enum HubServer {
    /// The router, and the routes it holds (for the OpenAPI check).
    public static func router(_ services: HubServices) -> (Router<HubRequestContext>, [RouteRecord]) {
        let router = Router(context: HubRequestContext.self)
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(APIErrorMiddleware())
        router.middlewares.add(Authenticator(accounts: services.accounts))
        let routes = HubRoutes(router: router, metrics: services.metrics)
        OperationsRoutes(services: services).register(on: routes)
        AccountRoutes(services: services).register(on: routes)
        FleetRoutes(services: services).register(on: routes)
        SeriesRoutes(services: services).register(on: routes)
        AlertRoutes(services: services).register(on: routes)
        LiveRoutes(services: services).register(on: routes)
        PageRoutes(services: services).register(on: routes)
        return (router, routes.records)
    }
}
