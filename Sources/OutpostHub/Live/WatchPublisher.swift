import Logging
import OutpostSigning
import OutpostWire
import ServiceLifecycle

/// Tells gateways when someone watches them, so that agents on `live = "on-demand"` publish
/// their latest values only then: for every gateway a WebSocket client subscribes to, a signed
/// `WatchDocument` retained on its watch topic, asking for live values for `WatchDocument.span`
/// and renewed every `WatchDocument.renewal` while the gateway is watched. Nothing is sent when
/// the last client leaves: the document runs out by itself, which also keeps hub replicas (each
/// with clients of its own) from switching off a gateway another replica's client watches.
struct WatchPublisher: Service {
    let feed: LiveFeed
    /// The compact live catalogs the hub holds, named in each document.
    let live: LiveValues
    let signer: FleetSigner
    let logger: Logger
    /// Publishes retained on a topic; false when it could not (the broker away).
    let publish: @Sendable (_ topic: String, _ payload: [UInt8]) -> Bool
    var clock: @Sendable () -> Int64 = systemWallClock

    func run() async throws {
        var renewals = WatchRenewals()
        // A newly watched gateway is told within a second; cancellation (shutdown) ends it.
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let now = ContinuousClock.now
            let watched = feed.watchedGateways
            for gateway in live.takeWanting() where watched.contains(gateway) { renewals.expedite(gateway, at: now) }
            for gateway in renewals.due(watched: watched, at: now) where send(to: gateway) {
                renewals.sent(to: gateway, at: now)
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func send(to gateway: String) -> Bool {
        let document = WatchDocument(gateway: gateway, issuedAt: clock(), catalog: live.catalog(of: gateway))
        let topic = GatewayTopics(gateway: gateway).watch
        do {
            return publish(topic, try signer.sign(document, topic: topic))
        } catch {
            logger.error("could not sign a watch document", metadata: ["gateway": "\(gateway)", "error": "\(error)"])
            return false
        }
    }
}

/// Which watched gateways are due a watch document: one not told yet, or told `renewal` ago.
/// Pure: the caller passes the time.
package struct WatchRenewals: Sendable {
    private var told: [String: ContinuousClock.Instant] = [:]

    /// The gateways of `watched` due a document at `now`; forgets the ones no longer watched,
    /// so a gateway watched again is told at once.
    package init() {}

    package mutating func due(watched: Set<String>, at now: ContinuousClock.Instant) -> [String] {
        told = told.filter { watched.contains($0.key) }
        return watched.filter { told[$0].map { now - $0 >= WatchDocument.renewal } ?? true }.sorted()
    }

    /// `gateway` lacks what the hub needs to read its live values: due again now, unless told
    /// within `WatchDocument.prompt` (so a gateway is not asked at every frame).
    package mutating func expedite(_ gateway: String, at now: ContinuousClock.Instant) {
        guard let last = told[gateway], now - last >= WatchDocument.prompt else { return }
        told[gateway] = nil
    }

    /// Records a document sent to `gateway` at `now`.
    package mutating func sent(to gateway: String, at now: ContinuousClock.Instant) { told[gateway] = now }
}
