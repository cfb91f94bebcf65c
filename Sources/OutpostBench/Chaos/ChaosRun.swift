import AsyncHTTPClient
import Foundation
import OutpostAgent
import OutpostSystem
import OutpostWire

/// `outpost-bench chaos`: the whole system under the faults the field delivers, counted to the
/// last reading. Starts the fleet, injects the seeded schedule, lets everything drain, stops it,
/// and compares what the devices served and the agents sent with what the hub stored.
package struct ChaosRun {
    /// How the run is shaped.
    package struct Settings: Sendable {
        /// Seconds of faults (after the warm-up); the drain comes after.
        package var seconds: Double
        /// The schedule's seed.
        package var seed: UInt64
        /// How many gateways (the last has the small quota).
        package var gateways: Int
        /// Seconds before the first fault.
        package var warmUp: Double = 10
        /// Seconds a cut link takes to fill the quota gateway's outbox.
        package var quotaFill: Double = 45
        /// The longest the drain may take before the run fails.
        package var drainLimit: Double = 180

        package init(seconds: Double, seed: UInt64, gateways: Int = 3) {
            self.seconds = seconds
            self.seed = seed
            self.gateways = max(2, gateways)
        }
    }

    let settings: Settings
    let root: String
    let progress: @Sendable (String) -> Void

    /// A run in `root` (created; its logs stay there), saying what it does through `progress`.
    package init(settings: Settings, root: String, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.root = root
        self.progress = progress
    }

    /// Runs it and returns the report.
    package func run() async throws -> ChaosReport {
        try FileIO.makeDirectory(root)
        let plan = ChaosPlan.make(
            seed: settings.seed, seconds: settings.warmUp + settings.seconds, gateways: settings.gateways,
            warmUp: settings.warmUp, quotaFill: settings.quotaFill)
        let fleet = try ChaosFleet(root: root, gateways: settings.gateways)
        defer { fleet.stopAll() }
        let tap = try AcknowledgingPeer(
            port: fleet.brokerPort, verifier: AcceptAnySignature(), clientID: "chaos-tap", cleanSession: false)
        tap.state.withLock { $0.acksToDrop = .max }
        let tapTask = Task { await tap.run() }
        defer {
            tap.stop()
            tapTask.cancel()
        }
        // The tap must hold its subscription before the first batch, or it misses the first ones.
        let subscribed = ContinuousClock.now + .seconds(30)
        while !tap.state.withLock({ $0.subscribed }) {
            guard ContinuousClock.now < subscribed else {
                throw BenchFailure("the tap could not subscribe to the broker")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await fleet.start(seed: settings.seed)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        let pusher = ChaosPusher(http: BenchHTTP(client: client), fleet: fleet)
        progress("fleet running in \(root): \(settings.gateways) gateways, \(plan.count) faults to inject")
        let started = ContinuousClock.now
        var evictedBefore: [String: Int64] = [:]
        var quotaEvictions: [String: Int64] = [:]
        for (fault, starting) in Self.actions(plan) {
            try await Task.sleep(until: started + .milliseconds(Int64((starting ? fault.start : fault.end) * 1000)))
            if fault.kind == .quotaReached, let index = fault.gateway {
                // What this quota fault evicted: the count at its end less the count at its start.
                let gateway = fleet.gateways[index]
                if starting {
                    evictedBefore[gateway.id] = Self.evicted(gateway)
                } else {
                    quotaEvictions[gateway.id, default: 0] += Self.evicted(gateway) - (evictedBefore[gateway.id] ?? 0)
                }
            }
            if fault.kind == .configurationPush, let index = fault.gateway {
                await pusher.push(to: fleet.gateways[index], alternate: starting)
            } else {
                try apply(fault, starting: starting, to: fleet)
            }
            progress(
                String(
                    format: "%6.1f s  %@ %@", (ContinuousClock.now - started).seconds, starting ? "start" : "end  ",
                    describe(fault, fleet)))
        }
        let faultsEnded = ContinuousClock.now
        let drained = await drain(fleet)
        let drainSeconds = (ContinuousClock.now - faultsEnded).seconds
        let configurations = await pusher.settledStates()
        progress(
            drained
                ? String(format: "drained in %.1f s; stopping", drainSeconds) : "not drained within the limit; stopping"
        )
        fleet.stopAll()
        tap.stop()
        let (sent, frames) = tap.state.withLock { ($0.readingsByGateway, $0.frameReadings) }
        var report = try await ChaosAudit(fleet: fleet, sent: sent, sentFrames: frames).report()
        report.seed = settings.seed
        report.faultSeconds = settings.seconds
        report.faults = plan
        report.drained = drained
        report.drainSeconds = drainSeconds
        report.quotaEvictions = quotaEvictions
        report.acknowledgementsDropped = fleet.gateways.reduce(0) { $0 + $1.relay.acknowledgementsDropped }
        report.configurationPushes = pusher.pushes.withLock { $0 }
        report.configurationStates = configurations
        return report
    }

    /// Every fault's start and end, in time order.
    static func actions(_ plan: [ChaosFault]) -> [(ChaosFault, Bool)] {
        (plan.map { ($0, true) } + plan.map { ($0, false) }).sorted { left, right in
            (left.1 ? left.0.start : left.0.end) < (right.1 ? right.0.start : right.0.end)
        }
    }

    private func apply(_ fault: ChaosFault, starting: Bool, to fleet: ChaosFleet) throws {
        let gateway = fault.gateway.map { fleet.gateways[$0] }
        switch (fault.kind, starting) {
        case (.brokerRestart, true): fleet.stopBroker()
        case (.brokerRestart, false): try fleet.startBroker()
        case (.hubKill, true): fleet.killHub()
        case (.hubKill, false): try fleet.startHub()
        case (.agentKill, true): gateway?.killAgent()
        case (.agentKill, false): try gateway?.startAgent()
        case (.linkCut, true), (.quotaReached, true): gateway?.relay.set(.cut)
        case (.acknowledgementsDropped, true): gateway?.relay.set(.dropAcknowledgements)
        case (.linkCut, false), (.quotaReached, false), (.acknowledgementsDropped, false): gateway?.relay.set(.pass)
        case (.deviceSilent, true): gateway?.silenceDevice()
        case (.deviceSilent, false): gateway?.resumeDevice()
        case (.configurationPush, _): break  // through the hub's API, by `ChaosPusher`
        }
    }

    private func describe(_ fault: ChaosFault, _ fleet: ChaosFleet) -> String {
        fault.kind.rawValue + (fault.gateway.map { " " + fleet.gateways[$0].id } ?? "")
    }

    /// Waits until every outbox has nothing sealed and unacknowledged and nothing committed
    /// older than a batch's age: what was held through the faults has reached the hub.
    private func drain(_ fleet: ChaosFleet) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(settings.drainLimit)
        while ContinuousClock.now < deadline {
            let now = systemWallClock()
            let done = fleet.gateways.allSatisfy { gateway in
                guard let statistics = try? OutboxVerification.statistics(path: gateway.outboxPath) else {
                    return false
                }
                let recent = statistics.oldestReading.map { now - $0 < 6_000_000_000 } ?? true
                return statistics.unsentBatches == 0 && recent
            }
            if done { return true }
            do {
                try await Task.sleep(for: .milliseconds(500))  // the outboxes are looked at twice a second
            } catch {
                return false
            }
        }
        return false
    }

    static func evicted(_ gateway: ChaosGateway) -> Int64 {
        (try? OutboxVerification.statistics(path: gateway.outboxPath).evictedReadings) ?? 0
    }
}
