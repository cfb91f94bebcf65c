import Logging
import OutpostDevices
import OutpostModbus
import OutpostSigning
import OutpostWire
import ServiceLifecycle
import Synchronization

/// The whole agent: sources → pre-aggregation → outbox → uplink, as one service. Built from a
/// checked configuration by `Agent(configuration:…)`; the executable runs it in a ServiceGroup
/// that turns SIGTERM into a graceful shutdown: sources stop, open windows are flushed, the last
/// readings are committed and sealed, the database is closed, and `run()` returns.
package final class Agent: Service {
    /// `agent.toml`: what a remote configuration refines.
    let base: AgentConfiguration
    /// The configuration running, its sources and how their series are described: replaced
    /// together when a remote configuration is applied or given up.
    let running: Mutex<Running>
    /// The hub's remote configuration: what runs, what is on trial.
    let remote: RemoteConfigurator
    let outbox: Outbox
    let uplink: Uplink
    let clock = GatewayClock()
    let notifier = SystemdNotifier()
    let logger: Logger
    let pending = Mutex<[SourceSample]>([])
    /// Outbox failures, logged once and then summarised (a full disk fails every second).
    let storageErrors: RepeatedErrorLog
    /// Readings dropped because the outbox could not take them for so long that the memory
    /// backlog overflowed.
    let lostInMemory = Atomic<Int64>(0)
    /// Readings the sources delivered since start, across every configuration.
    let taken = Atomic<Int>(0)
    let started = systemWallClock()
    let version: String
    /// The last log lines, for remote diagnostics.
    let recentLog = RecentLog()
    /// The releases in the data folder, for the status; and the watch of one on trial, if this
    /// process runs one.
    let releases: ReleaseFolder
    let releaseTrial: ReleaseTrialWatch?
    /// Signs answers to diagnostics with the gateway's key.
    let answerSigner: DocumentSigner
    /// Diagnostic requests answered (or being answered) in this run.
    let diagnosed = Mutex<Set<Int64>>([])
    /// Fetches the release the hub offers; nil without a fleet key and a release key.
    let downloader: ReleaseDownloader?
    /// Set by SIGTERM, or once a downloaded release is installed.
    let stopping = StopFlag()
    /// Set when the agent stopped to start the release it installed: the executable then
    /// starts the launcher again in place of exiting.
    package let restartIntoRelease = Atomic<Bool>(false)

    /// One configuration at work: what it says, its sources, and their series' descriptions.
    struct Running: Sendable {
        var configuration: AgentConfiguration
        var sources: [any SampleSource]
        var catalog: SeriesCatalog
    }

    /// The configuration running: `agent.toml`, refined by the remote configuration if any.
    var configuration: AgentConfiguration { running.withLock { $0.configuration } }
    /// The sources running.
    var sources: [any SampleSource] { running.withLock { $0.sources } }
    /// How the running sources' series are described.
    var catalog: SeriesCatalog { running.withLock { $0.catalog } }

    /// Builds the agent: opens (and if need be salvages) the outbox, reads the signing key,
    /// creates every source. Fails before anything runs.
    package init(
        configuration base: AgentConfiguration, version: String, logger given: Logger,
        releaseTrial: ReleaseTrialWatch? = nil
    ) throws {
        let logger = recentLog.capturing(given)
        self.base = base
        self.version = version
        self.releaseTrial = releaseTrial
        releases = ReleaseFolder(dataDirectory: base.gateway.dataDirectory)
        self.logger = logger
        storageErrors = RepeatedErrorLog(logger: logger, subject: "outbox", level: .error)
        let fleet = try base.uplink.hubKeyFile.map {
            try FleetVerifier(publicKeyPEM: try AgentFiles.readText($0))
        }
        try AgentFiles.makeDirectory(base.gateway.dataDirectory)
        let remote = RemoteConfigurator(
            gateway: base.gateway.id, dataDirectory: base.gateway.dataDirectory, verifier: fleet, logger: logger)
        self.remote = remote
        var configuration = remote.startingConfiguration(base: base)
        let made: ([any SampleSource], SeriesCatalog)
        do {
            made = try Self.makeSources(configuration, logger: logger)
        } catch  where remote.status?.applied ?? 0 > 0 {
            remote.abandon(reason: "its sources could not be created: \(error)")
            configuration = remote.startingConfiguration(base: base)
            made = try Self.makeSources(configuration, logger: logger)
        }
        running = Mutex(Running(configuration: configuration, sources: made.0, catalog: made.1))
        let keyText = try AgentFiles.readText(configuration.uplink.signingKeyFile)
        let signer = try GatewayFrameSigner(privateKeyPEM: keyText)
        answerSigner = try DocumentSigner(privateKeyPEM: keyText)
        outbox = try Outbox(
            .init(
                path: configuration.gateway.dataDirectory + "/outbox.db", gatewayID: configuration.gateway.id,
                quota: configuration.buffer.quota, policy: configuration.buffer.policy), signer: signer, logger: logger)
        let stored = configuration.uplink.dataBudget == nil ? nil : try outbox.storedBudget()
        let budget = configuration.uplink.dataBudget.map { limit in
            LinkBudget(
                limit: limit, stored: stored, statusInterval: configuration.uplink.statusInterval,
                keepalive: configuration.uplink.keepalive, tls: configuration.uplink.broker.tls,
                wall: { systemWallClock() })
        }
        uplink = try Uplink(
            configuration: configuration.uplink, gatewayID: configuration.gateway.id, outbox: outbox, fleet: fleet,
            budget: budget, logger: logger)
        let downloader = try Self.makeDownloader(configuration, fleet: fleet, logger: logger)
        self.downloader = downloader
        uplink.handle(.config) { remote.receive($0) }
        uplink.handle(.diagnose) { [weak self] in self?.diagnose($0) }
        if let downloader {
            uplink.handle(.release) { downloader.receiveOffer($0) }
            uplink.handle(.releaseChunk) { downloader.receiveChunk($0) }
        }
        // Readings are still taken and buffered; only the uplink waits for a valid certificate.
        for problem in configuration.certificateProblems(at: systemWallClock() / 1_000_000_000) {
            logger.error(
                "certificate problem: the broker will refuse the connection", metadata: ["problem": "\(problem)"])
        }
    }

    /// The outbox's state now.
    package func outboxStatistics() async throws -> OutboxStatistics { try await outbox.statistics() }

    /// Readings taken and not yet committed: a commit interval's worth, or more while the
    /// outbox cannot take them (a full disk).
    package var readingsWaitingInMemory: Int { pending.withLock { $0.count } }

    /// Readings the sources delivered since start, across every configuration: what a test
    /// counts against what reached the hub.
    package var readingsTaken: Int { taken.load(ordering: .relaxed) }

    /// Readings dropped because the outbox could not take them until the memory backlog overflowed.
    package var readingsLostInMemory: Int64 { lostInMemory.load(ordering: .relaxed) }

    /// Each source's counters, by source name.
    package var sourceCounters: [String: SourceCounters.Snapshot] {
        Dictionary(sources.map { ($0.name, $0.counters.snapshot) }) { first, _ in first }
    }

    /// Runs until a graceful shutdown (SIGTERM) or cancellation.
    package func run() async throws {
        let stopping = self.stopping
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.uplink.run(status: { await self.status(state: $0).encoded() }) }
                group.addTask {
                    await self.collect(until: stopping)
                }
                if let downloader = self.downloader {
                    group.addTask { await self.fetchReleases(downloader, until: stopping) }
                }
                await group.next()  // collect returns after its final commit
                // Well inside systemd's 20 s stop timeout; a loaded hub or board can take
                // seconds to commit and acknowledge the last batch (2 s was seen to fall short).
                await self.waitForHandover(within: .seconds(6))
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stopping.set()
        }
        notifier.notify("STOPPING=1")
        logger.info("agent stopped", metadata: ["gateway.id": "\(configuration.gateway.id)"])
    }

    /// Lets a connected uplink hand the last sealed batches over and see them acknowledged, for at
    /// most `limit`; what is still unacknowledged then stays in the outbox for the next start.
    private func waitForHandover(within limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, uplink.snapshot.connected {
            guard let statistics = try? await outbox.statistics(), statistics.unsentBatches > 0 else { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Runs the sources and commits what they deliver every commit interval, changing
    /// configuration when the hub's remote configuration says so; after a stop, makes the final
    /// commit.
    private func collect(until stopping: StopFlag) async {
        var aggregator = Aggregator(rules: configuration.aggregation)
        var first = true
        while let change = await runSources(&aggregator, until: stopping, announcing: first) {
            first = false
            // The old sources' last readings are committed and sealed before the new ones start.
            await commit(&aggregator, final: true)
            reconfigure(change, aggregator: &aggregator)
        }
        await commit(&aggregator, final: true)
        await writeStatusFile()
    }

    /// Runs the sources until a stop (nil) or a change of configuration (the change).
    private func runSources(
        _ aggregator: inout Aggregator, until stopping: StopFlag, announcing: Bool
    ) async -> RemoteConfigurator.Change? {
        let sources = self.sources
        return await withTaskGroup(of: Void.self) { sourcesGroup in
            for source in sources {
                sourcesGroup.addTask {
                    await source.run { batch in
                        self.pending.withLock { $0.append(contentsOf: batch) }
                        self.taken.add(batch.count, ordering: .relaxed)
                    }
                }
            }
            if announcing {
                notifier.notify("READY=1")
                logger.info(
                    "agent running",
                    metadata: ["gateway.id": "\(base.gateway.id)", "agent.sources": "\(sources.count)"])
            }
            var lastWatchdog = ContinuousClock.now
            var lastStatusFile = ContinuousClock.now - .seconds(60)
            var change: RemoteConfigurator.Change?
            while !stopping.isSet, change == nil {
                let interval = min(configuration.buffer.commitInterval, notifier.watchdogInterval ?? .seconds(3600))
                // Wait out the commit interval in short steps, so a stop is acted on at once.
                let wake = ContinuousClock.now + interval
                while !stopping.isSet, ContinuousClock.now < wake {
                    try? await Task.sleep(for: min(.milliseconds(250), wake - ContinuousClock.now))
                }
                await commit(&aggregator, final: false)
                if let watchdog = notifier.watchdogInterval, ContinuousClock.now - lastWatchdog >= watchdog / 2 {
                    notifier.notify("WATCHDOG=1")
                    lastWatchdog = .now
                }
                // Once a minute: the file is for people on site, and every write wears the flash.
                if ContinuousClock.now - lastStatusFile >= .seconds(60) {
                    await writeStatusFile()
                    lastStatusFile = .now
                }
                if remote.judge(at: .now, lastAcknowledgement: uplink.lastAcknowledgement, sources: { sourceCounters })
                {
                    uplink.publishStatusSoon()
                }
                if releaseTrial?.judge(lastAcknowledgement: uplink.lastAcknowledgement, sources: { sourceCounters })
                    == true
                {
                    logger.notice("release confirmed", metadata: ["version": "\(version)"])
                    uplink.publishStatusSoon()
                }
                change = remote.takeChange()
            }
            sourcesGroup.cancelAll()
            return change
        }
    }
}

extension Agent {
    /// Runs an agent made from `configuration` while `body` runs, then stops it as SIGTERM
    /// would, and waits until it has: for embedding an agent (the bench's runs, the tests).
    package static func running(
        _ configuration: AgentConfiguration, version: String = "embedded", logger: Logger = Logger(label: "agent"),
        _ body: (Agent) async throws -> Void
    ) async throws {
        let agent = try Agent(configuration: configuration, version: version, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [agent], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await body(agent)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
