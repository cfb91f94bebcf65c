import Foundation
import OutpostWire
import Synchronization

/// Hears alert events: the webhooks and the live feed.
package protocol AlertListener: Sendable {
    /// `event` is `alert.opened`, `alert.acknowledged` or `alert.resolved`.
    func alertEvent(_ event: String, _ alert: Alert)
}

/// Several listeners as one.
package struct AlertListeners: AlertListener {
    let listeners: [any AlertListener]

    /// Tells each of `listeners` every event.
    package init(_ listeners: [any AlertListener]) { self.listeners = listeners }

    package func alertEvent(_ event: String, _ alert: Alert) {
        for listener in listeners { listener.alertEvent(event, alert) }
    }
}

/// What the WebSocket clients are told: new readings of the series each subscribed to, every
/// gateway state change and every alert event. Each client has a bounded queue; a client too
/// slow to keep up loses its oldest messages (counted), never ingest's time.
package final class LiveFeed: AlertListener, Sendable {
    /// One connected client.
    package struct Subscription: Sendable {
        /// Its id.
        package let id: Int
        /// Its messages (JSON text), until `disconnect`.
        package let messages: AsyncStream<String>
    }

    private struct Client {
        var continuation: AsyncStream<String>.Continuation
        /// The user answerable for it (a session's user, a token's creator).
        var owner: String
        /// Series subscribed to; a gateway with an empty name means all its series.
        var series: Set<SeriesKey> = []
    }

    private struct State {
        var clients: [Int: Client] = [:]
        var nextID = 0
        /// How many clients want each gateway's readings (skips decoding when nobody does).
        var watched: [String: Int] = [:]
        /// Open clients per owner.
        var owners: [String: Int] = [:]
        /// The newest reading time pushed, per watched gateway and series: a batch committed
        /// after the live topic showed newer values pushes only what is newer still.
        var newest: [String: [String: Int64]] = [:]
    }

    private let state = Mutex(State())
    private let droppedCount = Atomic<Int>(0)
    private let pushedCount = Atomic<Int>(0)
    /// Messages queued per client before the oldest are dropped.
    package let queueLimit: Int

    /// Creates a feed with no clients.
    package init(queueLimit: Int = 1000) { self.queueLimit = queueLimit }

    /// Connected clients.
    package var clientCount: Int { state.withLock { $0.clients.count } }
    /// The gateways some client subscribes to: the ones the hub asks for live values.
    package var watchedGateways: Set<String> { state.withLock { Set($0.watched.keys) } }
    /// Messages dropped because a client was too slow.
    package var dropped: Int { droppedCount.load(ordering: .relaxed) }
    /// Messages queued to clients.
    package var pushed: Int { pushedCount.load(ordering: .relaxed) }

    /// The most live connections one user's sessions, or one token, may hold open.
    package static let maxClientsPerOwner = 64

    /// Registers a client of `owner`; nil when the owner holds `maxClientsPerOwner` already.
    package func connect(owner: String = "") -> Subscription? {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(queueLimit))
        let id = state.withLock { state -> Int? in
            guard state.owners[owner, default: 0] < Self.maxClientsPerOwner else { return nil }
            state.owners[owner, default: 0] += 1
            state.nextID += 1
            state.clients[state.nextID] = Client(continuation: continuation, owner: owner)
            return state.nextID
        }
        guard let id else { return nil }
        return Subscription(id: id, messages: stream)
    }

    /// Removes a client.
    package func disconnect(_ id: Int) {
        let client = state.withLock { state -> Client? in
            guard let client = state.clients.removeValue(forKey: id) else { return nil }
            Self.unwatch(client.series, in: &state)
            state.owners[client.owner, default: 1] -= 1
            if state.owners[client.owner] == 0 { state.owners[client.owner] = nil }
            return client
        }
        client?.continuation.finish()
    }

    /// The most series one client may subscribe to (a gateway's "all series" counts as one).
    package static let maxSeriesPerClient = 1000

    /// Adds series (an empty name: every series of that gateway) to a client's subscription;
    /// false, adding none, when that would pass `maxSeriesPerClient`.
    @discardableResult
    package func subscribe(_ id: Int, to series: [SeriesKey]) -> Bool {
        state.withLock { state in
            guard var client = state.clients[id] else { return false }
            let new = Set(series).subtracting(client.series)
            guard client.series.count + new.count <= Self.maxSeriesPerClient else { return false }
            for key in new where client.series.insert(key).inserted { state.watched[key.gateway, default: 0] += 1 }
            state.clients[id] = client
            return true
        }
    }

    /// Removes series from a client's subscription.
    package func unsubscribe(_ id: Int, from series: [SeriesKey]) {
        state.withLock { state in
            guard var client = state.clients[id] else { return }
            let removed = Set(series).intersection(client.series)
            client.series.subtract(removed)
            Self.unwatch(removed, in: &state)
            state.clients[id] = client
        }
    }

    private static func unwatch(_ series: Set<SeriesKey>, in state: inout State) {
        for key in series {
            state.watched[key.gateway, default: 1] -= 1
            if state.watched[key.gateway] == 0 {
                state.watched[key.gateway] = nil
                state.newest[key.gateway] = nil
            }
        }
    }

    /// A frame of `gateway` was committed: its samples go to the clients subscribed to them.
    package func committed(gateway: String, _ plan: IngestPlan) {
        let clients = clients(watching: gateway)
        guard !clients.isEmpty else { return }
        let shown = state.withLock { $0.newest[gateway] ?? [:] }
        // A frame may hold several chunks of one series: their samples go out as one message.
        var samples: [String: [Sample]] = [:]
        for row in plan.chunks {
            let wanted = clients.contains { Self.wants($0.1, gateway: gateway, series: row.series) }
            guard wanted, let columns = try? row.stored.columns() else { continue }
            for index in columns.timestamps.indices where columns.timestamps[index] > shown[row.series, default: .min] {
                samples[row.series, default: []].append(
                    Sample(
                        timestamp: columns.timestamps[index], value: columns.values[index],
                        quality: columns.qualities?[index] ?? .good))
            }
        }
        var messages: [String: String] = [:]
        for (series, rows) in samples {
            let ordered = rows.enumerated().sorted {
                ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset)
            }
            messages[series] = Self.text(
                API.LiveReadings(gateway: gateway, series: series, samples: ordered.map { API.SampleRow($0.element) }))
            if let last = ordered.last?.element.timestamp { shownUpTo(gateway, series, last) }
        }
        for (continuation, series) in clients {
            for (name, message) in messages where Self.wants(series, gateway: gateway, series: name) {
                send(message, to: continuation)
            }
        }
    }

    /// A gateway's live document (`{"time":…,"values":{"series":value,…}}`, from its live topic,
    /// sent while the hub asks for it: `WatchPublisher`): each value goes to the clients
    /// subscribed to its series as a one-sample readings message. A batch committed later pushes
    /// only the readings newer than these, so a client never sees time run backwards.
    package func liveDocument(gateway: String, _ document: LiveDocument) {
        let clients = clients(watching: gateway)
        guard !clients.isEmpty else { return }
        for (series, value) in document.values {
            shownUpTo(gateway, series, document.time)
            let message = Self.text(
                API.LiveReadings(
                    gateway: gateway, series: series,
                    samples: [API.SampleRow(Sample(timestamp: document.time, value: value))]))
            for (continuation, subscription) in clients where Self.wants(subscription, gateway: gateway, series: series)
            {
                send(message, to: continuation)
            }
        }
    }

    /// Notes that the clients watching `gateway` saw `series` up to `time`.
    private func shownUpTo(_ gateway: String, _ series: String, _ time: Int64) {
        state.withLock { state in
            guard state.watched[gateway] != nil else { return }
            state.newest[gateway, default: [:]][series] = max(time, state.newest[gateway]?[series] ?? .min)
        }
    }

    /// The clients subscribed to some series of `gateway`, with their subscriptions.
    private func clients(watching gateway: String) -> [(AsyncStream<String>.Continuation, Set<SeriesKey>)] {
        state.withLock { state in
            guard state.watched[gateway] != nil else { return [] }
            return state.clients.values.filter { client in client.series.contains { $0.gateway == gateway } }
                .map { ($0.continuation, $0.series) }
        }
    }

    /// Whether a subscription holds `series` of `gateway`, by name or as all of the gateway's.
    private static func wants(_ subscription: Set<SeriesKey>, gateway: String, series: String) -> Bool {
        subscription.contains(SeriesKey(gateway: gateway, name: series))
            || subscription.contains(SeriesKey(gateway: gateway, name: ""))
    }

    /// A gateway's state changed (online, silent, offline, revoked).
    package func gatewayChanged(_ overview: GatewayOverview) {
        broadcast(Self.text(API.LiveGateway(gateway: API.Gateway(overview))))
    }

    package func alertEvent(_ event: String, _ alert: Alert) {
        broadcast(Self.text(API.LiveAlert(event: event, alert: API.Alert(alert))))
    }

    private func broadcast(_ message: String) {
        let continuations = state.withLock { $0.clients.values.map(\.continuation) }
        for continuation in continuations { send(message, to: continuation) }
    }

    private func send(_ message: String, to continuation: AsyncStream<String>.Continuation) {
        switch continuation.yield(message) {
        case .dropped: droppedCount.add(1, ordering: .relaxed)
        default: pushedCount.add(1, ordering: .relaxed)
        }
    }

    static func text<Message: APIDocument>(_ message: Message) -> String {
        String(decoding: (try? APIJSON.encode(message)) ?? Array("{}".utf8), as: UTF8.self)
    }
}
