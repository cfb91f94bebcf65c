import Synchronization

/// Remembers each gateway's last state, so only changes are pushed to the live feed.
final class GatewayStateWatch: Sendable {
    private let states = Mutex<[String: String]>([:])

    /// The gateways of `fleet` whose state differs from the last look (all of them, the first time).
    func changes(in fleet: [GatewayOverview]) -> [GatewayOverview] {
        states.withLock { states in
            var changed: [GatewayOverview] = []
            for overview in fleet where states[overview.record.id] != overview.state {
                states[overview.record.id] = overview.state
                changed.append(overview)
            }
            return changed
        }
    }
}
