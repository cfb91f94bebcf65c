import OutpostAgent
import OutpostProvisioning
import OutpostTestSupport

/// What the fleet management tests stand on: Mosquitto, a simulated XY-MD02, a hub process that
/// signs with a fleet key, and agents configured to take its documents.
final class FleetTestbed {
    let fleet: GatewayIdentity
    let broker: Broker
    let simulator: ChildProcess
    /// The simulator's address.
    let url: String
    let keys: TemporaryFolder
    let hub: HubProcess
    private var agentFolders: [TemporaryFolder] = []

    init() throws {
        fleet = try GatewayIdentity.generate(gatewayID: "fleet")
        broker = try Broker(tls: false)
        (simulator, url) = try Peers.simulator(["--profile", "xy-md02"])
        keys = try TemporaryFolder()
        hub = try HubProcess(
            brokerPort: broker.port, fleetKey: keys.write(Array(fleet.privateKeyPEM.utf8), to: "fleet-key.pem"))
    }

    /// Enrols `gateway` and returns its identity and its agent's configuration: the simulator at
    /// 100 ms, batches every 300 ms, the fleet key's public half as `hub_key`, the broker reached
    /// on `port` (a relay) when given.
    func agent(_ gateway: String, via port: Int? = nil) throws -> (AgentConfiguration, GatewayIdentity) {
        let identity = try GatewayIdentity.generate(gatewayID: gateway)
        try hub.enrol(gateway, publicKey: identity.publicKeyPEM)
        let (configuration, folder) = try testAgentConfiguration(
            gateway, identity: identity, brokerPort: port ?? broker.port, simulator: url,
            uplink: "hub_key = \"\(keys.write(Array(fleet.publicKeyPEM.utf8), to: "fleet.pem"))\"")
        agentFolders.append(folder)  // the agent's data outlives the test's end
        return (configuration, identity)
    }

    /// Runs `outpostctl SUBCOMMAND…` against the hub with `token`.
    func outpostctl(_ arguments: [String], token: String) async throws -> ChildProcess.Outcome {
        try await ChildProcess.running(
            "/usr/bin/env",
            ["OUTPOST_TOKEN=\(token)", Binaries.path("outpostctl")] + arguments
                + ["--hub", "http://127.0.0.1:\(hub.httpPort)"])
    }

    deinit {
        hub.stop()
        simulator.terminate()
    }
}
