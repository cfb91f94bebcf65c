#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a fault run found, gateway by gateway, and whether it passes: nothing lost beyond the
/// policy's counted evictions and the readings polled but not yet committed at a kill, nothing
/// stored twice or differently, every database intact, and everything drained.
package struct ChaosReport: Sendable, Codable {
    /// One gateway's count.
    package struct Gateway: Sendable, Codable {
        package var id: String
        /// Polls the device answered (its own log).
        package var polls = 0
        /// Readings per poll (the device's points).
        package var pointsPerPoll = 0
        /// Readings in the hub's store.
        package var stored = 0
        /// Readings stored twice (same series and timestamp).
        package var duplicated = 0
        /// Stored readings of bad quality (the device did not answer).
        package var badQuality = 0
        /// Readings of polls answered within a commit interval and a poll before a SIGKILL.
        package var inKillWindow = 0
        /// Readings of polls answered as the agent was being stopped at the end.
        package var afterStop = 0
        /// Polls a frozen device answered when let go, after the agent had given up on them.
        package var staleAnswers = 0
        /// Readings of answered polls not stored and not in any window above.
        package var missingOutsideWindows = 0
        /// Readings the agent says its quota policy evicted.
        package var evictedByAgent: Int64 = 0
        /// Of those, readings of batches sent before they were evicted that reached the hub all
        /// the same (a link that failed after the batch was on its way).
        package var evictedYetDelivered = 0
        /// Readings missing within a stored poll (some of its series stored, others not).
        package var lostWithinPolls = 0
        /// Stored good readings at a tick no answered poll explains.
        package var phantom = 0
        /// Readings the tap saw the agent send.
        package var sent = 0
        /// Sent readings the store does not have.
        package var sentNotStored = 0
        /// Sent readings stored with another value or quality.
        package var storedDifferently = 0
        /// Whether the outbox passed its integrity check.
        package var outboxHealthy = false
        /// Readings still in the outbox after the agent stopped.
        package var leftInOutbox = 0

        /// Readings evicted and never delivered: what the policy really dropped.
        package var evictedAndGone: Int { Int(evictedByAgent) - evictedYetDelivered }
        /// Readings lost: missing within polls, and missing polls the evictions do not account for.
        package var lost: Int { lostWithinPolls + max(0, missingOutsideWindows - evictedAndGone) }
        /// Whether the agent's evictions, less those delivered anyway, are exactly what is missing.
        package var evictionsMatch: Bool { missingOutsideWindows == evictedAndGone }

        init(id: String) { self.id = id }
    }

    package var seed: UInt64 = 0
    package var faultSeconds: Double = 0
    package var faults: [ChaosFault] = []
    package var gateways: [Gateway] = []
    /// `PRAGMA integrity_check` of the hub's store (`["ok"]` when intact).
    package var hubIntegrity: [String] = []
    package var drained = false
    package var drainSeconds: Double = 0
    /// Readings evicted during each quota fault, by gateway.
    package var quotaEvictions: [String: Int64] = [:]
    package var acknowledgementsDropped = 0
    /// Configurations pushed through the hub's API, and those it could not take (the hub down).
    package var configurationPushes = ChaosPusher.Count()
    /// Where each gateway stood with its configuration after the drain ("applied v4").
    package var configurationStates: [String: String] = [:]

    /// Faults injected, by kind.
    package var faultsByKind: [String: Int] {
        faults.reduce(into: [:]) { $0[$1.kind.rawValue, default: 0] += 1 }
    }

    /// Why the run fails; empty when it passes.
    package var failures: [String] {
        var reasons: [String] = []
        for gateway in gateways {
            let name = gateway.id
            if gateway.lost > 0 { reasons.append("\(name): \(gateway.lost) readings lost") }
            if gateway.duplicated > 0 { reasons.append("\(name): \(gateway.duplicated) readings stored twice") }
            if gateway.phantom > 0 {
                reasons.append("\(name): \(gateway.phantom) stored ticks no answered poll explains")
            }
            if gateway.storedDifferently > 0 {
                reasons.append("\(name): \(gateway.storedDifferently) readings stored unlike what was sent")
            }
            if gateway.sentNotStored > 0 {
                reasons.append("\(name): \(gateway.sentNotStored) sent readings not stored")
            }
            if !gateway.evictionsMatch {
                reasons.append(
                    "\(name): \(gateway.missingOutsideWindows) readings missing, the agent counted \(gateway.evictedByAgent) evicted, \(gateway.evictedYetDelivered) of them delivered"
                )
            }
            if !gateway.outboxHealthy { reasons.append("\(name): the outbox failed its integrity check") }
            if gateway.leftInOutbox > 0 {
                reasons.append("\(name): \(gateway.leftInOutbox) readings left in the outbox")
            }
            if gateway.polls == 0 { reasons.append("\(name): the device answered no poll") }
        }
        if hubIntegrity != ["ok"] { reasons.append("hub store integrity: \(hubIntegrity.joined(separator: "; "))") }
        if !drained { reasons.append("the backlog did not drain") }
        return reasons
    }

    /// Whether the run passes.
    package var passed: Bool { failures.isEmpty }

    /// The report as people read it.
    package var text: String {
        var lines = ["Fault run, seed \(seed), \(Int(faultSeconds)) s of faults"]
        lines.append(
            "faults: " + faultsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        )
        lines.append("acknowledgements dropped on the way: \(acknowledgementsDropped)")
        let states = configurationStates.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        lines.append(
            "configurations pushed: \(configurationPushes.accepted) (\(configurationPushes.unreachable) while the hub was down)"
                + (states.isEmpty ? "" : "; after the drain: " + states.joined(separator: ", ")))
        let header = [
            "gateway", "polls", "stored", "bad", "killed", "stopped", "stale", "evicted", "deliv.", "lost", "dup",
            "sent", "unsent",
        ]
        lines.append(header.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined())
        for gateway in gateways {
            let cells = [
                gateway.id, "\(gateway.polls)", "\(gateway.stored)", "\(gateway.badQuality)", "\(gateway.inKillWindow)",
                "\(gateway.afterStop)", "\(gateway.staleAnswers)", "\(gateway.evictedByAgent)",
                "\(gateway.evictedYetDelivered)", "\(gateway.lost)",
                "\(gateway.duplicated)", "\(gateway.sent)", "\(gateway.sentNotStored)",
            ]
            lines.append(cells.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined())
        }
        let quota = quotaEvictions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("evicted during the quota faults: \(quota.isEmpty ? "none" : quota)")
        lines.append(
            "hub store integrity: \(hubIntegrity.joined(separator: "; ")); outboxes intact: \(gateways.allSatisfy(\.outboxHealthy))"
        )
        lines.append(String(format: "drained: %@ in %.1f s", drained ? "yes" : "NO", drainSeconds))
        lines.append(passed ? "PASS" : "FAIL\n  " + failures.joined(separator: "\n  "))
        return lines.joined(separator: "\n")
    }

    /// The report as JSON.
    package var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(Summary(report: self))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private struct Summary: Encodable {
        let report: ChaosReport
        func encode(to encoder: any Encoder) throws {
            try report.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(report.passed, forKey: .passed)
            try container.encode(report.failures, forKey: .failures)
            try container.encode(report.faultsByKind, forKey: .faultsByKind)
        }
        enum Key: String, CodingKey { case passed, failures, faultsByKind = "faults_by_kind" }
    }
}
