import OutpostHub
import OutpostProvisioning
import OutpostSigning
import OutpostSystem
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// One gateway of the fault run: a simulated device (which logs every answer it serves), the
/// agent that polls it, and the relay that is its link to the broker.
package final class ChaosGateway {
    /// `gw-N`.
    package let id: String
    /// The device profile its simulator serves.
    package let profile: String
    /// Its poll interval, nanoseconds.
    package let interval: Int64
    /// Its commit interval, nanoseconds.
    package let commitInterval: Int64
    /// Its folder: configuration, data, logs.
    package let folder: String
    /// Its link.
    package let relay: LinkRelay
    let identity: GatewayIdentity
    let quota: String?
    var device: SpawnedProcess?
    var agent: SpawnedProcess?
    /// When the agent was killed (wall clock, ns).
    package internal(set) var kills: [Int64] = []
    /// When the device was let go after a silence (wall clock, ns).
    package internal(set) var resumes: [Int64] = []
    /// When the agent was told to stop at the end (wall clock, ns).
    package internal(set) var stoppedAt: Int64?

    init(index: Int, profile: String, interval: Int64, quota: String?, root: String, brokerPort: Int) throws {
        id = "gw-\(index + 1)"
        self.profile = profile
        self.interval = interval
        commitInterval = 1_000_000_000
        self.quota = quota
        folder = root + "/" + id
        try FileIO.makeDirectory(folder)
        relay = try LinkRelay(target: brokerPort)
        identity = try GatewayIdentity.generate(gatewayID: id)
    }

    /// The simulator's record of what it served.
    package var servedLog: String { folder + "/served.log" }
    /// The agent's outbox.
    package var outboxPath: String { folder + "/data/outbox.db" }

    func startDevice(seed: UInt64) throws -> String {
        let process = try SpawnedProcess(
            executable: SpawnedProcess.beside("outpost-sim"),
            arguments: [
                "modbus", "--listen", "127.0.0.1:0", "--profile", profile, "--seed", "\(seed)", "--served-log",
                servedLog,
            ], ready: "listening ", log: folder + "/sim.log")
        device = process
        return String(process.readyLine.dropFirst("listening ".count))
    }

    /// The device's URL, once it runs.
    package internal(set) var deviceURL = ""

    /// Its `[[modbus]]` table; a different `timeout` makes another configuration that reads the
    /// same device on the same ticks (what a configuration push sends).
    func device(timeout: Int64) -> String {
        """
        [[modbus]]
        name = "device"
        url = "\(deviceURL)"
        profile = "\(profile)"
        interval = "\(interval / 1_000_000)ms"
        timeout = "\(timeout)ms"

        """
    }

    /// Its usual device timeout, ms.
    var timeout: Int64 { min(300, interval / 2_000_000) }

    func writeConfiguration(deviceURL: String, hubKey: String) throws {
        self.deviceURL = deviceURL
        let key = folder + "/signing.key"
        try FileIO.write(Array(identity.privateKeyPEM.utf8), to: key, mode: 0o600)
        let buffer = quota.map { "quota = \"\($0)\"\npolicy = \"drop_oldest\"\n" } ?? ""
        let text = """
            [gateway]
            id = "\(id)"
            data_dir = "\(folder)/data"

            [uplink]
            broker = "mqtt://127.0.0.1:\(relay.port)"
            signing_key = "\(key)"
            batch_max_age = "2s"
            ack_timeout = "5s"
            keepalive = "5s"
            reconnect_max = "2s"
            hub_key = "\(hubKey)"

            [buffer]
            commit_interval = "\(commitInterval / 1_000_000)ms"
            \(buffer)
            \(device(timeout: timeout))
            """
        try FileIO.write(Array(text.utf8), to: folder + "/agent.toml")
    }

    func startAgent() throws {
        agent = try SpawnedProcess.agent(configuration: folder + "/agent.toml", log: folder + "/agent.log")
    }

    func silenceDevice() { device?.pause() }

    func resumeDevice() {
        resumes.append(systemWallClock())  // before SIGCONT: its first answers come at once
        device?.resume()
    }

    func killAgent() {
        kills.append(systemWallClock())
        agent?.kill()
        agent = nil
    }
}

