import Foundation
import OutpostSystem
import Synchronization

/// The fault run's configuration pushes, through the hub's API as an operator makes them: each
/// sends the gateway's device again with another timeout, so its sources stop and start on the
/// same ticks, and the count of readings must still come out exact.
package final class ChaosPusher: Sendable {
    /// Pushes the hub took, and pushes made while it could not answer.
    package struct Count: Sendable, Codable, Hashable {
        package var accepted = 0
        package var unreachable = 0
    }

    let http: BenchHTTP
    let base: String
    let token: String
    let gateways: [String]
    let pushes = Mutex(Count())

    init(http: BenchHTTP, fleet: ChaosFleet) {
        (self.http, base, token) = (http, fleet.hubURL, fleet.token)
        gateways = fleet.gateways.map(\.id)
    }

    var headers: [(String, String)] { [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")] }

    /// Pushes `gateway`'s device with a shorter timeout (`alternate`) or its usual one.
    func push(to gateway: ChaosGateway, alternate: Bool) async {
        let timeout = alternate ? max(20, gateway.timeout * 2 / 3) : gateway.timeout
        let body =
            (try? JSONSerialization.data(withJSONObject: ["toml": gateway.device(timeout: timeout), "trial_s": 60]))
            .map(Array.init) ?? []
        do {
            try await http.send(.PUT, "\(base)/api/v1/gateways/\(gateway.id)/config", body: body, headers: headers)
            pushes.withLock { $0.accepted += 1 }
        } catch {
            pushes.withLock { $0.unreachable += 1 }
        }
    }

    /// Each gateway's configuration state once none is still on its way or on trial (a push at
    /// the very end of the run), or as it is after `limit`.
    func settledStates(within limit: Duration = .seconds(90)) async -> [String: String] {
        let deadline = ContinuousClock.now + limit
        var states = await states()
        while ContinuousClock.now < deadline,
            states.values.contains(where: { $0.hasPrefix("pending") || $0.hasPrefix("trial") })
        {
            try? await Task.sleep(for: .milliseconds(500))
            states = await self.states()
        }
        return states
    }

    /// Each gateway's configuration state, as the hub shows it: "applied v4", "rolled_back v3".
    func states() async -> [String: String] {
        var states: [String: String] = [:]
        for gateway in gateways {
            guard let (_, body) = try? await http.get("\(base)/api/v1/gateways/\(gateway)/config", token: token),
                let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                let desired = (object["desired"] as? [String: Any])?["version"] as? Int64
            else { continue }
            states[gateway] = "\(object["state"] as? String ?? "?") v\(desired)"
        }
        return states
    }
}
