import OutpostAgent
import OutpostHub
import OutpostSystem
import OutpostWire

/// The count after a fault run, gateway by gateway, reading by reading: every poll a device
/// answered (from its own log) against the readings the hub stored at that poll's tick, and every
/// reading the agents sent (as a tap on the broker saw it) against the stored one.
struct ChaosAudit {
    let fleet: ChaosFleet
    /// What the tap saw sent: gateway → series → readings (each sequence once).
    let sent: [String: [String: [Sample]]]
    /// Readings of each frame the tap saw, by `gateway/sequence`.
    let sentFrames: [String: Int]

    func report() async throws -> ChaosReport {
        var report = ChaosReport()
        let store = try SQLiteHubStore(path: fleet.hubStorePath)
        let query = QueryEngine(store: store)
        for gateway in fleet.gateways {
            var line = ChaosReport.Gateway(id: gateway.id)
            var stored: [String: [Sample]] = [:]
            for series in try await store.series(gateway: gateway.id) {
                stored[series.key.name] = try await query.range(series.key, Int64.min...Int64.max)
            }
            count(stored: stored, into: &line)
            account(polls: try Self.polls(gateway), stored: stored, gateway: gateway, into: &line)
            compare(sent: sent[gateway.id] ?? [:], stored: stored, into: &line)
            let verification = try OutboxVerification.check(path: gateway.outboxPath)
            line.outboxHealthy = verification.isHealthy
            line.evictedByAgent = verification.statistics?.evictedReadings ?? 0
            line.evictedYetDelivered = try Self.evictedSequences(gateway).reduce(0) {
                $0 + (sentFrames["\(gateway.id)/\($1)"] ?? 0)
            }
            line.leftInOutbox =
                (verification.statistics?.pendingReadings ?? 0) + (verification.statistics?.unsentReadings ?? 0)
            report.gateways.append(line)
        }
        report.hubIntegrity = try SQLiteHubStore.integrityProblems(path: fleet.hubStorePath)
        return report
    }

    /// Readings stored, and readings stored twice (same series, same timestamp).
    private func count(stored: [String: [Sample]], into line: inout ChaosReport.Gateway) {
        for samples in stored.values {
            line.stored += samples.count
            line.duplicated += samples.count - Set(samples.map(\.timestamp)).count
            line.badQuality += samples.count(where: { $0.quality != .good })
        }
    }

    /// How many intervals after its tick a poll may be answered (a 250 ms device on two shared
    /// cores under a full test run was seen answered two intervals late).
    static let lateIntervals = 4

    /// Matches each poll the device answered to the tick the agent stamped it with.
    private func account(
        polls: [Int64], stored: [String: [Sample]], gateway: ChaosGateway, into line: inout ChaosReport.Gateway
    ) {
        let interval = gateway.interval
        var seriesAtTick: [Int64: Int] = [:]
        var goodTicks: Set<Int64> = []
        for samples in stored.values {
            for sample in Set(samples.map(\.timestamp)) { seriesAtTick[sample, default: 0] += 1 }
            for sample in samples where sample.quality == .good { goodTicks.insert(sample.timestamp) }
        }
        let width = stored.count
        line.pointsPerPoll = width
        line.polls = polls.count
        // A tick stored with fewer series than the device has lost readings within one poll.
        line.lostWithinPolls += seriesAtTick.values.reduce(0) { $0 + (width - $1) }
        var claimed: Set<Int64> = []
        let killWindow = gateway.commitInterval + interval + 500_000_000
        var unexplained = 0
        for time in polls {
            let tick = time - time % interval
            // A poll is stamped with its scheduled tick and answered at or after it: in the same
            // interval, or (the poll started late on a loaded machine, or overran) up to a few
            // later. Each stored tick is claimed once, so a wider look-back hides no loss: a poll
            // whose readings are gone still leaves a stored tick or an answer unmatched.
            let candidates = (0...Self.lateIntervals).map { tick - Int64($0) * interval }
            if let match = candidates.first(where: { seriesAtTick[$0] != nil && !claimed.contains($0) }) {
                claimed.insert(match)
                continue
            }
            if gateway.kills.contains(where: { time >= $0 - killWindow && time <= $0 }) {
                line.inKillWindow += width
            } else if let stop = gateway.stoppedAt, time >= stop - 500_000_000 {
                line.afterStop += width
            } else if gateway.resumes.contains(where: { time >= $0 && time <= $0 + 2_000_000_000 }) {
                line.staleAnswers += 1  // requests queued while frozen, answered after the agent gave up
            } else {
                unexplained += width
            }
        }
        line.phantom = goodTicks.subtracting(claimed).count
        line.missingOutsideWindows = unexplained
    }

    /// Every reading the tap saw sent must be stored, identical.
    private func compare(sent: [String: [Sample]], stored: [String: [Sample]], into line: inout ChaosReport.Gateway) {
        for (series, samples) in sent {
            let kept = Dictionary(
                (stored[series] ?? []).map { ($0.timestamp, $0) }, uniquingKeysWith: { first, _ in first })
            line.sent += samples.count
            for sample in samples {
                guard let match = kept[sample.timestamp] else {
                    line.sentNotStored += 1
                    continue
                }
                if !match.isIdentical(to: sample) { line.storedDifferently += 1 }
            }
        }
    }

    /// The batches the agent's quota policy evicted, from its log.
    static func evictedSequences(_ gateway: ChaosGateway) throws -> [Int64] {
        let text = String(decoding: try FileIO.read(gateway.folder + "/agent.log"), as: UTF8.self)
        let key = "outbox.evicted_sequences="
        return text.split(separator: "\n").flatMap { line -> [Int64] in
            guard let start = line.range(of: key)?.upperBound else { return [] }
            let value = line[start...].prefix { $0 != " " }
            return SequenceRanges(parsing: value)?.numbers ?? []
        }
    }

    /// The polls the device answered: its log's `ok` lines, grouped into polls (a poll is a run
    /// of requests starting with the plan's first request), each as the time of its first answer.
    static func polls(_ gateway: ChaosGateway) throws -> [Int64] {
        let text = String(decoding: try FileIO.read(gateway.servedLog), as: UTF8.self)
        var polls: [Int64] = []
        var first: (Substring, Substring)?
        var last: Int64 = .min
        for row in text.split(separator: "\n") {
            let fields = row.split(separator: " ")
            guard fields.count == 5, fields[4] == "ok", let time = Int64(fields[0]) else { continue }
            let request = (fields[1], fields[2])
            if first == nil { first = request }
            if let first, request == first || time - last > gateway.interval / 2 { polls.append(time) }
            last = time
        }
        return polls
    }
}