/// The whole system of a fault run, as real processes: Mosquitto (persistent, so a restart keeps
/// sessions), `outpost-hub serve` with every gateway enrolled, and the gateways.
package final class ChaosFleet {
    /// Where everything lives.
    package let root: String
    /// The gateways.
    package let gateways: [ChaosGateway]
    let brokerPort: Int
    let hubFolder: String
    var broker: SpawnedProcess?
    var hub: SpawnedProcess?
    /// The fleet key the hub signs configurations with.
    let fleet: GatewayIdentity
    /// The hub's API, and an operator token for it (set by `start`).
    package internal(set) var hubURL = ""
    package internal(set) var token = ""

    /// Builds the fleet in `root`: `gateways` gateways (the last with a small quota and a busy
    /// meter, so a cut link fills it in under a minute). Nothing runs yet.
    package init(root: String, gateways count: Int) throws {
        self.root = root
        let (broker, port) = try BenchBroker.start(in: root, persistent: true)
        self.broker = broker
        brokerPort = port
        hubFolder = root + "/hub"
        try FileIO.makeDirectory(hubFolder)
        fleet = try GatewayIdentity.generate(gatewayID: "fleet")
        try FileIO.write(Array(fleet.privateKeyPEM.utf8), to: hubFolder + "/fleet-key.pem", mode: 0o600)
        try FileIO.write(Array(fleet.publicKeyPEM.utf8), to: root + "/fleet.pem")
        var gateways: [ChaosGateway] = []
        for index in 0..<count {
            let quota = index == count - 1
            gateways.append(
                try ChaosGateway(
                    index: index, profile: quota ? "eastron-sdm630" : "xy-md02",
                    interval: quota ? 250_000_000 : 1_000_000_000, quota: quota ? "16kB" : nil, root: root,
                    brokerPort: port))
        }
        self.gateways = gateways
    }

    /// The hub's store.
    package var hubStorePath: String { hubFolder + "/data/hub.db" }

    /// Starts the devices, enrols every gateway, starts the hub, then the agents.
    package func start(seed: UInt64) async throws {
        try FileIO.makeDirectory(hubFolder + "/data")
        let store = try SQLiteHubStore(path: hubStorePath)
        for (index, gateway) in gateways.enumerated() {
            let url = try gateway.startDevice(seed: seed &+ UInt64(index))
            try gateway.writeConfiguration(deviceURL: url, hubKey: root + "/fleet.pem")
            try await BenchHub.enrol(gateway.identity, in: store)
        }
        token = try await Accounts(store: store).addToken(
            name: "chaos", role: .operator, createdBy: Accounts.localCreator
        ).secret
        let port = try BenchHub.writeConfiguration(
            to: hubFolder + "/hub.toml", dataDirectory: hubFolder + "/data", brokerPort: brokerPort,
            clientID: "chaos-hub", fleetKey: hubFolder + "/fleet-key.pem")
        hubURL = "http://127.0.0.1:\(port)"
        try startHub()
        for gateway in gateways { try gateway.startAgent() }
    }

    func startHub() throws {
        hub = try BenchHub.start(
            configuration: hubFolder + "/hub.toml", ready: "outpost-hub listening", log: hubFolder + "/hub.log")
    }

    func killHub() {
        hub?.kill()
        hub = nil
    }

    func stopBroker() {
        broker?.stop()
        broker = nil
    }

    func startBroker() throws {
        (broker, _) = try BenchBroker.start(in: root, persistent: true, port: brokerPort)
    }

    /// Stops the agents gracefully (each delivers what it can), then the devices, the hub and the broker.
    package func stopAll() {
        for gateway in gateways where gateway.agent != nil {
            gateway.stoppedAt = systemWallClock()
            gateway.agent?.stop()
            gateway.agent = nil
        }
        for gateway in gateways {
            gateway.device?.stop()
            gateway.relay.stop()
        }
        hub?.stop()
        hub = nil
        broker?.stop()
        broker = nil
    }
}
