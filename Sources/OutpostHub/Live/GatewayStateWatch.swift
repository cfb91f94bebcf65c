import Logging
import Synchronization

/// Tells the live feed when a gateway's state changes (online, silent, offline, revoked,
/// unenrolled), as things happen to it: a committed frame, a status document, an
/// acknowledgement another replica sent, an enrolment or revocation. It reads a gateway from the
/// store only when its state may have changed (a frame from a gateway already online changes
/// nothing), and finds silence by the deadline each gateway's last news set, not by reading the
/// fleet. While no client is connected it reads nothing at all. Its work runs as jobs of its
/// own, in order, never in ingest's way.
package final class GatewayStateWatch: Sendable {
    private struct Known {
        /// The state last pushed; nil when it was not read (nobody was watching).
        var state: String?
        /// When, without news, the gateway turns silent (online ones only).
        var silentAt: Int64?
    }

    private let store: any HubStore
    private let feed: LiveFeed
    private let silentAfter: Duration
    private let logger: Logger
    private let known = Mutex<[String: Known]>([:])
    private let jobs = SerialJobs()

    /// Watches the gateways of `store` for `feed`; `silentAfter` is the fleet view's silence.
    package init(store: any HubStore, feed: LiveFeed, silentAfter: Duration = .seconds(300), logger: Logger) {
        self.store = store
        self.feed = feed
        self.silentAfter = silentAfter
        self.logger = logger
    }

    /// A frame of `gateway` was stored at `now` (hub time).
    package func frameStored(from gateway: String, at now: Int64) {
        let watched = feed.clientCount > 0
        let unchanged = known.withLock { known in
            let silentAt = now.addingSaturating(silentAfter.nanoseconds)
            guard known[gateway]?.state == "online" || !watched else {
                return false
            }
            // Online already, or nobody watching: only when its silence would begin moves.
            known[gateway, default: Known(state: nil)].silentAt = silentAt
            return true
        }
        if !unchanged { changed(gateway, at: now) }
    }

    /// Something else happened to `gateway` at `now` (a status, an enrolment, a revocation, an
    /// acknowledgement from another replica): its state is read again and pushed if it changed.
    package func changed(_ gateway: String, at now: Int64) {
        jobs.add { await self.refresh(gateway, at: now) }
    }

    /// Pushes the gateways whose silence began by `now`. While nobody watches, deadlines that
    /// pass stay due: they are read once, at the first tick with a client connected.
    package func tick(at now: Int64) {
        guard feed.clientCount > 0 else { return }
        let due = known.withLock { known in known.filter { ($0.value.silentAt ?? .max) <= now }.map(\.key) }
        for gateway in due { changed(gateway, at: now) }
    }

    /// Returns once every change noted so far has been handled (for tests).
    package func settle() async {
        await jobs.settle()
    }

    private func refresh(_ gateway: String, at now: Int64) async {
        guard feed.clientCount > 0 else {
            // Nobody is watching: forget the state, so that the next news once someone is, is read.
            known.withLock { $0[gateway]?.state = nil }
            return
        }
        do {
            guard let record = try await store.gateway(gateway) else { return }
            var query = AlertQuery(states: [.firing, .acknowledged], limit: 10_000)
            query.gateway = gateway
            let overview = GatewayOverview(
                record: record, now: now, silentAfter: silentAfter, openAlerts: try await store.alerts(query).count)
            let silentAt = overview.state == "online" ? record.lastSeen?.addingSaturating(silentAfter.nanoseconds) : nil
            let isNew = known.withLock { known in
                let before = known[gateway]?.state
                known[gateway] = Known(
                    state: overview.state, silentAt: silentAt.map { max($0, now.addingSaturating(1)) })
                return before != overview.state
            }
            if isNew { feed.gatewayChanged(overview) }
        } catch {
            logger.error("could not read a gateway's state", metadata: ["gateway": "\(gateway)", "error": "\(error)"])
        }
    }
}
