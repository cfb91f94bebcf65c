import OutpostMQTT
import Synchronization

/// What a broker-side client saw on one topic: messages and payload bytes.
package final class TopicCounter: Sendable {
    final class Tally: Sendable {
        let messages = Atomic<Int>(0)
        let bytes = Atomic<Int>(0)
        let last = Mutex<[UInt8]?>(nil)
    }
    private let tally = Tally()
    private let client: MQTTClient
    private let task: Task<Void, Never>

    /// Subscribes to `topic` on the broker at `port` (loopback, no TLS).
    package init(port: Int, topic: String) throws {
        let client = try MQTTClient(.init(host: "127.0.0.1", port: port, clientID: "counter-\(topic)"))
        self.client = client
        let tally = self.tally
        task = Task {
            for await event in client.events {
                if case .connected = event { try? client.subscribe(topic, qos: 0) }
                if case .message(let received, let payload) = event, received == topic {
                    tally.bytes.add(payload.count, ordering: .relaxed)
                    tally.last.withLock { $0 = payload }
                    tally.messages.add(1, ordering: .relaxed)
                }
            }
        }
        try client.connect(host: "127.0.0.1", port: port, keepalive: 5)
    }

    /// Messages seen.
    package var count: Int { tally.messages.load(ordering: .relaxed) }
    /// Payload bytes seen.
    package var bytes: Int { tally.bytes.load(ordering: .relaxed) }
    /// The last payload seen.
    package var last: [UInt8]? { tally.last.withLock { $0 } }

    /// Disconnects.
    package func stop() {
        client.shutdown()
        task.cancel()
    }
}
