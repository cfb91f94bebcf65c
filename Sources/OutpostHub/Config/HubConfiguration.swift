import OutpostConfig
import OutpostMQTT

/// `/etc/outpost/hub.toml`: where the hub listens, keeps its data and finds the broker, and how
/// long it keeps each level of data.
public struct HubConfiguration: Sendable {
    /// `host:port` the HTTP API and dashboard listen on.
    public var listenHost: String
    /// The HTTP port.
    public var listenPort: Int
    /// The data directory (the store lives in `hub.db` there).
    public var dataDirectory: String
    /// The store: SQLite in the data directory (default), or PostgreSQL (several replicas).
    public var store: StoreChoice
    /// The broker, or nil for a hub that takes frames over HTTP only.
    public var broker: MQTTIngest.Settings?
    /// The broker's certificate revocation list (`[broker] crl`), when the hub can read it:
    /// `outpost-hub check` warns before it expires.
    public var brokerRevocationList: String?
    /// What is kept how long.
    public var retention: RetentionPolicy
    /// How often retention and compaction run.
    public var maintenanceInterval: Duration
    /// Chunks ending longer ago than this are merged by compaction.
    public var compactAfter: Duration
    /// Samples per chunk compaction aims for.
    public var compactTarget: Int
    /// The fleet CA's certificate (PEM): gateways may enrol with a certificate it issued.
    public var caFile: String?
    /// Largest frame accepted (bytes).
    public var maxFrameBytes: Int
    /// Largest JSON rendering of a frame accepted over HTTP (bytes; default 4 MiB).
    public var maxJSONFrameBytes: Int
    /// Frames a second one client address may post over HTTP (bursts of four times as many).
    public var httpIngestRate: Double
    /// The most HTTP frames read and checked at once.
    public var httpIngestConcurrency: Int
    /// The anomaly detectors' settings.
    public var detection: DetectionConfiguration
    /// Where alert events are POSTed (JSON).
    public var webhooks: [String]
    /// How long a series must be normal before its alert resolves.
    public var resolveAfter: Duration
    /// The dashboard and accounts.
    public var web: WebConfiguration

    /// The store file.
    public var databasePath: String { dataDirectory + "/" + Self.databaseFile }
    /// The SQLite store's file name in the data directory.
    public static let databaseFile = "hub.db"

