import OutpostAgent
import OutpostMQTT
import OutpostSigning
import OutpostSystem
import OutpostWire
import Synchronization

/// Gateways as the hub sees them in fleet management, without their devices: each takes its
/// signed configuration document, checks the signature and the overlay with the agent's own
/// code (`DocumentVerifier`, `RemoteOverlay`), and reports the version applied in its retained
/// status, as an agent does once a configuration is confirmed. Several share one MQTT connection
/// when asked (`outpost-bench fleet --per-connection`).
final class SimulatedGateways: Sendable {
    let client: MQTTClient
    let gateways: [String]
    let verifier: DocumentVerifier
    /// What they run and refused.
    final class State: Sendable {
        /// The version each gateway runs.
        let applied = Mutex<[String: Int64]>([:])
        /// Documents refused (a bad signature, another gateway's, an overlay that does not read).
        let refused = Atomic<Int>(0)
    }
    let state = State()
    private let task: Task<Void, Never>

    /// Connects `gateways` to the broker on `port` over one connection, checking documents with
    /// the fleet's public key `fleetKeyPEM`.
    init(port: Int, gateways: [String], fleetKeyPEM: String, name: String) throws {
        let client = try MQTTClient(.init(host: "127.0.0.1", port: port, clientID: name, keepalive: 60))
        self.client = client
        self.gateways = gateways
        let verifier = try DocumentVerifier(publicKeyPEM: fleetKeyPEM)
        self.verifier = verifier
        let state = state
        task = Task {
            for await event in client.events {
                switch event {
                case .connected:
                    for gateway in gateways {
                        try? client.subscribe(GatewayTopics(gateway: gateway).config, qos: 1)
                        Self.report(gateway, version: state.applied.withLock { $0[gateway] } ?? 0, on: client)
                    }
                case .message(let topic, let payload):
                    guard let (gateway, kind) = GatewayTopics.parse(topic), kind == .config, !payload.isEmpty else {
                        continue
                    }
                    do {
                        let document = try verifier.open(payload, topic: topic, as: ConfigurationDocument.self)
                        guard document.gateway == gateway else { throw DocumentError("another gateway's") }
                        guard document.version > (state.applied.withLock { $0[gateway] } ?? 0) else { continue }
                        _ = try RemoteOverlay(toml: document.toml, file: "v\(document.version)")
                        state.applied.withLock { $0[gateway] = document.version }
                        Self.report(gateway, version: document.version, on: client)
                    } catch {
                        state.refused.add(1, ordering: .relaxed)
                    }
                default:
                    continue
                }
            }
        }
        try client.connect(host: "127.0.0.1", port: port, keepalive: 60)
    }

    /// Publishes `gateway`'s retained status saying it runs `version`.
    static func report(_ gateway: String, version: Int64, on client: MQTTClient) {
        var document = StatusDocument(state: StatusDocument.online)
        (document.gateway, document.version, document.time) = (gateway, "bench", systemWallClock())
        document.connected = true
        document.configuration = RemoteConfigurationStatus(applied: version)
        _ = try? client.publish(
            .init(topic: GatewayTopics(gateway: gateway).status, payload: document.encoded(), qos: 1, retain: true))
    }

    func stop() {
        client.shutdown()
        task.cancel()
    }
}
