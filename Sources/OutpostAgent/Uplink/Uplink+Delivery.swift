import Dispatch
import Logging
import OutpostMQTT
import OutpostSigning
import OutpostSystem
import OutpostWire

extension Uplink {
    /// Reacts to what the connection reports, until the client shuts down.
    func handleEvents() async {
        for await event in client.events {
            switch event {
            case .connected:
                state.withLock { $0.connected = true }
                chargeConnection()
                refusalBackoff.withLock { $0.recordSuccess() }
                nudge()
                logger.info("uplink connected", metadata: ["mqtt.broker": "\(configuration.broker)"])
                do throws(MQTTError) {
                    try client.subscribe(topics.ack, qos: 1)
                    if liveWatch.withLock({ $0.mode == .onDemand }) { try client.subscribe(topics.watch, qos: 1) }
                    if fleet != nil {
                        for kind in Self.documentKinds { try client.subscribe(topics.topic(kind), qos: 1) }
                    }
                } catch {
                    errors.failed("uplink.subscribe", error.description)
                }
            case .refused(let code):
                // 1 (3.1.1) and 0x84 (5): unsupported protocol version: speak 3.1.1, at once.
                // Anything else (not authorised, server busy): try again after a backoff.
                let versionRefused = code == 1 || code == 0x84
                if versionRefused { client.useVersion311() }
                errors.failed("uplink.refused", "the broker refused the connection (reason \(code))")
                let wait =
                    versionRefused
                    ? Duration.zero
                    : refusalBackoff.withLock { backoff in
                        backoff.recordFailure(at: .now, random: Double.random(in: 0..<1))
                        return backoff.delay(afterFailures: backoff.failures, random: Double.random(in: 0..<1))
                    }
                reconnectAfterRefusal(in: wait)
            case .disconnected(let expected):
                let drop = state.withLock { state in
                    state.lostConnection()
                    return state.disconnections
                }
                if !expected {
                    errors.failed("uplink.disconnected", "connection to \(configuration.broker) lost")
                    retrySoonerAfterDrop(drop)
                    superviseReconnect(afterDrop: drop)
                }
            case .published(let id):
                // The broker has it; only the hub's acknowledgement deletes a batch.
                lastPublished.store(id, ordering: .relaxed)
            case .message(let topic, let payload):
                if let budget { budget.charge(budget.cost(topic: topic.utf8.count, payload: payload.count)) }
                if topic == topics.ack {
                    await acknowledge(payload)
                } else if topic == topics.watch {
                    watch(payload)
                } else if let kind = Self.documentKinds.first(where: { topics.topic($0) == topic }) {
                    documentHandlers.withLock { $0[kind] }?(payload)
                    if kind == .config { publishStatusSoon() }
                }
            }
        }
    }

    /// libmosquitto's network loop reconnects by itself after a lost connection, but over TLS a
    /// handshake that fails with a reset (the link still down, the broker restarting) makes its
    /// thread exit for good (eclipse-mosquitto issues 2825 and 3258; Debian 12 ships 2.0.11): the
    /// agent would never connect again. So if the connection has not come back 30 s after a drop,
    /// the agent restarts the loop itself (harmless when the loop was merely waiting), and keeps
    /// trying with its own backoff (1 s doubling to 60 s) until it connects.
    private func superviseReconnect(afterDrop drop: Int) {
        connectQueue.asyncAfter(deadline: DispatchTime.now() + .seconds(30)) { [self] in
            let stalled = state.withLock { !$0.connected && $0.disconnections == drop }
            guard stalled, !client.isShutDown else { return }
            logger.warning(
                "uplink still disconnected 30 s after the drop; restarting the connection",
                metadata: ["mqtt.broker": "\(configuration.broker)"])
            reconnectAfterRefusal(in: .zero)
        }
    }

