import OutpostConfig
import OutpostHub
import OutpostTestSupport
import Testing

@Suite("The hub's configuration")
struct HubConfigurationTests {
    @Test("The manual's hub configuration reference (docs/hub.md) parses to what it says")
    func readmeExample() throws {
        let readme = String(decoding: readFileBytes(packageRoot() + "/docs/hub.md"), as: UTF8.self)
        let section = try #require(readme.range(of: "## Configuration reference (`/etc/outpost/hub.toml`)"))
        let rest = readme[section.upperBound...]
        let start = try #require(rest.range(of: "```toml\n"))
        let end = try #require(rest[start.upperBound...].range(of: "```"))
        let configuration = try HubConfiguration(
            toml: String(rest[start.upperBound..<end.lowerBound]), file: "docs/hub.md")
        #expect(configuration.listenHost == "0.0.0.0" && configuration.listenPort == 8080)
        #expect(configuration.databasePath == "/var/lib/outpost-hub/hub.db")
        #expect(configuration.maxFrameBytes == 16 << 20)
        #expect(configuration.caFile == "/etc/outpost/ca.pem")
        #expect(configuration.broker?.port == 8883 && configuration.broker?.tls?.caFile == "/etc/outpost/ca.pem")
        #expect(configuration.retention.raw == .seconds(90 * 86_400) && configuration.retention.hour == nil)
        #expect(configuration.compactTarget == 4096)
        #expect(configuration.detection.settings(for: "boiler-7/dev.temperature", resolution: 0.1).upperLimit == 80)
        #expect(configuration.detection.settings(for: "pump-1/dev.temperature", resolution: 0.1).upperLimit == nil)
        #expect(
            configuration.webhooks == ["https://ops.example/hooks/outpost"]
                && configuration.resolveAfter == .seconds(900))
        #expect(
            configuration.web.secureCookies && configuration.web.metricsPublic && configuration.web.bcryptCost == 11)
        #expect(configuration.web.tileOrigin == "https://tiles.example.internal")
        #expect(configuration.web.loginAttempts == 5 && configuration.web.loginWindow == .seconds(900))
    }

    @Test("store = \"postgres\" with its URL and pool; SQLite by default")
    func storeChoice() throws {
        #expect(try HubConfiguration(toml: "[hub]\n", file: "hub.toml").store == .sqlite)
        let text =
            "[hub]\nstore = \"postgres\"\n[postgres]\nurl = \"postgres://outpost:s3cret@db.example:6432/fleet\"\npool_size = 16\n"
        guard case .postgres(let settings) = try HubConfiguration(toml: text, file: "hub.toml").store else {
            Issue.record("not postgres")
            return
        }
        #expect(settings.host == "db.example" && settings.port == 6432 && settings.user == "outpost")
        #expect(settings.password == "s3cret" && settings.database == "fleet" && settings.poolSize == 16)
        #expect(PostgresSettings(url: "postgresql://o@h/d")?.port == 5432)
    }

    @Test("relearn_after: a default for every series and one per rule, in the detectors' settings")
    func relearnAfter() throws {
        let text =
            "[hub]\n[detection]\nrelearn_after = \"6h\"\n[[detection.series]]\nmatch = \"fast-*/*\"\nrelearn_after = \"30m\"\n"
        let detection = try HubConfiguration(toml: text, file: "hub.toml").detection
        #expect(detection.settings(for: "fast-1/flow", resolution: nil).relearnAfter == 1_800_000_000_000)
        #expect(detection.settings(for: "slow-1/flow", resolution: nil).relearnAfter == 21_600_000_000_000)
        #expect(
            DetectionConfiguration().settings(for: "a/b", resolution: nil).relearnAfter == nil, "by the series' rate")
    }

    @Test("Mistakes are named with file, line and key")
    func mistakes() {
        let cases: [(String, String)] = [
            ("[hub]\nlisten = \"8080\"\n", "hub.toml: line 2, hub.listen: '8080' is not host:port"),
            (
                "[hub]\n[broker]\nurl = \"mqtts://b\"\n",
                "hub.toml: line 2, broker.ca: an mqtts:// broker needs the CA file"
            ),
            (
                "[hub]\n[retention]\nraw = \"3 months\"\n",
                "hub.toml: line 3, retention.raw: '3 months' is not a duration"
            ),
            ("[hub]\nlisten_port = 1\n", "listen_port"),
            (
                "[hub]\n[alerts]\nwebhooks = [\"ops.example/hook\"]\n",
                "line 3, alerts.webhooks: 'ops.example/hook' is not an http:// or https:// URL"
            ),
            (
                "[hub]\n[detection]\n[[detection.series]]\nmatch = \"*\"\nlower = 5\nupper = 1\n",
                "upper: 1.0 is not above lower = 5.0"
            ),
            ("[hub]\n[web]\nbcrypt_cost = 40\n", "line 3, web.bcrypt_cost: 40 is outside 4-31"),
            ("[hub]\n[detection]\nrelearn_after = \"0s\"\n", "line 3, detection.relearn_after: 0ms is outside 1s-365d"),
            (
                "[hub]\n[web]\nmap_tiles = \"tiles/{z}/{x}/{y}.png\"\n",
                "line 3, web.map_tiles: 'tiles/{z}/{x}/{y}.png' is not an http(s) URL template"
            ),
            ("[hub]\n[web]\nsecure_cookie = true\n", "secure_cookie"),
            ("[hub]\nstore = \"mysql\"\n", "line 2, hub.store: 'mysql' is not a store; use \"sqlite\" or \"postgres\""),
            ("[hub]\nstore = \"postgres\"\n", "hub.store: store = \"postgres\" needs a [postgres] table"),
            (
                "[hub]\nstore = \"postgres\"\n[postgres]\nurl = \"db.example:5432\"\n",
                "line 4, postgres.url: 'db.example:5432' is not a connection URL"
            ),
            (
                "[hub]\nstore = \"postgres\"\n[postgres]\nurl = \"postgres://o@db/x\"\npool_size = 0\n",
                "line 5, postgres.pool_size: 0 is outside 1-256"
            ),
        ]
        for (text, message) in cases {
            #expect {
                try HubConfiguration(toml: text, file: "hub.toml")
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }

    @Test(
        "A rule naming a device profile takes each point's limits from it; confirmation is a knob; an unknown profile is named"
    )
    func profileLimits() throws {
        let text = """
            [hub]
            [detection]
            confirmation_samples = 5

            [[detection.series]]
            match = "*/room.*"
            profile = "xy-md02"
            confirmation_samples = 2

            [[detection.series]]
            match = "*/tank.*"
            profile = "xy-md02"
            upper = 30
            """
        let detection = try HubConfiguration(toml: text, file: "hub.toml").detection
        let temperature = detection.settings(for: "site-1/room.temperature", resolution: 0.1)
        #expect(temperature.lowerLimit == -40 && temperature.upperLimit == 60, "xy-md02's temperature range")
        #expect(detection.settings(for: "site-1/room.humidity", resolution: 0.1).upperLimit == 100)
        #expect(
            detection.settings(for: "site-1/tank.temperature", resolution: 0.1).upperLimit == 30,
            "the rule's own limit wins")
        #expect(detection.settings(for: "site-1/pump.current", resolution: 0.1).upperLimit == nil)
        #expect(detection.confirmation(for: "site-1/room.temperature") == 2)
        #expect(detection.confirmation(for: "site-1/pump.current") == 5)
        #expect {
            try HubConfiguration(
                toml: "[hub]\n[detection]\n[[detection.series]]\nmatch = \"*\"\nprofile = \"no-such-meter\"\n",
                file: "hub.toml")
        } throws: { error in
            "\(error)".contains("hub.toml: line 5, detection.series[0].profile: no device profile 'no-such-meter'")
        }
    }
}
