import Logging

extension Agent {
    /// Makes `change` (the old sources stopped, their readings committed and sealed): the new
    /// configuration's sources, aggregation and outbox limits take over, and a new version goes
    /// on trial. The outbox and its backlog stay as they are. When the new sources cannot be
    /// created, the last configuration that worked comes back at the next tick.
    func reconfigure(_ change: RemoteConfigurator.Change, aggregator: inout Aggregator) {
        let next = change.overlay?.applied(to: base) ?? base
        let made: ([any SampleSource], SeriesCatalog)
        do {
            made = try Self.makeSources(next, logger: logger)
        } catch {
            if change.trialSeconds != nil {
                remote.failed(change, reason: "its sources could not be created: \(error)")
                uplink.publishStatusSoon()
                return
            }
            // A return to what worked that no longer works: agent.toml alone, or nothing to read.
            logger.error("configuration that worked cannot run again", metadata: ["error": "\(error)"])
            let fallback = (try? Self.makeSources(base, logger: logger)) ?? ([], SeriesCatalog())
            install(base, sources: fallback, aggregator: &aggregator)
            return
        }
        install(next, sources: made, aggregator: &aggregator)
        remote.made(change)
        uplink.publishStatusSoon()
        logger.notice(
            "configuration changed",
            metadata: [
                "version": "\(change.version)", "agent.sources": "\(made.0.count)",
                "trial": "\(change.trialSeconds.map { "\($0) s" } ?? "none: a return")",
            ])
    }

    private func install(
        _ configuration: AgentConfiguration, sources: ([any SampleSource], SeriesCatalog),
        aggregator: inout Aggregator
    ) {
        running.withLock { $0 = Running(configuration: configuration, sources: sources.0, catalog: sources.1) }
        outbox.setLimits(quota: configuration.buffer.quota, policy: configuration.buffer.policy)
        aggregator = Aggregator(rules: configuration.aggregation)
    }
}
