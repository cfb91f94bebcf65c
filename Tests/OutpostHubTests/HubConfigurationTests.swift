import OutpostConfig
import OutpostHub
import OutpostTestSupport
import Testing

@Suite("The hub's configuration")
struct HubConfigurationTests {
    @Test("The README's hub configuration reference parses to what it says")
    func readmeExample() throws {
        let readme = String(decoding: readFileBytes(packageRoot() + "/README.md"), as: UTF8.self)
        let section = try #require(readme.range(of: "### Configuration reference (`/etc/outpost/hub.toml`)"))
        let rest = readme[section.upperBound...]
        let start = try #require(rest.range(of: "```toml\n"))
        let end = try #require(rest[start.upperBound...].range(of: "```"))
        let configuration = try HubConfiguration(toml: String(rest[start.upperBound..<end.lowerBound]), file: "README.md")
        #expect(configuration.listenHost == "0.0.0.0" && configuration.listenPort == 8080)
        #expect(configuration.databasePath == "/var/lib/outpost-hub/hub.db")
        #expect(configuration.maxFrameBytes == 16 << 20)
        #expect(configuration.broker?.port == 8883 && configuration.broker?.tls?.caFile == "/etc/outpost/ca.pem")
        #expect(configuration.retention.raw == .seconds(90 * 86_400) && configuration.retention.hour == nil)
        #expect(configuration.compactTarget == 4096)
        #expect(configuration.detection.settings(for: "boiler-7/dev.temperature", resolution: 0.1).upperLimit == 80)
        #expect(configuration.detection.settings(for: "pump-1/dev.temperature", resolution: 0.1).upperLimit == nil)
        #expect(configuration.webhooks == ["https://ops.example/hooks/outpost"] && configuration.resolveAfter == .seconds(900))
    }

    @Test("Mistakes are named with file, line and key")
    func mistakes() {
        let cases: [(String, String)] = [
            ("[hub]\nlisten = \"8080\"\n", "hub.toml: line 2, hub.listen: '8080' is not host:port"),
            ("[hub]\n[broker]\nurl = \"mqtts://b\"\n", "hub.toml: line 2, broker.ca: an mqtts:// broker needs the CA file"),
            ("[hub]\n[retention]\nraw = \"3 months\"\n", "hub.toml: line 3, retention.raw: '3 months' is not a duration"),
            ("[hub]\nlisten_port = 1\n", "listen_port"),
            ("[hub]\n[alerts]\nwebhooks = [\"ops.example/hook\"]\n", "line 3, alerts.webhooks: 'ops.example/hook' is not an http:// or https:// URL"),
            ("[hub]\n[detection]\n[[detection.series]]\nmatch = \"*\"\nlower = 5\nupper = 1\n", "upper: 1.0 is not above lower = 5.0"),
        ]
        for (text, message) in cases {
            #expect {
                try HubConfiguration(toml: text, file: "hub.toml")
            } throws: { error in
                "\(error)".contains(message)
            }
        }
    }
}