    /// Parses the TOML text of `file`.
    public init(toml text: String, file: String) throws(ConfigError) {
        let top = try TOMLDocument(text: text, file: file).top
        try top.rejectUnknownKeys(["hub", "broker", "retention", "maintenance", "detection", "alerts", "web", "postgres"])
        guard let hub = try top.section("hub") else { throw top.error("hub", "missing [hub] table") }
        try hub.rejectUnknownKeys([
            "listen", "data_dir", "max_frame_bytes", "max_json_frame_bytes", "http_ingest_rate", "http_ingest_concurrency",
            "ca", "store",
        ])
        store = try StoreChoice(hub, postgres: try top.section("postgres"))
        caFile = try hub.string("ca")
        let listen = try hub.string("listen") ?? "127.0.0.1:8080"
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65_535).contains(port)
        else { throw hub.error("listen", "'\(listen)' is not host:port; use e.g. \"0.0.0.0:8080\"") }
        listenHost = String(listen[..<colon])
        listenPort = port
        dataDirectory = try hub.string("data_dir") ?? "/var/lib/outpost-hub"
        guard dataDirectory.hasPrefix("/") else { throw hub.error("data_dir", "must be an absolute path") }
        let frameBytes = try hub.byteSize("max_frame_bytes") ?? 16 << 20
        guard (1024...(256 << 20)).contains(frameBytes) else {
            throw hub.error("max_frame_bytes", "\(frameBytes) is outside 1 KiB-256 MiB")
        }
        maxFrameBytes = Int(frameBytes)
        let jsonBytes = try hub.byteSize("max_json_frame_bytes") ?? 4 << 20
        guard (1024...(256 << 20)).contains(jsonBytes) else {
            throw hub.error("max_json_frame_bytes", "\(jsonBytes) is outside 1 KiB-256 MiB")
        }
        maxJSONFrameBytes = Int(jsonBytes)
        let rate = try hub.int("http_ingest_rate") ?? 50
        guard (1...100_000).contains(rate) else { throw hub.error("http_ingest_rate", "\(rate) is outside 1-100000 frames a second") }
        httpIngestRate = Double(rate)
        httpIngestConcurrency = try hub.int("http_ingest_concurrency") ?? 8
        guard (1...1024).contains(httpIngestConcurrency) else {
            throw hub.error("http_ingest_concurrency", "\(httpIngestConcurrency) is outside 1-1024")
        }
        broker = try Self.broker(try top.section("broker"))
        brokerRevocationList = try top.section("broker")?.string("crl")
        retention = try Self.retention(try top.section("retention"))
        web = try WebConfiguration(try top.section("web"))
        detection = try DetectionConfiguration(try top.section("detection"))
        webhooks = []
        resolveAfter = .seconds(900)
        if let alerts = try top.section("alerts") {
            try alerts.rejectUnknownKeys(["webhooks", "resolve_after"])
            webhooks = try alerts.strings("webhooks") ?? []
            for url in webhooks where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                throw alerts.error("webhooks", "'\(url)' is not an http:// or https:// URL")
            }
            resolveAfter = try alerts.duration("resolve_after") ?? resolveAfter
        }
        maintenanceInterval = .seconds(600)
        compactAfter = .seconds(3600)
        compactTarget = 4096
        if let maintenance = try top.section("maintenance") {
            try maintenance.rejectUnknownKeys(["interval", "compact_after", "chunk_target"])
            maintenanceInterval = try maintenance.duration("interval") ?? maintenanceInterval
            compactAfter = try maintenance.duration("compact_after") ?? compactAfter
            compactTarget = try maintenance.int("chunk_target") ?? compactTarget
            guard (16...65_536).contains(compactTarget) else {
                throw maintenance.error("chunk_target", "\(compactTarget) is outside 16-65536")
            }
        }
    }

    private static func broker(_ section: TOMLSection?) throws(ConfigError) -> MQTTIngest.Settings? {
        guard let section else { return nil }
        try section.rejectUnknownKeys(["url", "client_id", "ca", "certificate", "key", "shared_group", "crl"])
        let address = try section.brokerAddress("url")
        let certificate = try section.string("certificate")
        let key = try section.string("key")
        if (certificate == nil) != (key == nil) {
            throw section.error(certificate == nil ? "certificate" : "key", "give both certificate and key, or neither")
        }
        var tls: MQTTClient.TLSFiles?
        if address.tls {
            guard let ca = try section.string("ca") else {
                throw section.error("ca", "an mqtts:// broker needs the CA file that signed its certificate")
            }
            tls = MQTTClient.TLSFiles(caFile: ca, certificateFile: certificate, keyFile: key)
        }
        return MQTTIngest.Settings(
            host: address.host, port: address.port, clientID: try section.string("client_id") ?? "outpost-hub",
            tls: tls, sharedGroup: try section.string("shared_group"))
    }

    private static func retention(_ section: TOMLSection?) throws(ConfigError) -> RetentionPolicy {
        var policy = RetentionPolicy()
        guard let section else { return policy }
        try section.rejectUnknownKeys(["raw", "minute", "hour"])
        func keep(_ key: String, _ current: Duration?) throws(ConfigError) -> Duration? {
            guard let text = try section.string(key) else { return current }
            if text == "forever" { return nil }
            guard let duration = parseDuration(text), duration > .zero else {
                throw section.error(key, "'\(text)' is not a duration; use e.g. \"90d\" or \"forever\"")
            }
            return duration
        }
        policy.raw = try keep("raw", policy.raw)
        policy.minute = try keep("minute", policy.minute)
        policy.hour = try keep("hour", policy.hour)
        return policy
    }
}
