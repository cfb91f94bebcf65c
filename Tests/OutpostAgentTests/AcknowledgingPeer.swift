import OutpostMQTT
import OutpostSigning
import OutpostWire
import Synchronization

/// The hub's side of delivery, as small as it can be, built on the wire-format library: takes
/// batches from the broker, verifies them, applies each sequence number once, and acknowledges
/// (unless told to lose acknowledgements).
final class AcknowledgingPeer: Sendable {
    struct Applied: Sendable {
        var sequences: Set<UInt64> = []
        var readings: [String: [Sample]] = [:]
        var copies = 0
        var refused = 0
        var acksToDrop = 0
        var acksDropped = 0
    }

    let client: MQTTClient
    let verifier: GatewayKeyVerifier
    let port: Int
    let state = Mutex(Applied())

    init(port: Int, verifier: GatewayKeyVerifier, tls: MQTTClient.TLSFiles? = nil) throws {
        self.verifier = verifier
        self.port = port
        client = try MQTTClient(
            .init(host: "127.0.0.1", port: port, clientID: "test-hub", tls: tls, cleanSession: true))
    }

    /// Connects, subscribes and handles batches until the client shuts down.
    func run() async {
        do {
            try client.connect(host: "127.0.0.1", port: port, keepalive: 10)
        } catch {
            return
        }
        for await event in client.events {
            switch event {
            case .connected:
                try? client.subscribe(GatewayTopics.allBatches, qos: 1)
            case .message(let topic, let payload):
                handle(topic: topic, payload: payload)
            default:
                break
            }
        }
    }

    private func handle(topic: String, payload: [UInt8]) {
        guard let gateway = GatewayTopics.gateway(of: topic) else { return }
        let frame: BatchFrame
        do {
            frame = try FrameDecoder().decode(payload, verifier: verifier)
        } catch {
            state.withLock { $0.refused += 1 }
            return
        }
        let drop = state.withLock { state -> Bool in
            state.copies += 1
            if state.sequences.insert(frame.sequence).inserted {
                let names = Dictionary(uniqueKeysWithValues: frame.series.map { ($0.id, $0.name) })
                for entry in frame.chunks {
                    if let samples = try? entry.chunk.decode().samples {
                        state.readings[names[entry.seriesID] ?? "?", default: []] += samples
                    }
                }
            }
            if state.acksToDrop > 0 {
                state.acksToDrop -= 1
                state.acksDropped += 1
                return true
            }
            return false
        }
        guard !drop else { return }
        let ack = Acknowledgement(sequences: [frame.sequence], hubTime: frame.createdAt)
        try? client.publish(.init(topic: GatewayTopics(gateway: gateway).ack, payload: ack.encoded(), qos: 1))
    }
}
