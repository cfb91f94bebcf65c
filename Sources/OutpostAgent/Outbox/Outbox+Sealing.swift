import GRDB
import OutpostWire

extension Outbox {
    /// Seals one batch if one is due; returns its sequence number.
    func sealOne(_ db: Database, maxReadings: Int, maxAge: Duration, clock: ClockReading, force: Bool) throws -> UInt64?
    {
        let pending = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(readings), 0) FROM segments") ?? 0
        guard pending > 0 else { return nil }
        let oldestCreated = try Int64.fetchOne(db, sql: "SELECT MIN(created_at) FROM segments") ?? clock.wall
        let age = clock.wall - oldestCreated
        let maxAgeNanoseconds =
            maxAge.components.seconds * 1_000_000_000 + maxAge.components.attoseconds / 1_000_000_000
        // A wall clock stepped backwards leaves segments "from the future": seal rather than wait.
        let newestCreated = try Int64.fetchOne(db, sql: "SELECT MAX(created_at) FROM segments") ?? clock.wall
        guard force || pending >= maxReadings || age >= maxAgeNanoseconds || newestCreated > clock.wall else {
            return nil
        }

        var assembler = BatchAssembler()
        var taken: [Int64] = []
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
        let rows = try Row.fetchCursor(db, sql: "SELECT id, readings, oldest, payload FROM segments ORDER BY id")
        while let row = try rows.next() {
            let count: Int = row["readings"]
            if !taken.isEmpty, readings + count > maxReadings { break }
            let payload: Data = row["payload"]
            let segment = try Segment.decode(Array(payload), resolutions: resolutions)
            let synchronised = segment.clockState == .synchronised
            // A batch's chunks each hold one clock state; a segment that would mix them waits.
            let fits = segment.readings.allSatisfy { reading in
                declare(reading.series).map { assembler.accepts($0, clockSynchronised: synchronised) } ?? true
            }
            if !fits, !taken.isEmpty { break }
            for reading in segment.readings {
                guard let id = declare(reading.series) else { continue }
                _ = assembler.append(
                    reading.sample, to: id, monotonic: segment.monotonic, clockSynchronised: synchronised)
            }
            if !synchronised { frameClock = segment.clockState }
            taken.append(row["id"])
            readings += count
            oldest = min(oldest, row["oldest"])
        }
        let sequence = UInt64(try OutboxSchema.meta(db, OutboxSchema.Key.nextSequence))
        let frame = try assembler.seal(
            gatewayID: settings.gatewayID, sequence: sequence, bootID: clock.bootID, clockState: frameClock,
            createdAt: clock.wall, createdMonotonic: clock.monotonic)
        let bytes = try frame.encoded(signer: signer)
        try db.execute(
            sql: "INSERT INTO batches (sequence, created_at, readings, oldest, frame) VALUES (?, ?, ?, ?, ?)",
            arguments: [Int64(sequence), clock.wall, readings, oldest, Data(bytes)])
        try db.execute(
            sql: "UPDATE meta SET value = value + 1 WHERE key = ?", arguments: [OutboxSchema.Key.nextSequence])
        for id in taken { try db.execute(sql: "DELETE FROM segments WHERE id = ?", arguments: [id]) }
        return sequence
    }
}

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