    /// A broker seen going away is usually restarting: for `soonerFor` after a drop the loop
    /// retries every few seconds (each gateway its own 1-3 s first delay and 8-15 s ceiling, so a
    /// fleet does not come back in one burst) instead of backing off to `reconnect_max`; a
    /// longer outage falls back to the usual schedule, sparing the link and the broker.
    private func retrySoonerAfterDrop(_ drop: Int) {
        let sooner = min(Int(configuration.reconnectMaximum.components.seconds), Int.random(in: 8...15))
        soonerAfterDrop.withLock { $0 = (ContinuousClock.now + Self.soonerFor, .seconds(sooner)) }
        do throws(MQTTError) {
            try client.setReconnectDelays(first: Int.random(in: 1...3), maximum: sooner)
        } catch {
            errors.failed("uplink.connect", error.description)
        }
        connectQueue.asyncAfter(deadline: DispatchTime.now() + .seconds(Int(Self.soonerFor.components.seconds))) {
            [self] in
            guard state.withLock({ !$0.connected && $0.disconnections == drop }), !client.isShutDown else { return }
            try? client.setReconnectDelays(
                first: Int.random(in: 1...3), maximum: Int(configuration.reconnectMaximum.components.seconds))
        }
    }

    /// How long after a drop reconnects stay frequent.
    static let soonerFor: Duration = .seconds(600)

    /// Connects again on the connect queue after `delay` (libmosquitto does not retry a refusal).
    private func reconnectAfterRefusal(in delay: Duration) {
        let nanoseconds = Int(delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)
        connectQueue.asyncAfter(deadline: DispatchTime.now() + DispatchTimeInterval.nanoseconds(nanoseconds)) {
            [self] in
            do throws(MQTTError) {
                try client.reconnectAfterRefusal()
            } catch {
                guard !client.isShutDown else { return }
                errors.failed("uplink.connect", error.description)
                let wait = refusalBackoff.withLock { backoff in
                    backoff.recordFailure(at: .now, random: Double.random(in: 0..<1))
                    return backoff.delay(afterFailures: backoff.failures, random: Double.random(in: 0..<1))
                }
                let sooner = soonerAfterDrop.withLock { $0.flatMap { ContinuousClock.now < $0.until ? $0.cap : nil } }
                reconnectAfterRefusal(in: sooner.map { min(wait, $0) } ?? wait)
            }
        }
    }

    /// A watch document from the hub: checked with the fleet key, then taken or refused. An
    /// empty payload is the hub clearing its retained document: nobody watches.
    func watch(_ payload: [UInt8]) {
        guard !payload.isEmpty else { return liveWatch.withLock { $0.cleared() } }
        let hubNow = self.hubNow
        let refusal: String?
        do throws(DocumentError) {
            guard let fleet else { throw DocumentError("no hub_key to check it with") }
            let document = try fleet.open(payload, topic: topics.watch, as: WatchDocument.self)
            let now = ContinuousClock.now
            let (began, taken) = liveWatch.withLock { watch in
                let before = watch.isLive(at: now)
                let refusal = watch.receive(document, hubNow: hubNow, at: now)
                return (!before && watch.isLive(at: now), refusal)
            }
            refusal = taken
            if refusal == nil {
                liveEncoder.withLock { encoder in
                    if began { encoder.restart() }
                    encoder.hubHolds(document.catalog)
                }
            }
        } catch {
            refusal = liveWatch.withLock { $0.refuse("a watch document was refused: \(error.description)") }
        }
        if let refusal { errors.failed("uplink.watch", refusal) } else { errors.succeeded("uplink.watch") }
    }

    private func acknowledge(_ payload: [UInt8]) async {
        guard let ack = Acknowledgement(json: payload) else {
            errors.failed("uplink.ack", "an acknowledgement that is not valid JSON was ignored")
            return
        }
        do {
            try await outbox.acknowledge(ack.sequences)
            let offset = ack.hubTime - systemWallClock()
            state.withLock {
                $0.acknowledged(ack.sequences, at: .now)
                $0.clockOffset = offset
            }
            nudge()
            errors.succeeded("uplink.disconnected")
        } catch {
            errors.failed("uplink.outbox", "\(error)")
        }
    }

