import OutpostConfig
import OutpostSystem

/// `[web]`: the dashboard's files, the JavaScript libraries it uses, and the accounts' settings.
package struct WebConfiguration: Sendable {
    /// The dashboard's pages, scripts and styles (`web/` of the source tree, installed to
    /// `/usr/share/outpost/web`).
    package var assets: String
    /// Debian's `libjs-dygraphs` folder.
    package var dygraphs: String
    /// Debian's `libjs-leaflet` folder.
    package var leaflet: String
    /// The map's tile URL template (`https://tile.example/{z}/{x}/{y}.png`); empty: the map
    /// shows the gateways on a plain grid, fetching nothing.
    package var mapTiles: String
    /// Whether `/metrics` is served without a token. Off by default: the counters name gateways'
    /// refusal reasons and the fleet's size; a Prometheus scraper sends a viewer token
    /// (`authorization: { credentials_file: … }`), or set it on for a scraper on a closed network.
    package var metricsPublic: Bool
    /// Whether session cookies carry `Secure` (set it when a TLS proxy fronts the hub).
    package var secureCookies: Bool
    /// How long a session lasts after login.
    package var sessionLifetime: Duration
    /// The bcrypt cost of new password hashes.
    package var bcryptCost: UInt8
    /// Failed logins allowed per user and per address within `loginWindow`.
    package var loginAttempts: Int
    /// The window of `loginAttempts`.
    package var loginWindow: Duration
    /// How long a live WebSocket's client may leave the hub's pings unanswered before the hub
    /// closes it (a dead or hung peer never holds a socket for longer).
    package var liveIdle: Duration

    /// The scheme and host of `mapTiles` (what the pages' security policy allows), or empty.
    package var tileOrigin: String {
        guard let scheme = mapTiles.range(of: "://") else { return "" }
        let rest = mapTiles[scheme.upperBound...]
        let host = rest.prefix { $0 != "/" }
        return host.isEmpty ? "" : String(mapTiles[..<scheme.upperBound]) + host
    }

    /// The defaults: assets found beside the executable, the libraries where Debian puts them.
    package init() {
        assets = SharedFiles.locate("web", containing: "index.html")
        dygraphs = "/usr/share/javascript/dygraphs"
        leaflet = "/usr/share/javascript/leaflet"
        mapTiles = ""
        metricsPublic = false
        secureCookies = false
        sessionLifetime = .seconds(12 * 3600)
        bcryptCost = 11
        loginAttempts = 5
        loginWindow = .seconds(900)
        liveIdle = .seconds(60)
    }

    /// Reads `[web]`; absent keys keep their defaults.
    init(_ section: TOMLSection?) throws(ConfigError) {
        self.init()
        guard let section else { return }
        try section.rejectUnknownKeys([
            "assets", "dygraphs", "leaflet", "map_tiles", "metrics_public", "secure_cookies", "session_lifetime",
            "bcrypt_cost",
            "login_attempts", "login_window", "live_idle",
        ])
        assets = try section.string("assets") ?? assets
        dygraphs = try section.string("dygraphs") ?? dygraphs
        leaflet = try section.string("leaflet") ?? leaflet
        mapTiles = try section.string("map_tiles") ?? mapTiles
        if !mapTiles.isEmpty, !(mapTiles.hasPrefix("https://") || mapTiles.hasPrefix("http://")) || tileOrigin.isEmpty {
            throw section.error(
                "map_tiles",
                "'\(mapTiles)' is not an http(s) URL template such as https://tiles.example/{z}/{x}/{y}.png")
        }
        metricsPublic = try section.bool("metrics_public") ?? metricsPublic
        secureCookies = try section.bool("secure_cookies") ?? secureCookies
        sessionLifetime = try section.duration("session_lifetime") ?? sessionLifetime
        if let cost = try section.int("bcrypt_cost") {
            guard (4...31).contains(cost) else { throw section.error("bcrypt_cost", "\(cost) is outside 4-31") }
            bcryptCost = UInt8(cost)
        }
        loginAttempts = try section.int("login_attempts") ?? loginAttempts
        guard (1...1000).contains(loginAttempts) else {
            throw section.error("login_attempts", "\(loginAttempts) is outside 1-1000")
        }
        loginWindow = try section.duration("login_window") ?? loginWindow
        liveIdle = try section.duration("live_idle") ?? liveIdle
        guard liveIdle >= .seconds(2) else {
            throw section.error("live_idle", "at least 2s: the hub pings every half of it")
        }
    }
}
