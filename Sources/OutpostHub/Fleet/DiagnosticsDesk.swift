import Logging
import OutpostSigning
import OutpostWire

/// Remote diagnostics on the hub: an operator's request is stored and the gateway's open
/// requests are retained, signed, on its diagnose topic (a gateway offline now answers when it
/// is back); an answer, signed with the gateway's enrolled key, is checked and stored, and the
/// open requests are published again without it.
package struct DiagnosticsDesk: Sendable {
    let store: any HubStore
    let registry: GatewayRegistry
    let signer: FleetSigner
    let publish: @Sendable (_ topic: String, _ payload: [UInt8]) -> Bool
    let clock: WallClock
    let logger: Logger

    /// How long a request waits for its gateway, unless asked otherwise: a day.
    package static let defaultLifetime: Int64 = 86_400
    /// The lifetimes a request may ask for.
    package static let lifetimes: ClosedRange<Int64> = 10...(30 * 86_400)

    package init(
        store: any HubStore, registry: GatewayRegistry, signer: FleetSigner,
        clock: @escaping WallClock = systemWallClock,
        logger: Logger, publish: @escaping @Sendable (_ topic: String, _ payload: [UInt8]) -> Bool
    ) {
        (self.store, self.registry, self.signer, self.clock, self.logger) = (store, registry, signer, clock, logger)
        self.publish = publish
    }

    /// Stores a request of `kind` to `gateway` by `person`, open for `lifetime` seconds, and
    /// sends the gateway its open requests; returns the request and whether the broker took it.
    package func request(
        gateway: String, kind: String, device: String?, lifetime: Int64, by person: String
    ) async throws -> (StoredDiagnostic, delivered: Bool) {
        let now = clock()
        var request = StoredDiagnostic(
            gateway: gateway, kind: kind, device: device, requestedBy: person, requestedAt: now,
            expiresAt: now.addingSaturating(lifetime.multipliedSaturating(by: 1_000_000_000)))
        request.id = try await store.addDiagnostic(request)
        return (request, try await send(to: gateway))
    }

    /// Publishes `gateway`'s open requests, retained and signed.
    @discardableResult
    package func send(to gateway: String) async throws -> Bool {
        let now = clock()
        let open = try await store.diagnostics(gateway: gateway, openAt: now, limit: 50)
        let document = DiagnosticRequests(
            gateway: gateway, issuedAt: now,
            requests: open.reversed().map {
                DiagnosticRequests.Request(id: $0.id, kind: $0.kind, device: $0.device, expiresAt: $0.expiresAt)
            })
        let topic = GatewayTopics(gateway: gateway).diagnose
        return publish(topic, try signer.sign(document, topic: topic))
    }

    /// Publishes the open requests of every gateway that has some (after the broker restarted,
    /// which may have lost what it retained); returns how many gateways.
    package func resendOpen() async throws -> Int {
        var sent = 0
        for gateway in try await store.gateways() {
            guard !(try await store.diagnostics(gateway: gateway.id, openAt: clock(), limit: 1)).isEmpty else {
                continue
            }
            if try await send(to: gateway.id) { sent += 1 }
        }
        return sent
    }

    /// Takes an answer from `gateway`'s diagnosis topic: checked against its enrolled key and
    /// stored; anything else is logged and dropped.
    package func receive(from gateway: String, _ payload: [UInt8]) async {
        guard let key = registry.publicKey(of: gateway) else { return }
        let topic = GatewayTopics(gateway: gateway).diagnosis
        do {
            let answer = try DocumentVerifier(rawPublicKey: key).open(
                payload, topic: topic, as: DiagnosticAnswer.self, signer: "gateway \(gateway)'s key")
            guard answer.gateway == gateway else {
                logger.warning("a diagnostic answer for another gateway", metadata: ["gateway": "\(gateway)"])
                return
            }
            let text = DiagnosticAnswer.clipped(answer.text)
            guard
                try await store.answerDiagnostic(
                    answer.request, gateway: gateway, ok: answer.ok, text: text, at: clock())
            else { return }  // answered already, or never asked
            try await send(to: gateway)
        } catch {
            logger.warning(
                "a diagnostic answer was refused", metadata: ["gateway": "\(gateway)", "reason": "\(error)"])
        }
    }
}
