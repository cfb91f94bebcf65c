import Dispatch
import Logging
import OutpostMQTT
import OutpostSigning
import OutpostSystem
import OutpostWire
import Synchronization

/// Sends sealed batches from the outbox to the hub over MQTT and deletes them only when the hub
/// acknowledged them (ARCHITECTURE.md, "Delivery"); publishes the gateway's retained status (the
/// last will says offline) and the latest values on the live topic.
package final class Uplink: Sendable {
    let configuration: AgentConfiguration.Uplink
    let topics: GatewayTopics
    let outbox: Outbox
    let client: MQTTClient
    let logger: Logger
    let errors: RepeatedErrorLog
    let state = Mutex(UplinkState())
    let bandwidth: Mutex<ByteBudget>
    let connectQueue = DispatchQueue(label: "outpost.uplink.connect")
    /// Set when the outbox may have something new to send (a batch sealed, an ack, a reconnect),
    /// so an idle uplink does not query the outbox fifty times a second.
    let nudged = Atomic<Bool>(true)
    /// Spaces out reconnects after the broker refused the connection.
    let refusalBackoff: Mutex<Backoff>
    /// After a drop, until when reconnects wait at most how long (`retrySoonerAfterDrop`).
    let soonerAfterDrop = Mutex<(until: ContinuousClock.Instant, cap: Duration)?>(nil)
    /// The message id of the last PUBACK.
    let lastPublished = Atomic<Int32>(0)
    /// Whether live values go out now (`[uplink] live`, the hub's watch documents).
    let liveWatch: Mutex<LiveWatch>
    /// Checks the hub's documents; nil without `hub_key`.
    let fleet: FleetVerifier?
    /// Writes live values in the compact form, on demand.
    let liveEncoder = Mutex(LiveEncoder())
    /// The data budget; nil without `max_bytes_per_day` or `_per_month`.
    package let budget: LinkBudget?
    /// Takes what arrives on the hub's signed-document topics (config, diagnose: subscribed only
    /// with a fleet key), by kind; set by the agent before it runs.
    let documentHandlers = Mutex<[GatewayTopics.Kind: @Sendable ([UInt8]) -> Void]>([:])
    /// Set when the status changed in a way the hub should hear of soon (a configuration applied
    /// or rolled back): published at once rather than at the next interval.
    let statusWanted = Atomic<Bool>(false)

    /// Creates the uplink for `gatewayID`; nothing is sent until `run()`.
    package init(
        configuration: AgentConfiguration.Uplink, gatewayID: String, outbox: Outbox, fleet: FleetVerifier? = nil,
        budget: LinkBudget? = nil, logger: Logger
    ) throws(MQTTError) {
        self.configuration = configuration
        self.fleet = fleet
        self.budget = budget
        // Without the key no watch document can be checked: on demand would never go live.
        liveWatch = Mutex(
            LiveWatch(
                mode: configuration.live == .onDemand && fleet == nil ? .never : configuration.live, gateway: gatewayID)
        )
        topics = GatewayTopics(gateway: gatewayID)
        self.outbox = outbox
        self.logger = logger
        errors = RepeatedErrorLog(logger: logger)
        bandwidth = Mutex(ByteBudget(bytesPerSecond: configuration.bandwidthLimit))
        let tls = configuration.caFile.map {
            MQTTClient.TLSFiles(
                caFile: $0, certificateFile: configuration.certificateFile, keyFile: configuration.keyFile)
        }
        let keepalive = Int(configuration.keepalive.components.seconds)
        client = try MQTTClient(
            .init(
                host: configuration.broker.host, port: configuration.broker.port, clientID: gatewayID,
                keepalive: max(5, keepalive), tls: tls,
                will: .init(topic: topics.status, payload: StatusDocument.lastWill, qos: 1, retain: true),
                maxInflight: configuration.inFlight,
                reconnectMaximum: Int(configuration.reconnectMaximum.components.seconds)))
        refusalBackoff = Mutex(Backoff(initial: .seconds(1), maximum: configuration.reconnectMaximum))
    }

    /// Connects (retrying with backoff until the broker answers), then keeps the window of
    /// batches full until cancelled. `status` is asked for the status document now and then.
    package func run(status: @escaping @Sendable (_ state: String) async -> [UInt8]) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.handleEvents() }
            group.addTask {
                guard await self.connectWithBackoff() else { return }
                await self.pump(status: { await status(StatusDocument.online) })
            }
            await group.next()
            group.cancelAll()
            // A clean stop says so itself (the last will covers only vanishing).
            let document = state.withLock({ $0.connected }) ? await status(StatusDocument.offline) : nil
            // With a budget, only when it fits (DISCONNECT's two bytes counted with it).
            if let document,
                budget.map({
                    $0.take(.status, bytes: $0.cost(topic: topics.status.utf8.count, payload: document.count) + 2)
                })
                    ?? true
            {
                do throws(MQTTError) {
                    let id = try client.publish(.init(topic: topics.status, payload: document, qos: 1, retain: true))
                    // Let the broker take it (PUBACK) before the connection closes; at most a second.
                    let deadline = ContinuousClock.now + .seconds(1)
                    while lastPublished.load(ordering: .relaxed) != id, ContinuousClock.now < deadline {
                        try? await Task.sleep(for: .milliseconds(10))
                    }
                } catch {
                    errors.failed("uplink.publish.status", error.description)
                }
            }
            client.shutdown()  // ends the event stream, so the other task ends too
            await saveBudget(force: true)
        }
    }

    /// Saves the budget's count when enough was counted since the last save (a hundredth of
    /// the limit, at least 64 kB), or when `force`.
    func saveBudget(force: Bool = false) async {
        guard let budget,
            let count = budget.unsaved(
                threshold: max(65_536, (configuration.dataBudget?.bytes ?? 0) / 100), force: force)
        else { return }
        do {
            try await outbox.saveBudget(period: count.period, used: count.used)
        } catch {
            errors.failed("uplink.budget", "the data budget's count could not be saved: \(error)")
        }
    }

    /// Tells the uplink the outbox has new batches.
    package func nudge() { nudged.store(true, ordering: .relaxed) }

    /// What the uplink knows, for status.
    package struct Snapshot: Sendable {
        package var connected: Bool
        package var inFlight: Int
        package var published: Int
        package var resent: Int
        package var clockOffset: Int64?
        /// `LiveWatch.state`, and why the last watch document was refused.
        package var live: String
        package var liveRefusal: String?
        /// The data budget's state, when there is one.
        package var budget: StatusDocument.Budget?
    }

    /// What the uplink knows now, for status.
    package var snapshot: Snapshot {
        let (live, refusal) = liveWatch.withLock { ($0.state(at: .now), $0.lastRefusal) }
        let budget = budget?.document
        return state.withLock {
            Snapshot(
                connected: $0.connected, inFlight: $0.inFlight.count, published: $0.published,
                resent: $0.resentAfterTimeout, clockOffset: $0.clockOffset, live: live, liveRefusal: refusal,
                budget: budget)
        }
    }

    /// When the hub last acknowledged something.
    package var lastAcknowledgement: ContinuousClock.Instant? { state.withLock { $0.lastAcknowledgement } }

    /// Hands what arrives on the topic of `kind` (config, diagnose) to `handler`.
    package func handle(_ kind: GatewayTopics.Kind, with handler: @escaping @Sendable ([UInt8]) -> Void) {
        documentHandlers.withLock { $0[kind] = handler }
    }

    /// The hub's topics the uplink subscribes to with a fleet key: its signed documents, and the
    /// release chunks it answers requests with.
    static let documentKinds: [GatewayTopics.Kind] = [.config, .diagnose, .release, .releaseChunk]

    /// Asks the hub for release bytes (QoS 1) when the bandwidth cap and the data budget have
    /// room for what will come back; false when not now.
    package func requestRelease(_ request: ReleaseRequest) -> Bool {
        guard state.withLock({ $0.connected }) else { return false }
        let payload = request.encoded()
        let incoming = Int(request.length) + 64
        guard bandwidth.withLock({ $0.spend(incoming + payload.count, at: .now) }) else { return false }
        if let budget {
            // The reply is charged as it arrives; it must fit outside the reserve kept for the
            // summaries and status, as readings must.
            guard budget.admits(.readings, bytes: incoming),
                budget.take(.live, topic: topics.releaseGet, payload: payload.count)
            else { return false }
        }
        do throws(MQTTError) {
            try client.publish(.init(topic: topics.releaseGet, payload: payload, qos: 1))
            return true
        } catch {
            errors.failed("uplink.publish.release", error.description)
            return false
        }
    }

    /// Publishes a diagnostic answer (QoS 1), counted against the data budget; false when it
    /// could not go now.
    package func publishDiagnosis(_ payload: [UInt8]) -> Bool {
        guard state.withLock({ $0.connected }) else { return false }
        guard budget?.take(.status, topic: topics.diagnosis, payload: payload.count) ?? true else { return false }
        do throws(MQTTError) {
            try client.publish(.init(topic: topics.diagnosis, payload: payload, qos: 1))
            return true
        } catch {
            errors.failed("uplink.publish.diagnosis", error.description)
            return false
        }
    }

    /// The hub's clock now, as the agent knows it: its wall clock plus the offset its
    /// acknowledgements measured.
    package var hubNow: Int64 { systemWallClock().addingSaturating(state.withLock { $0.clockOffset } ?? 0) }

    /// Asks for the status to be published at once.
    package func publishStatusSoon() { statusWanted.store(true, ordering: .relaxed) }

    /// How long ago the hub last acknowledged something.
    package var lastAcknowledgementAge: Duration? {
        state.withLock { $0.lastAcknowledgement.map { ContinuousClock.now - $0 } }
    }

    /// Whether live values go out now.
    package var isLive: Bool { liveWatch.withLock { $0.isLive(at: .now) } }

    /// Publishes the latest values of `samples` (QoS 0, never queued behind a backlog) while
    /// they go out: on demand as a compact frame (what moved, against `descriptions`' resolutions),
    /// always as a JSON `LiveDocument` at `time` (hubs before the compact form read only that).
    package func publishLive(_ samples: [SourceSample], descriptions: SeriesCatalog, time: Int64) {
        guard isLive, state.withLock({ $0.connected }) else { return }
        let payload: [UInt8]? =
            liveWatch.withLock({ $0.mode == .onDemand })
            ? liveEncoder.withLock { $0.frame(samples, descriptions: descriptions, at: .now) }
            : LiveDocument(latestOf: samples, time: time).encoded()
        guard let payload else { return }
        guard budget?.take(.live, topic: topics.live, payload: payload.count, qos: 0) ?? true else { return }
        do throws(MQTTError) {
            try client.publish(.init(topic: topics.live, payload: payload, qos: 0))
        } catch {
            errors.failed("uplink.live", error.description)
        }
    }

    private func connectWithBackoff() async -> Bool {
        let broker = configuration.broker
        let connected = await client.connectRetrying(
            host: broker.host, port: broker.port, keepalive: max(5, Int(configuration.keepalive.components.seconds)),
            backoff: Backoff(initial: .seconds(1), maximum: configuration.reconnectMaximum), on: connectQueue
        ) { error, _ in
            errors.failed("uplink.connect", error.description, metadata: ["mqtt.broker": "\(broker)"])
        }
        if connected { errors.succeeded("uplink.connect") }
        return connected
    }
}
