import Foundation
import OutpostSystem

/// What `outpost-bench fleet` asks the hub's API: pushes, a rollout, and the fleet list it
/// watches to see gateways applied.
struct FleetAPI: Sendable {
    let http: BenchHTTP
    let base: String
    let token: String

    var authorization: [(String, String)] { [("Authorization", "Bearer \(token)")] }

    /// Pushes `toml` to `gateway`.
    func push(_ gateway: String, _ toml: String) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["toml": toml, "trial_s": 60])
        try await http.send(
            .PUT, "\(base)/api/v1/gateways/\(gateway)/config", body: Array(body),
            headers: authorization + [("Content-Type", "application/json")])
    }

    /// Starts a rollout of `toml` to every gateway labelled `fleet=bench`; returns its id.
    func startRollout(_ toml: String, canary: Int) async throws -> Int64 {
        try await startRollout(["toml": toml], canary: canary, token: token)
    }

    /// Starts a rollout of `what` (`toml` or `release`) to every gateway labelled `fleet=bench`.
    private func startRollout(_ what: [String: Any], canary: Int, token given: String) async throws -> Int64 {
        var fields: [String: Any] = ["label": "fleet=bench", "canary": canary, "trial_s": 60]
        fields.merge(what) { $1 }
        let body = try JSONSerialization.data(withJSONObject: fields)
        let answer = try await http.post(
            "\(base)/api/v1/rollouts", body: Array(body),
            headers: [("Authorization", "Bearer \(given)"), ("Content-Type", "application/json")])
        let object = try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any]
        guard let id = (object?["rollout"] as? [String: Any])?["id"] as? Int64 else {
            throw BenchFailure("the rollout was not started: \(String(decoding: answer.prefix(300), as: UTF8.self))")
        }
        return id
    }

    /// A gateway in the fleet list: the configuration it applied, the release it runs.
    struct Report {
        var applied: Int64?
        var release: String?
    }

    /// The fleet list, by id: the gateways whose configuration the hub knows.
    func configurations() async throws -> [String: Report] {
        let (_, body) = try await http.get("\(base)/api/v1/gateways?limit=5000", token: token)
        let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        var result: [String: Report] = [:]
        for gateway in object?["gateways"] as? [[String: Any]] ?? [] {
            guard let id = gateway["id"] as? String, let state = gateway["configuration"] as? [String: Any] else {
                continue
            }
            result[id] = Report(
                applied: state["applied"] as? Int64,
                release: (gateway["release"] as? [String: Any])?["running"] as? String)
        }
        return result
    }

    /// Uploads `file` as a release with its signed manifest (an admin's token).
    func upload(_ file: [UInt8], manifest: [UInt8], token admin: String) async throws {
        _ = try await http.post(
            "\(base)/api/v1/releases", body: file,
            headers: [
                ("Authorization", "Bearer \(admin)"), ("Content-Type", "application/octet-stream"),
                ("Outpost-Release-Manifest", Data(manifest).base64EncodedString()),
            ])
    }

    /// Starts a rollout of release `version` to every gateway labelled `fleet=bench`.
    func startReleaseRollout(_ version: String, canary: Int, token admin: String) async throws -> Int64 {
        try await startRollout(["release": version], canary: canary, token: admin)
    }

    /// Waits until `count` gateways have reported (their configuration known to the hub).
    func waitForReports(_ count: Int, within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await configurations().count >= count { return true }
            try await Task.sleep(for: .milliseconds(500))
        }
        return false
    }

    /// The rollout's targets' push times (ns, hub clock = this machine's), by gateway, and its state.
    func rollout(_ id: Int64) async throws -> (state: String, pushedAt: [String: Int64]) {
        let (_, body) = try await http.get("\(base)/api/v1/rollouts/\(id)", token: token)
        let object =
            (try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["rollout"] as? [String: Any]
        var pushed: [String: Int64] = [:]
        for target in object?["targets"] as? [[String: Any]] ?? [] {
            if let gateway = target["gateway"] as? String, let at = target["pushed_at"] as? Int64 {
                pushed[gateway] = at
            }
        }
        return (object?["state"] as? String ?? "?", pushed)
    }

    /// Watches the fleet list every 200 ms until every gateway shows `done` (at most 10
    /// minutes): the seconds from each push (`pushed`, or the rollout's push times) to then.
    func watch(
        _ name: String, pushed given: [String: Double]?, since start: Double, probe: CostProbe,
        rollout: Int64? = nil, done: (Report) -> Bool
    ) async throws -> FleetBenchmark.Pass {
        var seen: [String: Double] = [:]
        var peak = 0
        let deadline = ContinuousClock.now + .seconds(600)
        var total = 0
        while ContinuousClock.now < deadline {
            let now = Date().timeIntervalSince1970
            let list = try await configurations()
            total = list.count
            for (gateway, report) in list where seen[gateway] == nil && done(report) {
                seen[gateway] = now
            }
            peak = max(peak, ProcessProbe.residentKilobytes(probe.hub))
            if seen.count >= total { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        var pushed = given ?? [:]
        if let rollout {
            for (gateway, at) in try await self.rollout(rollout).pushedAt { pushed[gateway] = Double(at) / 1e9 }
        }
        let latencies = seen.compactMap { gateway, at in pushed[gateway].map { max(0, at - $0) } }.sorted()
        return FleetBenchmark.Pass(
            name: name, latencies: latencies, total: (seen.values.max() ?? start) - start, hubCPU: probe.hubCPU,
            brokerCPU: probe.brokerCPU, hubPeakKB: peak, notApplied: total - seen.count)
    }
}
