import GRDB
import OutpostWire

extension Outbox {
    /// One commit's readings as unsigned frames (one per clock state met).
    struct SegmentPayload {
        var bytes: [UInt8]
        var readings: Int
        var oldest: Int64
    }

    static func segments(
        of samples: [SourceSample], catalog: SeriesCatalog, clock: ClockReading, gatewayID: String
    ) throws -> [SegmentPayload] {
        var assembler = BatchAssembler()
        let synchronised = clock.state == .synchronised
        for sample in samples {
            let descriptor = catalog.descriptor(of: sample.series)
            let id = assembler.declare(
                sample.series, unit: descriptor.unit, kind: descriptor.kind, resolution: descriptor.resolution)
            _ = assembler.append(sample.sample, to: id, monotonic: clock.monotonic, clockSynchronised: synchronised)
        }
        let frame = try assembler.seal(
            gatewayID: gatewayID, sequence: 0, bootID: clock.bootID, clockState: clock.state, createdAt: clock.wall,
            createdMonotonic: clock.monotonic)
        return [
            SegmentPayload(
                bytes: try frame.encoded(signer: UnsignedFrameSigner()), readings: samples.count,
                oldest: samples.map(\.sample.timestamp).min() ?? clock.wall)
        ]
    }

    /// Seals one batch if one is due; returns its sequence number.
    func sealOne(_ db: Database, maxReadings: Int, maxAge: Duration, clock: ClockReading, force: Bool) throws -> UInt64?
    {
        let pending = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(readings), 0) FROM segments") ?? 0
        guard pending > 0 else { return nil }
        let oldestCreated = try Int64.fetchOne(db, sql: "SELECT MIN(created_at) FROM segments") ?? clock.wall
        let age = clock.wall - oldestCreated
        let maxAgeNanoseconds =
            maxAge.components.seconds * 1_000_000_000 + maxAge.components.attoseconds / 1_000_000_000
        // A wall clock stepped backwards makes the age negative: seal rather than wait for ever.
        guard force || pending >= maxReadings || age >= maxAgeNanoseconds || age < 0 else { return nil }

        var assembler = BatchAssembler()
        var taken: [Int64] = []
        var readings = 0
        var oldest = Int64.max
        var frameClock = ClockState.synchronised
        let decoder = FrameDecoder()
        let rows = try Row.fetchCursor(db, sql: "SELECT id, readings, oldest, payload FROM segments ORDER BY id")
        while let row = try rows.next() {
            let count: Int = row["readings"]
            if !taken.isEmpty, readings + count > maxReadings { break }
            let payload: Data = row["payload"]
            let segment = try decoder.decode(Array(payload), verifier: AcceptAnySignature())
            let byID = Dictionary(segment.series.map { ($0.id, $0) }) { first, _ in first }
            // A batch's chunks each hold one clock state; a segment that would mix them waits.
            let fits = segment.chunks.allSatisfy { chunk in
                guard let descriptor = byID[chunk.seriesID] else { return true }
                let id = assembler.declare(
                    descriptor.name, unit: descriptor.unit, kind: descriptor.kind, resolution: descriptor.resolution)
                return assembler.accepts(id, clockSynchronised: chunk.chunk.clockSynchronised)
            }
            if !fits, !taken.isEmpty { break }
            for entry in segment.chunks {
                guard let descriptor = byID[entry.seriesID] else { continue }
                let id = assembler.declare(
                    descriptor.name, unit: descriptor.unit, kind: descriptor.kind, resolution: descriptor.resolution)
                for sample in try entry.chunk.decode().samples {
                    _ = assembler.append(
                        sample, to: id, monotonic: entry.chunk.firstMonotonic,
                        clockSynchronised: entry.chunk.clockSynchronised)
                }
            }
            if segment.clockState != .synchronised { frameClock = segment.clockState }
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