    /// Keeps up to `in_flight` batches published and unacknowledged, oldest first; sends again
    /// what was not acknowledged in time; publishes the status every `status_interval`.
    func pump(status: @escaping @Sendable () async -> [UInt8]) async {
        var lastStatus: ContinuousClock.Instant?
        var lastQuery = ContinuousClock.now
        var lastPing = ContinuousClock.now
        var wasConnected = false
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let connected = state.withLock { $0.connected }
            let statusInterval =
                budget?.statusInterval(configured: configuration.statusInterval) ?? configuration.statusInterval
            let changed = budget?.sendingChanged() ?? false
            let wanted = connected && statusWanted.exchange(false, ordering: .relaxed)
            if connected, wanted || changed || !wasConnected || lastStatus.map({ now - $0 >= statusInterval }) ?? true {
                let document = await status()
                budget?.statusSize(document.count)
                // At the end of a budget the status stops too: the last one said so.
                if budget?.take(.status, topic: topics.status, payload: document.count) ?? true {
                    publish(.init(topic: topics.status, payload: document, qos: 1, retain: true), key: "status")
                }
                lastStatus = now
            }
            if let budget, connected, now - lastPing >= configuration.keepalive {
                // libmosquitto pings on its own while the link is quiet: counted as if it always did.
                budget.charge(LinkCost.ping(tls: budget.tls))
                lastPing = now
            }
            await saveBudget()
            wasConnected = connected
            let (room, inFlight) = state.withLock { state in
                let before = state.inFlight.count
                state.expire(olderThan: configuration.ackTimeout, at: now)
                if state.inFlight.count < before { nudge() }
                return (state.room(window: configuration.inFlight), Set(state.inFlight.keys))
            }
            // Query when told there is something new, and at least every second regardless.
            if room > 0, nudged.exchange(false, ordering: .relaxed) || now - lastQuery >= .seconds(1) {
                lastQuery = now
                do {
                    let budget = budget
                    let topic = topics.batch.utf8.count
                    let admit: @Sendable (FrameKind, Int) -> Bool = { kind, bytes in
                        budget.map { $0.admits(kind, bytes: $0.cost(topic: topic, payload: bytes)) } ?? true
                    }
                    let batches = try await outbox.unsent(
                        limit: room, excluding: inFlight, claiming: true, admit: admit)
                    var sent = 0
                    for batch in batches {
                        guard bandwidth.withLock({ $0.spend(batch.frame.count, at: .now) }) else {
                            nudge()
                            break
                        }
                        let summary = batch.frame.count > 5 && batch.frame[5] == FrameKind.summary.rawValue
                        guard
                            budget?.take(
                                summary ? .summary : .readings, topic: topics.batch, payload: batch.frame.count) ?? true
                        else { break }
                        // Frames sealed by an older agent may carry a high-S signature, which hubs refuse.
                        let frame = LowS.frame(batch.frame)
                        guard publish(.init(topic: topics.batch, payload: frame, qos: 1), key: "batch") else {
                            break
                        }
                        state.withLock { $0.sent(batch.sequence, at: .now) }
                        sent += 1
                    }
                    outbox.release(batches.dropFirst(sent).map(\.sequence))
                } catch {
                    errors.failed("uplink.outbox", "\(error)")
                }
            }
            // Quick while batches are on their way (acks free the window), slower when idle.
            let busy = state.withLock { !$0.inFlight.isEmpty } || nudged.load(ordering: .relaxed)
            do { try await Task.sleep(for: .milliseconds(busy ? 20 : 200)) } catch { return }
        }
    }

    /// Counts a new connection against the budget: CONNECT with its will, CONNACK, the
    /// subscriptions, and the TLS handshake.
    private func chargeConnection() {
        guard let budget else { return }
        var subscriptions = [topics.ack.utf8.count]
        if liveWatch.withLock({ $0.mode == .onDemand }) { subscriptions.append(topics.watch.utf8.count) }
        if fleet != nil { subscriptions += Self.documentKinds.map { topics.topic($0).utf8.count } }
        budget.charge(
            LinkCost.connection(
                clientID: topics.gateway.utf8.count,
                will: (topics.status.utf8.count, StatusDocument.lastWill.count), subscriptions: subscriptions,
                tls: budget.tls))
    }

    @discardableResult
    private func publish(_ message: MQTTClient.Message, key: String) -> Bool {
        do throws(MQTTError) {
            try client.publish(message)
            errors.succeeded("uplink.publish.\(key)")
            return true
        } catch {
            errors.failed("uplink.publish.\(key)", error.description)
            return false
        }
    }
}
