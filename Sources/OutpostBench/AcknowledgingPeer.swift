import OutpostMQTT
import OutpostSigning
import OutpostWire
import Synchronization

/// The hub's side of delivery, as small as it can be, built on the wire-format library: takes
/// batches from the broker, verifies them, applies each sequence number once, and acknowledges
/// (unless told to lose acknowledgements). The agent's tests and `outpost-bench agent` use it
/// until they can use the hub itself.
package final class AcknowledgingPeer: Sendable {
    /// What it has applied.
    package struct Applied: Sendable {
        /// Frames applied, as `gateway/sequence`.
        package var sequences: Set<String> = []
        /// Readings of each frame applied, by `gateway/sequence`.
        package var frameReadings: [String: Int] = [:]
        /// Readings applied, by gateway and series (when `keepsReadings`).
        package var readingsByGateway: [String: [String: [Sample]]] = [:]
        /// Readings applied, by series, every gateway's together.
        package var readings: [String: [Sample]] {
            readingsByGateway.values.reduce(into: [:]) { all, series in all.merge(series) { $0 + $1 } }
        }
        /// Readings applied, counted.
        package var readingCount = 0
        /// Copies received (a batch sent again counts twice).
        package var copies = 0
        /// Frames refused (bad signature, damaged).
        package var refused = 0
        /// Acknowledgements still to lose.
        package var acksToDrop = 0
        /// Acknowledgements lost so far.
        package var acksDropped = 0
        /// Subscriptions or acknowledgements the client could not send.
        package var failures = 0
        /// Whether it has subscribed to the batch topic.
        package var subscribed = false
    }

    /// The MQTT client.
    package let client: MQTTClient
    let verifier: any FrameVerifier
    let port: Int
    let keepsReadings: Bool
    /// What it has applied.
    package let state = Mutex(Applied())

    /// Creates the peer for the broker on `port`; `keepsReadings` false only counts them.
    /// With `cleanSession` false the broker keeps what arrives for it while it is disconnected.
    package init(
        port: Int, verifier: any FrameVerifier, tls: MQTTClient.TLSFiles? = nil, keepsReadings: Bool = true,
        clientID: String = "test-hub", cleanSession: Bool = true
    ) throws {
        self.keepsReadings = keepsReadings
        self.verifier = verifier
        self.port = port
        client = try MQTTClient(
            // Back within a second of a restarted broker, as a test that restarts it expects.
            .init(
                host: "127.0.0.1", port: port, clientID: clientID, tls: tls, cleanSession: cleanSession,
                reconnectMaximum: 1))
    }

    /// Disconnects; `run()` then returns.
    package func stop() { client.shutdown() }

    /// Connects, subscribes and handles batches until `stop()`.
    package func run() async {
        do {
            try client.connect(host: "127.0.0.1", port: port, keepalive: 10)
        } catch {
            return
        }
        for await event in client.events {
            switch event {
            case .connected:
                do {
                    try client.subscribe(GatewayTopics.allBatches, qos: 1)
                    state.withLock { $0.subscribed = true }
                } catch {
                    state.withLock { $0.failures += 1 }
                }
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
            if state.sequences.insert("\(gateway)/\(frame.sequence)").inserted {
                state.readingCount += frame.sampleCount
                state.frameReadings["\(gateway)/\(frame.sequence)"] = frame.sampleCount
                if keepsReadings {
                    let names = Dictionary(
                        frame.series.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
                    for entry in frame.chunks {
                        do {
                            state.readingsByGateway[gateway, default: [:]][names[entry.seriesID] ?? "?", default: []] +=
                                try entry.chunk.decode().samples
                        } catch {
                            state.refused += 1  // cannot happen after the decoder validated the frame
                        }
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
        do {
            try client.publish(.init(topic: GatewayTopics(gateway: gateway).ack, payload: ack.encoded(), qos: 1))
        } catch {
            state.withLock { $0.failures += 1 }
        }
    }
}
