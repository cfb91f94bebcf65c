import GRDB
import OutpostWire

extension Outbox {
    /// Seals one batch from the journal's pending records if one is due; returns its sequence
    /// number. The batch and the journal's new sealed offset are one database transaction.
    func sealOne(maxReadings: Int, maxAge: Duration, clock: ClockReading, force: Bool) throws -> UInt64? {
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
        let (sequence, taken) = try database.write { db -> (UInt64, Int) in
            var assembler = BatchAssembler()
            var taken = 0
            var readings = 0
            var oldest = Int64.max
            var frameClock = ClockState.synchronised
            let series = try OutboxSchema.series(db)
            let resolutions = series.compactMapValues(\.resolution)
            var ids: [Int64: UInt32] = [:]
            func declare(_ seriesID: Int64) -> UInt32? {
                if let id = ids[seriesID] { return id }
                guard let descriptor = series[seriesID] else { return nil }
                let id = assembler.declare(
                    descriptor.name, unit: descriptor.unit, kind: descriptor.kind, resolution: descriptor.resolution)
                ids[seriesID] = id
                return id
            }
            for entry in state.pending {
                if taken > 0, readings + entry.readings > maxReadings { break }
                let segment = try Segment.decode(try state.journal.segment(of: entry), resolutions: resolutions)
                let synchronised = segment.clockState == .synchronised
                // A batch's chunks each hold one clock state; a record that would mix them waits.
                let fits = segment.readings.allSatisfy { reading in
                    declare(reading.series).map { assembler.accepts($0, clockSynchronised: synchronised) } ?? true
                }
                if !fits, taken > 0 { break }
                for reading in segment.readings {
                    guard let id = declare(reading.series) else { continue }
                    _ = assembler.append(
                        reading.sample, to: id, monotonic: segment.monotonic, clockSynchronised: synchronised)
                }
                if !synchronised { frameClock = segment.clockState }
                taken += 1
                readings += entry.readings
                oldest = min(oldest, entry.oldest)
            }
            let sequence = UInt64(try OutboxSchema.meta(db, OutboxSchema.Key.nextSequence))
            let frame = try assembler.seal(
                gatewayID: settings.gatewayID, sequence: sequence, bootID: clock.bootID, clockState: frameClock,
                createdAt: clock.wall, createdMonotonic: clock.monotonic)
            let bytes = try frame.encoded(signer: signer)
            try db.execute(
                sql: "INSERT INTO batches (sequence, created_at, readings, oldest, frame) VALUES (?, ?, ?, ?, ?)",
                arguments: [Int64(sequence), clock.wall, readings, oldest, Data(bytes)])
            try OutboxSchema.set(db, OutboxSchema.Key.nextSequence, Int64(sequence) + 1)
            let last = state.pending[taken - 1]
            try OutboxSchema.set(db, OutboxSchema.Key.journalConsumed, last.offset + last.length)
            return (sequence, taken)
        }
        // The transaction committed: only now do the sealed records leave the pending list.
        state.pending.removeFirst(taken)
        return sequence
    }
}

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
