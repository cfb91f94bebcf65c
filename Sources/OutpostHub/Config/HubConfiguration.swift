import OutpostConfig
import OutpostMQTT

/// `/etc/outpost/hub.toml`: where the hub listens, keeps its data and finds the broker, and how
/// long it keeps each level of data.
package struct HubConfiguration: Sendable {
    /// `host:port` the HTTP API and dashboard listen on.
    package var listenHost: String
    /// The HTTP port.
    package var listenPort: Int
    /// The data directory (the store lives in `hub.db` there).
    package var dataDirectory: String
    /// The store: SQLite in the data directory (default), or PostgreSQL (several replicas).
    package var store: StoreChoice
    /// The broker, or nil for a hub that takes frames over HTTP only.
    package var broker: MQTTIngest.Settings?
    /// The broker's certificate revocation list (`[broker] crl`), when the hub can read it:
    /// `outpost-hub check` warns before it expires.
    package var brokerRevocationList: String?
    /// The fleet key (`[broker] fleet_key`, PEM, private): what the hub signs its documents to
    /// gateways with (watch documents); nil for none.
    package var fleetKeyFile: String?
    /// The release key's public half (`[broker] release_key`, PEM): uploads are checked against
    /// it when set (gateways check every release in any case).
    package var releaseKeyFile: String?
    /// What is kept how long.
    package var retention: RetentionPolicy
    /// How often retention and compaction run.
    package var maintenanceInterval: Duration
    /// Chunks ending longer ago than this are merged by compaction.
    package var compactAfter: Duration
    /// Samples per chunk compaction aims for.
    package var compactTarget: Int
    /// The fleet CA's certificate (PEM): gateways may enrol with a certificate it issued.
    package var caFile: String?
    /// Largest frame accepted (bytes).
    package var maxFrameBytes: Int
    /// Largest JSON rendering of a frame accepted over HTTP (bytes; default 4 MiB).
    package var maxJSONFrameBytes: Int
    /// Frames a second one client address may post over HTTP (bursts of four times as many).
    package var httpIngestRate: Double
    /// The most HTTP frames read and checked at once.
    package var httpIngestConcurrency: Int
    /// The anomaly detectors' settings.
    package var detection: DetectionConfiguration
    /// Where alert events are POSTed (JSON).
    package var webhooks: [String]
    /// How long a series must be normal before its alert resolves.
    package var resolveAfter: Duration
    /// The dashboard and accounts.
    package var web: WebConfiguration

    /// The store file.
    package var databasePath: String { dataDirectory + "/" + Self.databaseFile }
    /// The SQLite store's file name in the data directory.
    package static let databaseFile = "hub.db"

    /// Parses the TOML text of `file`; every problem found is reported at once.
    package init(toml text: String, file: String) throws(ConfigProblems) {
        let top = try TOMLDocument.parse(text, file: file).top
        let found = ConfigProblemList()
        _ = found.attempt { () throws(ConfigError) in
            try top.rejectUnknownKeys([
                "hub", "broker", "retention", "maintenance", "detection", "alerts", "web", "postgres",
            ])
        }
        let hub = Self.hub(top, found)
        let broker = found.attempt { () throws(ConfigError) in try Self.broker(try top.section("broker")) }
        let crl = found.attempt { () throws(ConfigError) in try top.section("broker")?.string("crl") }
        let fleetKey = found.attempt { () throws(ConfigError) in try top.section("broker")?.string("fleet_key") }
        let releaseKey = found.attempt { () throws(ConfigError) in try top.section("broker")?.string("release_key") }
        let retention = found.attempt { () throws(ConfigError) in try Self.retention(try top.section("retention")) }
        let web = found.attempt { () throws(ConfigError) in try WebConfiguration(try top.section("web")) }
        let detection = found.attempt { () throws(ConfigError) in
            try DetectionConfiguration(try top.section("detection"))
        }
        let alerts = found.attempt { () throws(ConfigError) in try Self.alerts(try top.section("alerts")) }
        let upkeep = found.attempt { () throws(ConfigError) in try Self.maintenance(try top.section("maintenance")) }
        guard found.problems.isEmpty, let hub, let broker, let crl, let fleetKey, let releaseKey, let retention,
            let web,
            let detection, let alerts, let upkeep
        else { throw ConfigProblems(problems: found.problems) }
        (store, caFile, listenHost, listenPort, dataDirectory) = (
            hub.store, hub.caFile, hub.host, hub.port, hub.dataDirectory
        )
        (maxFrameBytes, maxJSONFrameBytes) = (hub.maxFrameBytes, hub.maxJSONFrameBytes)
        (httpIngestRate, httpIngestConcurrency) = (hub.httpIngestRate, hub.httpIngestConcurrency)
        (self.broker, brokerRevocationList, self.retention, self.web, self.detection) = (
            broker, crl, retention, web, detection
        )
        (fleetKeyFile, releaseKeyFile) = (fleetKey, releaseKey)
        (webhooks, resolveAfter) = alerts
        (maintenanceInterval, compactAfter, compactTarget) = upkeep
    }

    /// What `[hub]` says.
    private struct HubTable {
        var store: StoreChoice
        var caFile: String?
        var host: String
        var port: Int
        var dataDirectory: String
        var maxFrameBytes: Int
        var maxJSONFrameBytes: Int
        var httpIngestRate: Double
        var httpIngestConcurrency: Int
    }

    /// `[hub]`, each key read on its own so one mistake does not hide the next.
    private static func hub(_ top: TOMLSection, _ found: ConfigProblemList) -> HubTable? {
        guard let section = found.attempt({ () throws(ConfigError) in try top.section("hub") }) else { return nil }
        guard let hub = section else {
            found.add(top.error("hub", "missing [hub] table"))
            return nil
        }
        let before = found.count
        _ = found.attempt { () throws(ConfigError) in
            try hub.rejectUnknownKeys([
                "listen", "data_dir", "max_frame_bytes", "max_json_frame_bytes", "http_ingest_rate",
                "http_ingest_concurrency", "ca", "store",
            ])
        }
        let store = found.attempt { () throws(ConfigError) in
            try StoreChoice(hub, postgres: try top.section("postgres"))
        }
        let caFile = found.attempt { () throws(ConfigError) in try hub.string("ca") }
        let address = found.attempt { () throws(ConfigError) -> (String, Int) in
            let listen = try hub.string("listen") ?? "127.0.0.1:8080"
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
                (0...65_535).contains(port)
            else { throw hub.error("listen", "'\(listen)' is not host:port; use e.g. \"0.0.0.0:8080\"") }
            return (String(listen[..<colon]), port)
        }
        let dataDirectory = found.attempt { () throws(ConfigError) -> String in
            let folder = try hub.string("data_dir") ?? "/var/lib/outpost-hub"
            guard folder.hasPrefix("/") else { throw hub.error("data_dir", "must be an absolute path") }
            return folder
        }
        func bytes(_ key: String, _ fallback: Int) -> Int? {
            found.attempt { () throws(ConfigError) -> Int in
                let value = try hub.byteSize(key) ?? Int64(fallback)
                guard (1024...(256 << 20)).contains(value) else {
                    throw hub.error(key, "\(value) is outside 1 KiB-256 MiB")
                }
                return Int(value)
            }
        }
        func number(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>, _ what: String = "") -> Int? {
            found.attempt { () throws(ConfigError) -> Int in
                let value = try hub.int(key) ?? fallback
                guard range.contains(value) else {
                    throw hub.error(key, "\(value) is outside \(range.lowerBound)-\(range.upperBound)\(what)")
                }
                return value
            }
        }
        let frameBytes = bytes("max_frame_bytes", 16 << 20)
        let jsonBytes = bytes("max_json_frame_bytes", 4 << 20)
        let rate = number("http_ingest_rate", 50, 1...100_000, " frames a second")
        let concurrency = number("http_ingest_concurrency", 8, 1...1024)
        guard found.count == before, let store, let caFile, let address, let dataDirectory, let frameBytes,
            let jsonBytes,
            let rate, let concurrency
        else { return nil }
        return HubTable(
            store: store, caFile: caFile, host: address.0, port: address.1, dataDirectory: dataDirectory,
            maxFrameBytes: frameBytes, maxJSONFrameBytes: jsonBytes, httpIngestRate: Double(rate),
            httpIngestConcurrency: concurrency)
    }

    /// `[alerts]`: webhooks and how long a series must be normal before its alert resolves.
    private static func alerts(_ section: TOMLSection?) throws(ConfigError) -> ([String], Duration) {
        guard let alerts = section else { return ([], .seconds(900)) }
        try alerts.rejectUnknownKeys(["webhooks", "resolve_after"])
        let webhooks = try alerts.strings("webhooks") ?? []
        for url in webhooks where !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw alerts.error("webhooks", "'\(url)' is not an http:// or https:// URL")
        }
        return (webhooks, try alerts.duration("resolve_after") ?? .seconds(900))
    }

    /// `[maintenance]`: how often upkeep runs, and what compaction merges.
    private static func maintenance(_ section: TOMLSection?) throws(ConfigError) -> (Duration, Duration, Int) {
        guard let maintenance = section else { return (.seconds(600), .seconds(3600), 4096) }
        try maintenance.rejectUnknownKeys(["interval", "compact_after", "chunk_target"])
        let target = try maintenance.int("chunk_target") ?? 4096
        guard (16...65_536).contains(target) else {
            throw maintenance.error("chunk_target", "\(target) is outside 16-65536")
        }
        return (
            try maintenance.duration("interval") ?? .seconds(600),
            try maintenance.duration("compact_after") ?? .seconds(3600),
            target
        )
    }

    private static func broker(_ section: TOMLSection?) throws(ConfigError) -> MQTTIngest.Settings? {
        guard let section else { return nil }
        try section.rejectUnknownKeys([
            "url", "client_id", "ca", "certificate", "key", "shared_group", "crl", "fleet_key", "release_key",
        ])
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
