import AsyncHTTPClient
import Foundation
import OutpostHub
import OutpostProvisioning
import OutpostSigning
import OutpostSystem
import OutpostWire

/// `outpost-bench fleet`: fleet management at a thousand gateways. A real broker and a real hub
/// process, and simulated gateways that check and apply configurations with the agent's own code
/// and report them (`SimulatedGateways`). Three passes: one push per gateway through the API,
/// one rollout to all of them by label, then one release uploaded and rolled out to all, which
/// each gateway fetches through the broker. Measures, as an operator would see it in the fleet
/// list, the time from each push to the hub showing it applied (or the release running), and
/// what the hub and the broker spent.
package struct FleetBenchmark {
    /// How the run is shaped.
    package struct Settings: Sendable {
        package var gateways = 1000
        /// Gateways per MQTT connection (1: each its own, as in the field; at most 300
        /// connections fit one process, see `outpost-bench fleet --help`).
        package var perConnection = 4
        /// Pushes in flight at once in the first pass.
        package var concurrency = 16
        /// The rollout's first wave.
        package var canary = 10
        /// The size of the release rolled out in pass 3 (0: no release pass).
        package var releaseBytes = 1 << 20
        package init() {}
    }

    /// One pass's figures.
    package struct Pass: Sendable {
        package var name: String
        /// Seconds from each push to the hub showing it applied, ascending.
        package var latencies: [Double]
        /// Seconds from the first push to the last gateway shown applied.
        package var total: Double
        package var hubCPU: Double
        package var brokerCPU: Double
        package var hubPeakKB: Int
        package var notApplied: Int
    }

    let settings: Settings
    let root: String
    let progress: @Sendable (String) -> Void

    package init(settings: Settings, root: String, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        (self.settings, self.root, self.progress) = (settings, root, progress)
    }

    /// Runs both passes and returns their figures.
    package func run() async throws -> [Pass] {
        try FileIO.makeDirectory(root + "/hub/data")
        let (broker, brokerPort) = try BenchBroker.start(in: root)
        defer { broker.stop() }
        let fleet = try GatewayIdentity.generate(gatewayID: "fleet")
        let fleetKey = root + "/fleet-key.pem"
        try FileIO.write(Array(fleet.privateKeyPEM.utf8), to: fleetKey, mode: 0o600)
        let ids = (1...settings.gateways).map { String(format: "gw-%04d", $0) }
        let (token, adminToken) = try await prepareStore(ids)
        let releaseSigner = ReleaseSigner.generate()
        let port = try BenchHub.writeConfiguration(
            to: root + "/hub/hub.toml", dataDirectory: root + "/hub/data", brokerPort: brokerPort,
            clientID: "fleet-hub", fleetKey: fleetKey)
        let hub = try BenchHub.start(
            configuration: root + "/hub/hub.toml", ready: "outpost-hub listening", log: root + "/hub/hub.log")
        defer { hub.stop() }
        progress("hub and broker up; connecting \(ids.count) simulated gateways")
        var connections: [SimulatedGateways] = []
        defer { for connection in connections { connection.stop() } }
        for (index, start) in stride(from: 0, to: ids.count, by: settings.perConnection).enumerated() {
            let group = Array(ids[start..<min(ids.count, start + settings.perConnection)])
            connections.append(
                try SimulatedGateways(
                    port: brokerPort, gateways: group, fleetKeyPEM: fleet.publicKeyPEM,
                    releaseKeyPEM: releaseSigner.publicKeyPEM, name: "sim-\(index)"))
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        let api = FleetAPI(http: BenchHTTP(client: client), base: "http://127.0.0.1:\(port)", token: token)
        guard try await api.waitForReports(ids.count, within: .seconds(120)) else {
            throw BenchFailure("the hub did not hear from every simulated gateway within 2 minutes")
        }
        progress("every gateway reports; pass 1: one push per gateway, \(settings.concurrency) at a time")
        let probe = CostProbe(hub: hub.pid, broker: broker.pid)
        var passes: [Pass] = []
        let overlay = "[buffer]\ncommit_interval = \"2s\"\n"
        var pushed: [String: Double] = [:]
        let firstStart = Date().timeIntervalSince1970
        try await withThrowingTaskGroup(of: (String, Double).self) { group in
            var next = 0
            func add() {
                guard next < ids.count else { return }
                let gateway = ids[next]
                next += 1
                group.addTask {
                    let sent = Date().timeIntervalSince1970
                    try await api.push(gateway, overlay)
                    return (gateway, sent)
                }
            }
            for _ in 0..<settings.concurrency { add() }
            for try await (gateway, sent) in group {
                pushed[gateway] = sent
                add()
            }
        }
        passes.append(
            try await api.watch("one push per gateway", pushed: pushed, since: firstStart, probe: probe) {
                ($0.applied ?? 0) >= 1
            })
        progress("pass 2: a rollout to every gateway by label, \(settings.canary) first")
        let rolloutProbe = CostProbe(hub: hub.pid, broker: broker.pid)
        let rolloutStart = Date().timeIntervalSince1970
        let rollout = try await api.startRollout("[buffer]\ncommit_interval = \"3s\"\n", canary: settings.canary)
        passes.append(
            try await api.watch(
                "rollout, \(settings.canary) first", pushed: nil, since: rolloutStart, probe: rolloutProbe,
                rollout: rollout
            ) { ($0.applied ?? 0) >= 2 })
        if settings.releaseBytes > 0 {
            passes.append(
                try await releasePass(
                    api: api, admin: adminToken, signer: releaseSigner, hub: hub.pid, broker: broker.pid))
        }
        let refused = connections.reduce(0) { $0 + $1.state.refused.load(ordering: .relaxed) }
        if refused > 0 { progress("simulated gateways refused \(refused) documents") }
        return passes
    }

    /// Pass 3: a release of `releaseBytes` uploaded and rolled out to every gateway, each
    /// fetching it through the broker; from each offer to the gateway shown running it.
    private func releasePass(api: FleetAPI, admin: String, signer: ReleaseSigner, hub: pid_t, broker: pid_t)
        async throws -> Pass
    {
        var random = SystemRandomNumberGenerator()
        let file = (0..<settings.releaseBytes).map { _ in UInt8.random(in: 0...255, using: &random) }
        guard let version = ReleaseVersion("0.2.0") else { throw BenchFailure("0.2.0 is not a version") }
        let manifest = ReleaseManifest(
            version: version, architecture: "arm64", file: "outpost-agent",
            size: Int64(file.count), sha256: ReleaseFile.sha256(file), issuedAt: systemWallClock())
        try await api.upload(file, manifest: try signer.sign(manifest), token: admin)
        progress("pass 3: a release of \(file.count) bytes to every gateway by label, \(settings.canary) first")
        let probe = CostProbe(hub: hub, broker: broker)
        let start = Date().timeIntervalSince1970
        let rollout = try await api.startReleaseRollout("0.2.0", canary: settings.canary, token: admin)
        return try await api.watch(
            "release \(file.count / 1024) KiB, \(settings.canary) first", pushed: nil, since: start, probe: probe,
            rollout: rollout
        ) { $0.release == "0.2.0" }
    }

    /// Enrols every gateway with a label and makes an operator and an admin token; returns their
    /// secrets.
    private func prepareStore(_ ids: [String]) async throws -> (operator: String, admin: String) {
        let store = try SQLiteHubStore(path: root + "/hub/data/hub.db")
        let key = try GatewayKeyVerifier.rawPublicKey(pem: GatewayIdentity.generate(gatewayID: "any").publicKeyPEM)
        for id in ids {
            try await store.enrol(gateway: id, publicKey: key, latitude: nil, longitude: nil, at: systemWallClock())
            _ = try await store.setLabels(gateway: id, ["fleet": "bench"])
        }
        let accounts = Accounts(store: store)
        let token = try await accounts.addToken(name: "bench", role: .operator, createdBy: Accounts.localCreator)
        let admin = try await accounts.addToken(name: "bench-admin", role: .admin, createdBy: Accounts.localCreator)
        await store.close()
        return (token.secret, admin.secret)
    }
}

/// The CPU seconds and peak memory of the hub and the broker from its creation.
struct CostProbe {
    let hub: pid_t
    let broker: pid_t
    let hubStart: Double
    let brokerStart: Double

    init(hub: pid_t, broker: pid_t) {
        (self.hub, self.broker) = (hub, broker)
        (hubStart, brokerStart) = (ProcessProbe.cpuSeconds(hub), ProcessProbe.cpuSeconds(broker))
    }

    var hubCPU: Double { ProcessProbe.cpuSeconds(hub) - hubStart }
    var brokerCPU: Double { ProcessProbe.cpuSeconds(broker) - brokerStart }
}
