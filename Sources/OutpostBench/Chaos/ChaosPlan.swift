import OutpostDatasets

/// One fault the fault run injects: what, where, when (seconds from the start of the run) and for
/// how long.
package struct ChaosFault: Sendable, Hashable, Codable {
    /// The faults the field delivers.
    package enum Kind: String, Sendable, Codable, CaseIterable, Comparable {
        /// Mosquitto stopped, then started again on its port.
        case brokerRestart = "broker_restart"
        /// `outpost-agent` killed with SIGKILL, then started again.
        case agentKill = "agent_kill"
        /// `outpost-hub serve` killed with SIGKILL, then started again.
        case hubKill = "hub_kill"
        /// One gateway's link cut: nothing passes either way.
        case linkCut = "link_cut"
        /// The hub's acknowledgements to one gateway lost on the way.
        case acknowledgementsDropped = "acks_dropped"
        /// One gateway's device frozen: it holds its connection and answers nothing.
        case deviceSilent = "device_silent"
        /// The link of the gateway with a small quota cut until its outbox is full and evicts.
        case quotaReached = "quota_reached"
        /// A remote configuration pushed to one gateway through the hub's API (its device's
        /// sources stop and start), and another pushed at the fault's end.
        case configurationPush = "config_push"

        package static func < (left: Kind, right: Kind) -> Bool { left.rawValue < right.rawValue }
    }

    /// What happens.
    package var kind: Kind
    /// The gateway (index) it happens to, for the kinds that have one.
    package var gateway: Int?
    /// When it starts, seconds from the start of the run.
    package var start: Double
    /// How long it lasts (the process stays down, the link stays cut), seconds.
    package var duration: Double

    /// When it ends.
    package var end: Double { start + duration }

    /// What it occupies: two faults of one resource never overlap.
    package var resources: [String] {
        switch kind {
        case .brokerRestart: ["broker"]
        case .hubKill: ["hub"]
        case .agentKill: ["agent-\(gateway ?? 0)"]
        case .linkCut, .acknowledgementsDropped: ["link-\(gateway ?? 0)"]
        case .deviceSilent: ["device-\(gateway ?? 0)"]
        case .quotaReached: ["link-\(gateway ?? 0)", "agent-\(gateway ?? 0)"]
        case .configurationPush: ["config-\(gateway ?? 0)"]
        }
    }
}

/// The seeded schedule of a fault run: every kind at least once (in a seeded order), then kinds
/// drawn at random until the run's time is used. The last gateway, with the small quota, gets
/// only the quota fault and the fleet-wide ones. Faults of different resources overlap; faults
/// of one resource are apart by a few seconds.
package enum ChaosPlan {
    /// The schedule for a run of `seconds` over `gateways` gateways, the last of which has the
    /// small quota; faults start after `warmUp` and end by `seconds`.
    package static func make(seed: UInt64, seconds: Double, gateways: Int, warmUp: Double, quotaFill: Double)
        -> [ChaosFault]
    {
        var random = SeededGenerator(seed: seed)
        let quotaGateway = gateways - 1
        let longest = max(15, min(180, seconds / 6))  // "for minutes" in a long run
        // The shortest and longest each kind lasts.
        func span(_ kind: ChaosFault.Kind) -> ClosedRange<Double> {
            switch kind {
            case .brokerRestart: 2...8
            case .hubKill, .agentKill: 1...5
            case .linkCut: 10...longest
            case .acknowledgementsDropped: 10...max(10, longest / 2)
            case .deviceSilent: 5...20
            case .quotaReached: quotaFill...(quotaFill + 10)
            case .configurationPush: 5...20
            }
        }
        var busy: [String: [ClosedRange<Double>]] = [:]
        // The earliest start from `from` at which `fault` fits the run and its resources are free
        // (with 5 s to settle after each fault of the same resource).
        func earliest(_ fault: ChaosFault, from: Double) -> Double? {
            var start = from
            search: while start + fault.duration <= seconds {
                for resource in fault.resources {
                    for taken in busy[resource] ?? []
                    where start < taken.upperBound && taken.lowerBound < start + fault.duration {
                        start = taken.upperBound
                        continue search
                    }
                }
                return start
            }
            return nil
        }
        var faults: [ChaosFault] = []
        var cursor = warmUp
        // Every kind once, in a seeded order; then kinds drawn at random until nothing more fits.
        var required = ChaosFault.Kind.allCases.shuffled(using: &random)
        var misses = 0
        while misses < 20 {
            let all = ChaosFault.Kind.allCases
            let isRequired = !required.isEmpty
            let kind = isRequired ? required.removeFirst() : all[Int.random(in: 0..<all.count, using: &random)]
            let gateway: Int? =
                switch kind {
                case .brokerRestart, .hubKill: nil
                case .quotaReached: quotaGateway
                // The quota gateway has only its own fault and the fleet-wide ones, so that what
                // the policy evicts and what a kill or a frozen device costs stay apart in the count.
                default: Int.random(in: 0..<max(1, gateways - 1), using: &random)
                }
            var fault = ChaosFault(
                kind: kind, gateway: gateway, start: cursor, duration: Double.random(in: span(kind), using: &random))
            var start = earliest(fault, from: cursor)
            if start == nil, isRequired {
                // A kind every run must have: at its shortest, wherever it fits.
                fault.duration = span(kind).lowerBound
                start = earliest(fault, from: warmUp)
            }
            guard let start else {
                misses += 1
                continue
            }
            fault.start = start
            faults.append(fault)
            for resource in fault.resources { busy[resource, default: []].append(fault.start...(fault.end + 5)) }
            cursor = max(cursor, fault.start) + Double.random(in: 3...10, using: &random)
        }
        return faults.sorted { ($0.start, $0.kind) < ($1.start, $1.kind) }
    }
}
