import Foundation
import OutpostHub
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

@Suite("Dashboard in a real browser")
struct DashboardBrowserTests {
    @Test(
        "Headless Chromium: log in, see the fleet, chart stored data, watch a live value arrive, acknowledge an alert; every page at 1400 and 800 px; screenshots kept"
    )
    func operatorSession() async throws {
        let hub = try HubProcess(
            brokerPort: nil, extra: "[web]\nbcrypt_cost = 4\n[detection]\nlearning_samples = 100\n")
        let added = try hub.command(
            ["user", "add", "--role", "operator", "duty-operator", "--password-stdin"], stdin: "boiler room 42!\n")
        #expect(added.exitStatus == 0, "\(added)")
        let admin = try hub.command(
            ["user", "add", "--role", "admin", "site-admin", "--password-stdin"], stdin: "admin of the site\n")
        #expect(admin.exitStatus == 0, "\(admin)")
        let identity = try GatewayIdentity.generate(gatewayID: "gw-boiler")
        try hub.enrol("gw-boiler", publicKey: identity.publicKeyPEM)
        try hub.start(withBroker: false)
        let signer = try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM)
        let now = systemWallClock()
        func frame(_ sequence: UInt64, _ samples: [Sample]) throws -> [UInt8] {
            try BatchFrame(
                gatewayID: "gw-boiler", sequence: sequence, bootID: .zero, clockState: .synchronised, createdAt: now,
                createdMonotonic: 1, series: [SeriesDescriptor(id: 0, name: "flow.temperature", unit: "°C")],
                chunks: [
                    FrameChunk(
                        seriesID: 0,
                        chunk: try Chunk(encoding: SampleColumns(samples), resolution: nil, clockSynchronised: true))
                ]
            ).encoded(signer: signer)
        }
        // Three hours every 30 s: a slow daily-like wave with a little noise.
        let history = (0..<360).map { index -> Sample in
            let time = now - Int64(360 - index) * 30 * NS.second
            return Sample(timestamp: time, value: 60 + 5 * sin(Double(index) / 40) + Double(index % 7) * 0.05)
        }
        let stored = try hub.http("/api/v1/ingest", post: hub.folder.write(try frame(1, history), to: "history.frame"))
        #expect(stored.contains("\"duplicate\":false"), "\(stored)")
        let alert = try await hub.store().openAlert(
            series: SeriesKey(gateway: "gw-boiler", name: "flow.temperature"), kind: .level, score: 0.97,
            at: now - 30 * NS.minute
        ).id
        // A status with a data budget 86 % used: the fleet page shows the share and what it sends.
        try await hub.store().recordStatus(
            gateway: "gw-boiler",
            report: GatewayStatusReport(
                online: true, agentVersion: "test", backlogReadings: 0, clockState: "synchronised",
                budget: StatusDocument.Budget(
                    limit: 20_000_000, period: "day", used: 17_200_000, renewsAt: now + NS.hour, sending: "summaries")),
            at: now)
        let live = hub.folder.write(try frame(2, [Sample(timestamp: now + NS.second, value: 66.5)]), to: "live.frame")
        let artifacts = packageRoot() + "/.build/test-artifacts/dashboard"
        let outcome = try await ChildProcess.running(
            Peers.python,
            [
                packageRoot() + "/Tests/Peers/dashboard_browser.py", "http://127.0.0.1:\(hub.httpPort)",
                "duty-operator",
                "boiler room 42!", "gw-boiler", "flow.temperature", String(alert), live, artifacts, "site-admin",
                "admin of the site",
            ], timeout: .seconds(300))
        #expect(outcome.exitStatus == 0, "browser session failed:\n\(outcome.stdout)\n\(outcome.stderr)")
        #expect(outcome.stdout.contains("\nok"), "\(outcome.stdout)")
        let widths = ["fleet", "gateway", "series", "alerts", "admin"].flatMap { ["\($0)-1400", "\($0)-800"] }
        for page in ["fleet", "fleet-phone", "gateway", "series", "series-live", "alerts"] + widths {
            #expect(access("\(artifacts)/\(page).png", R_OK) == 0, "screenshot of \(page)")
        }
        let acknowledged = try await hub.store().alert(alert)
        #expect(acknowledged?.state == .acknowledged && acknowledged?.acknowledgedBy == "duty-operator")
        #expect(acknowledged?.note == "valve re-seated")
    }

    @Test(
        "Headless Chromium: a login link whose next= leads off the site stays on the hub; a gateway's HTML in a series name and unit is shown as text"
    )
    func hostilePages() async throws {
        let hub = try HubProcess(brokerPort: nil, extra: "[web]\nbcrypt_cost = 4\n")
        _ = try hub.command(
            ["user", "add", "--role", "viewer", "visitor", "--password-stdin"], stdin: "a long enough password\n")
        let identity = try GatewayIdentity.generate(gatewayID: "gw-html")
        try hub.enrol("gw-html", publicKey: identity.publicKeyPEM)
        try hub.start(withBroker: false)
        let name = "<img src=x id=pwn-name>"
        let unit = "<img src=x id=pwn-unit>"
        let now = systemWallClock()
        let samples = (0..<60).map { Sample(timestamp: now - Int64(60 - $0) * NS.minute, value: Double($0 % 7)) }
        let frame = try BatchFrame(
            gatewayID: "gw-html", sequence: 1, bootID: .zero, clockState: .synchronised, createdAt: now,
            createdMonotonic: 1,
            series: [SeriesDescriptor(id: 0, name: name, unit: unit)],
            chunks: [
                FrameChunk(
                    seriesID: 0,
                    chunk: try Chunk(encoding: SampleColumns(samples), resolution: nil, clockSynchronised: true))
            ]
        ).encoded(signer: try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM))
        #expect(
            try hub.http("/api/v1/ingest", post: hub.folder.write(frame, to: "html.frame")).contains(
                "\"duplicate\":false"))
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let stored = try hub.call(
            "GET", "/api/v1/series?gateway=gw-html&name=\(encoded)&from=now-3h&buckets=100", bearer: hub.token)
        #expect((stored.json["buckets"] as? [Any])?.isEmpty == false, "\(stored.body)")
        let outcome = try await ChildProcess.running(
            Peers.python,
            [
                packageRoot() + "/Tests/Peers/hostile_pages.py", "http://127.0.0.1:\(hub.httpPort)", "visitor",
                "a long enough password", "gw-html", name,
            ], timeout: .seconds(240))
        #expect(outcome.exitStatus == 0, "browser session failed:\n\(outcome.stdout)\n\(outcome.stderr)")
        #expect(outcome.stdout.contains("\nok"), "\(outcome.stdout)")
    }

    @Test(
        "Headless Chromium: a configuration checked, refused with its line, pushed, its rollback shown, two versions compared, a rollout started, the audit log read; a viewer sees no editor"
    )
    func fleetManagement() async throws {
        let broker = try Broker(tls: false)
        let keys = try TemporaryFolder()
        let fleetKey = keys.write(
            Array(try GatewayIdentity.generate(gatewayID: "fleet").privateKeyPEM.utf8), to: "fleet-key.pem")
        let hub = try HubProcess(brokerPort: broker.port, extra: "[web]\nbcrypt_cost = 4\n", fleetKey: fleetKey)
        for (role, name, secret) in [
            ("operator", "duty-operator", "boiler room 42!"), ("admin", "site-admin", "admin of the site"),
            ("viewer", "visitor", "a long enough password"),
        ] {
            let added = try hub.command(
                ["user", "add", "--role", role, name, "--password-stdin"], stdin: secret + "\n")
            #expect(added.exitStatus == 0, "\(added)")
        }
        let identity = try GatewayIdentity.generate(gatewayID: "gw-web")
        try hub.enrol("gw-web", publicKey: identity.publicKeyPEM)
        // The gateway's last report: it rolled back version 1 (the one the browser is about to push).
        try await hub.store().recordStatus(
            gateway: "gw-web",
            report: GatewayStatusReport(
                online: true, agentVersion: "test",
                configuration: RemoteConfigurationStatus(
                    applied: 0, failed: 1, outcome: "rolled_back",
                    reason: "source modbus.room failed in every poll (3 of 3): timeout"),
                release: ReleaseStatus(
                    running: "0.2.0", failed: "0.3.0", outcome: "rolled_back",
                    reason: "it exited with status 3 before it was confirmed",
                    download: .init(version: "0.3.1", received: 1_500_000, size: 3_000_000),
                    refusal: "a release offer for gateway 'gw-other', not this one, was refused")),
            at: systemWallClock())
        try hub.start()
        defer { hub.stop() }
        let labelled = try hub.call(
            "PUT", "/api/v1/gateways/gw-web/labels", bearer: hub.token, json: #"{"labels":{"site":"north"}}"#)
        #expect(labelled.status == 200, "\(labelled.body)")
        let artifacts = packageRoot() + "/.build/test-artifacts/dashboard"
        let outcome = try await ChildProcess.running(
            Peers.python,
            [
                packageRoot() + "/Tests/Peers/fleet_browser.py", "http://127.0.0.1:\(hub.httpPort)", "gw-web",
                "duty-operator", "boiler room 42!", "site-admin", "admin of the site", "visitor",
                "a long enough password", "tcp://127.0.0.1:1502", artifacts,
            ], timeout: .seconds(300))
        #expect(outcome.exitStatus == 0, "browser session failed:\n\(outcome.stdout)\n\(outcome.stderr)")
        #expect(outcome.stdout.contains("\nok"), "\(outcome.stdout)")
        let versions = try await hub.store().configurations(gateway: "gw-web")
        #expect(versions.map(\.version) == [3, 2, 1] && versions.allSatisfy { $0.author == "duty-operator" })
    }
}
