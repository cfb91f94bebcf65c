import Logging
import OutpostDevices
import OutpostModbus
import OutpostWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Agent {
    /// Takes what the sources delivered, aggregates it, commits it to the outbox and seals what
    /// is due. If storage fails (a full disk, a failing card) the readings stay in memory for the
    /// next attempt, up to `memoryBacklogLimit`; beyond it the oldest go, counted and logged.
    func commit(_ aggregator: inout Aggregator, final: Bool) async {
        let taken = pending.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        let now = clock.now()
        var output = aggregator.take(taken) + aggregator.flush(before: now.wall)
        if final { output += aggregator.flushAll() }
        if !taken.isEmpty { uplink.publishLive(taken, descriptions: catalog, time: now.wall) }
        // The commit and the batches due are written together and synced once (flash wear).
        let result: Outbox.CommitResult
        do {
            result = try await outbox.commit(
                output, catalog: catalog, clock: now, maxReadings: configuration.uplink.batchMaxReadings,
                maxAge: configuration.uplink.batchMaxAge, force: final, budget: uplink.budget)
            storageErrors.succeeded("outbox.commit")
        } catch {
            keepInMemory(output, after: error)
            return
        }
        // The readings are committed: a sealing failure must not put them back in memory, or
        // they would be committed twice. What is not sealed now is sealed at the next commit.
        if !result.sealed.isEmpty { uplink.nudge() }
        if let error = result.sealingError {
            storageErrors.failed("outbox.seal", "sealing failed, the committed readings wait to be sealed: \(error)")
        } else {
            storageErrors.succeeded("outbox.seal")
        }
    }

    /// Readings held in memory at most while the outbox cannot take them.
    static let memoryBacklogLimit = 200_000

    private func keepInMemory(_ output: [SourceSample], after error: any Error) {
        let dropped = pending.withLock { pending -> Int in
            pending.insert(contentsOf: output, at: 0)
            let excess = max(0, pending.count - Self.memoryBacklogLimit)
            pending.removeFirst(excess)
            return excess
        }
        storageErrors.failed("outbox.commit", "commit failed, readings kept in memory: \(error)")
        guard dropped > 0 else { return }
        let total = lostInMemory.add(Int64(dropped), ordering: .relaxed).newValue
        logger.error(
            "outbox unwritable and the memory backlog full: oldest readings dropped",
            metadata: ["readings.dropped": "\(dropped)", "readings.dropped_total": "\(total)"])
    }

    /// The status now.
    func status(state: String) async -> StatusDocument {
        let statistics: OutboxStatistics
        do {
            statistics = try await outbox.statistics()
        } catch {
            logger.error("outbox statistics unreadable", metadata: ["error": "\(error)"])
            return StatusDocument(
                state: StatusDocument.degraded, gateway: configuration.gateway.id, version: version,
                time: systemWallClock(),
                outbox: .empty, clock: clock.now(), uplink: uplink.snapshot, lastAcknowledgementAge: nil,
                storage: (0, nil), sources: [:])
        }
        let now = clock.now()
        let written = AgentFiles.storageBytesWritten()
        let seconds = Double(now.wall - started) / 1e9
        var sources: [String: StatusDocument.Source] = [:]
        for source in self.sources { sources[source.name] = StatusDocument.Source(source.counters.snapshot) }
        let age = uplink.lastAcknowledgementAge.map {
            Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18
        }
        var document = StatusDocument(
            state: state, gateway: configuration.gateway.id, version: version, time: now.wall, outbox: statistics,
            clock: now, uplink: uplink.snapshot, lastAcknowledgementAge: age,
            storage: (written, seconds >= 60 ? Double(written) / seconds * 86_400 : nil), sources: sources)
        document.configuration = remote.status
        let releaseState = releases.load().state
        var release = releaseState.status
        if let (download, refusal) = downloader?.progress { (release.download, release.refusal) = (download, refusal) }
        if release != ReleaseStatus() { document.release = release }
        return document
    }

    /// Writes `status.json` into the data directory (atomically) and tells systemd the backlog.
    func writeStatusFile() async {
        let document = await status(state: StatusDocument.online)
        AgentFiles.rewriteInPlace(document.encoded(), to: configuration.gateway.dataDirectory + "/status.json")
        notifier.notify(
            "STATUS=backlog \(document.backlogReadings) readings, \(document.connected ? "connected" : "not connected")"
        )
    }

    /// Every source the configuration names, and how their series are described.
    static func makeSources(_ configuration: AgentConfiguration, logger: Logger) throws -> (
        [any SampleSource], SeriesCatalog
    ) {
        var sources: [any SampleSource] = []
        var catalog = SeriesCatalog()
        var buses: [ModbusEndpoint: ModbusBus] = [:]
        for device in configuration.modbus {
            // Devices behind one endpoint (units on one RTU bus, or behind one TCP gateway) share it.
            let bus = try buses[device.endpoint] ?? ModbusBus(endpoint: device.endpoint)
            buses[device.endpoint] = bus
            let poller = ModbusPoller(
                bus: bus, points: device.points, settings: device.settings, maxRegisters: device.maxRegisters,
                forbidden: device.forbidden)
            sources.append(ModbusSource(device: device.name, poller: poller, interval: device.interval, logger: logger))
            for point in device.points {
                catalog.describe(
                    "\(device.name).\(point.name)", unit: point.unit, kind: point.kind, resolution: point.resolution)
            }
        }
        for input in configuration.gpio {
            sources.append(
                GPIOSource(
                    name: input.name, chip: input.chip, lines: input.lines, interval: input.interval, logger: logger))
            for line in input.lines {
                if case .pulses = line.mode {
                    catalog.describe("\(line.name).total", unit: "", kind: .counter, resolution: nil)
                }
            }
        }
        for input in configuration.serial {
            sources.append(try SerialLineSource(input.settings, logger: logger))
        }
        return (sources, catalog)
    }
}

extension OutboxStatistics {
    static var empty: OutboxStatistics { OutboxStatistics() }
}
