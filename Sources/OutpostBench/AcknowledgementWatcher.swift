import OutpostMQTT
import OutpostWire
import Synchronization

/// Counts the hub's acknowledgements as the broker carries them (`outpost/v1/+/ack`): distinct
/// (gateway, sequence) pairs, so a frame sent twice counts once.
final class AcknowledgementWatcher: Sendable {
    private let client: MQTTClient
    private final class Keys: Sendable {
        let set = Mutex(Set<String>())
    }

    private let keys = Keys()
    private let watching: Task<Void, Never>

    /// Connects to the broker on `port` as `clientID` and starts counting.
    init(port: Int, clientID: String) throws {
        let client = try MQTTClient(.init(host: "127.0.0.1", port: port, clientID: clientID, cleanSession: true))
        let keys = self.keys
        watching = Task {
            for await event in client.events {
                switch event {
                case .connected: try? client.subscribe("outpost/v1/+/ack", qos: 1)
                case .message(let topic, let payload):
                    let sequences = Acknowledgement(json: payload)?.sequences ?? []
                    keys.set.withLock { set in
                        for sequence in sequences { set.insert("\(topic) \(sequence)") }
                    }
                default: break
                }
            }
        }
        self.client = client
        try client.connect(host: "127.0.0.1", port: port, keepalive: 30)
    }

    deinit { stop() }

    /// Frames acknowledged so far.
    var count: Int { keys.set.withLock { $0.count } }

    /// Disconnects.
    func stop() {
        client.shutdown()
        watching.cancel()
    }
}
