import GRDB
import OutpostWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Outbox {
    /// Seals every batch that is due from the pending records, each as a `B` record in the
    /// journal, not yet synced: the caller syncs once for the commit and its seals, and only then
    /// may a batch be sent (a sequence number the hub saw must never be sealed again). Returns
    /// the sequence numbers sealed. On the outbox's queue.
    func sealDue(
        maxReadings: Int, maxAge: Duration, clock: ClockReading, force: Bool, budget: (any SealingBudget)? = nil
    ) throws -> [UInt64] {
        var sealed: [UInt64] = []
        while let sequences = try sealOne(
            maxReadings: maxReadings, maxAge: maxAge, clock: clock, force: force, budget: budget)
        {
            sealed += sequences
        }
        return sealed
    }

    /// Seals one batch from the pending records if one is due; returns its sequence numbers:
    /// two when a data budget has it sent as minute summaries now and readings later.
    private func sealOne(
        maxReadings: Int, maxAge: Duration, clock: ClockReading, force: Bool, budget: (any SealingBudget)?
    ) throws -> [UInt64]? {
        let state = journalState
        let pendingReadings = state.pending.reduce(0) { $0 + $1.readings }
        guard pendingReadings > 0 else { return nil }
        let oldestCreated = state.pending.map(\.createdAt).min() ?? clock.wall
        let newestCreated = state.pending.map(\.createdAt).max() ?? clock.wall
        let maxAgeNanoseconds =
            maxAge.components.seconds * 1_000_000_000 + maxAge.components.attoseconds / 1_000_000_000
        // A wall clock stepped backwards leaves records "from the future": seal rather than wait.
        guard
            force || pendingReadings >= maxReadings || clock.wall - oldestCreated >= maxAgeNanoseconds
                || newestCreated > clock.wall
        else { return nil }
        let series = catalogue.withLock { $0 }
        let resolutions = series.compactMapValues(\.resolution)
        // Which records the batch takes: up to `maxReadings` (at least one record), and never a
        // record whose clock state differs from what a series already has in the batch (a chunk
        // holds one clock state).
        var segments: [Segment] = []
        var clockOf: [Int64: Bool] = [:]
        var readings = 0
        for entry in state.pending {
            if !segments.isEmpty, readings + entry.readings > maxReadings { break }
            let segment = try Segment.decode(try state.journal.body(of: entry), resolutions: resolutions)
            let synchronised = segment.clockState == .synchronised
            let fits = segment.readings.allSatisfy { clockOf[$0.series].map { $0 == synchronised } ?? true }
            if !fits, !segments.isEmpty { break }
            for reading in segment.readings where clockOf[reading.series] == nil {
                clockOf[reading.series] = synchronised
            }
            segments.append(segment)
            readings += entry.readings
        }
        var batch = JournalBatch(
            sequence: state.nextSequence, entries: Array(state.pending.prefix(segments.count)),
            createdAt: clock.wall, createdMonotonic: clock.monotonic, bootID: clock.bootID, frameBytes: 0)
        var frame = try Self.frame(
            of: batch, segments: segments, series: series, gatewayID: settings.gatewayID,
            signer: signer)
        var sealed = [(batch, frame)]
        if let budget {
            // The summary's size tells the budget what the rest of the period needs, sent or not.
            var summary = batch
            summary.kind = .summary
            summary.sequence = batch.sequence + 1
            let summaryFrame = try Self.frame(
                of: summary, segments: segments, series: series, gatewayID: settings.gatewayID,
                signer: UnsignedFrameSigner())
            let span = Duration.nanoseconds(clock.wall.subtractingSaturating(batch.oldest))
            if budget.summarise(readingsBytes: frame.count, summaryBytes: summaryFrame.count, span: span) {
                batch.kind = .deferredReadings
                frame = try Self.frame(
                    of: batch, segments: segments, series: series, gatewayID: settings.gatewayID, signer: signer)
                let signed = try Self.frame(
                    of: summary, segments: segments, series: series, gatewayID: settings.gatewayID, signer: signer)
                sealed = [(batch, frame), (summary, signed)]
            }
        }
        for (var batch, frame) in sealed {
            batch.frameBytes = frame.count
            _ = try state.journal.append(
                body: batch.recordBody(), createdAt: batch.createdAt, oldest: batch.oldest, readings: batch.readings,
                sync: false)
            state.batches.append(batch)
            state.nextSequence += 1
            // Kept for the first send; a backlog is rebuilt from the journal when it goes out.
            if state.frames.count < Self.cachedFrames { state.frames[batch.sequence] = frame }
        }
        state.pending.removeFirst(segments.count)
        return sealed.map(\.0.sequence)
    }

    /// Frames of journal batches kept in memory at most.
    static let cachedFrames = 8

    /// The signed frame of journal batch `batch`, built from its segment records.
    func frame(of batch: JournalBatch) throws -> [UInt8] {
        let state = journalState
        if let frame = state.frames[batch.sequence] { return frame }
        let series = catalogue.withLock { $0 }
        let resolutions = series.compactMapValues(\.resolution)
        let segments = try batch.entries.map {
            try Segment.decode(try state.journal.body(of: $0), resolutions: resolutions)
        }
        return try Self.frame(
            of: batch, segments: segments, series: series, gatewayID: settings.gatewayID, signer: signer)
    }

    /// The frame of `batch` whose records decode to `segments`: the same bytes each time it is
    /// built, so a batch sent again is the batch sent before.
    static func frame(
        of batch: JournalBatch, segments: [Segment], series: [Int64: SeriesDescriptor], gatewayID: String,
        signer: any FrameSigner
    ) throws -> [UInt8] {
        if batch.kind == .summary {
            return try summaryFrame(
                of: batch, segments: segments, series: series, gatewayID: gatewayID, signer: signer)
        }
        var assembler = BatchAssembler()
        var ids: [Int64: UInt32] = [:]
        var frameClock = ClockState.synchronised
        for segment in segments {
            let synchronised = segment.clockState == .synchronised
            for reading in segment.readings {
                guard let descriptor = series[reading.series] else { continue }
                let id =
                    ids[reading.series]
                    ?? assembler.declare(
                        descriptor.name, unit: descriptor.unit, kind: descriptor.kind,
                        resolution: descriptor.resolution)
                ids[reading.series] = id
                _ = assembler.append(
                    reading.sample, to: id, monotonic: segment.monotonic, clockSynchronised: synchronised)
            }
            if !synchronised { frameClock = segment.clockState }
        }
        var frame = try assembler.seal(
            gatewayID: gatewayID, sequence: batch.sequence, bootID: batch.bootID, clockState: frameClock,
            createdAt: batch.createdAt, createdMonotonic: batch.createdMonotonic)
        frame.kind = batch.kind
        return try frame.encoded(signer: signer)
    }

    /// The summary frame of `batch`: each series' readings, minute by minute.
    private static func summaryFrame(
        of batch: JournalBatch, segments: [Segment], series: [Int64: SeriesDescriptor], gatewayID: String,
        signer: any FrameSigner
    ) throws -> [UInt8] {
        var summaries = MinuteSummaries()
        var descriptors: [SeriesDescriptor] = []
        var ids: [Int64: UInt32] = [:]
        var frameClock = ClockState.synchronised
        for segment in segments {
            for reading in segment.readings {
                guard let descriptor = series[reading.series] else { continue }
                let id = ids[reading.series] ?? UInt32(descriptors.count)
                if ids[reading.series] == nil {
                    ids[reading.series] = id
                    var declared = descriptor
                    declared.id = id
                    descriptors.append(declared)
                }
                summaries.add(reading.sample, series: id, resolution: descriptor.resolution)
            }
            if segment.clockState != .synchronised { frameClock = segment.clockState }
        }
        let frame = BatchFrame(
            summarising: gatewayID, sequence: batch.sequence, bootID: batch.bootID, clockState: frameClock,
            createdAt: batch.createdAt, createdMonotonic: batch.createdMonotonic, series: descriptors,
            summaries: summaries.summaries)
        return try frame.encoded(signer: signer)
    }
}

/// What the outbox asks at sealing when the uplink keeps a data budget.
package protocol SealingBudget: Sendable {
    /// Whether a batch whose readings frame takes `readingsBytes` and whose summary frame would
    /// take `summaryBytes`, covering `span` of readings, goes as summaries now and readings
    /// when the budget renews.
    func summarise(readingsBytes: Int, summaryBytes: Int, span: Duration) -> Bool
}
