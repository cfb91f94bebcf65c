/// Whether a remote configuration just applied holds: it must get a batch acknowledged by the hub
/// (the broker reached, the uplink working) and must not have a source that fails in every poll,
/// within its trial. Pure: the caller passes the clock and the counters.
struct ConfigurationTrial: Sendable, Equatable {
    /// The version on trial.
    var version: Int64
    /// When it started (applied, or the agent restarted during it).
    var started: ContinuousClock.Instant
    /// How long it has.
    var length: Duration

    /// Failed polls, none good, that make a source count as failing in every poll.
    static let failedPolls = 3

    /// What the trial says now.
    enum Verdict: Sendable, Equatable {
        case pending
        case confirmed
        case failed(String)
    }

    /// The verdict at `now`, with the last acknowledgement and the new sources' counters.
    func verdict(
        at now: ContinuousClock.Instant, lastAcknowledgement: ContinuousClock.Instant?,
        sources: [String: SourceCounters.Snapshot]
    ) -> Verdict {
        for (name, counters) in sources.sorted(by: { $0.key < $1.key }) {
            let failures = counters.errors.values.reduce(0) { $0.addingReportingOverflow($1).partialValue }
            // A failing Modbus poll gives bad-quality samples: only good ones say the device answers.
            if counters.goodSamples == 0, failures >= Self.failedPolls {
                let last = counters.lastError.map { ": \($0)" } ?? ""
                return .failed("source \(name) failed in every poll (\(failures) of \(failures))\(last)")
            }
        }
        let acknowledged = lastAcknowledgement.map { $0 > started } ?? false
        // A source that has not polled yet (a long interval) is not waited for past the trial.
        let everyoneRead = sources.values.allSatisfy { $0.goodSamples > 0 }
        if acknowledged, everyoneRead { return .confirmed }
        guard now - started >= length else { return .pending }
        if acknowledged { return .confirmed }
        let seconds = length.components.seconds
        return .failed("no batch acknowledged by the hub within \(seconds) s of applying it (broker unreachable?)")
    }
}
