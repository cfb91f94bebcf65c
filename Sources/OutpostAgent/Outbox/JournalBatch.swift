import OutpostWire

/// A batch sealed in the journal: its sequence number and frame header, and the segment
/// records it holds. Its frame is built from those records when it is sent, so sealing writes
/// one small record instead of the frame, and an acknowledgement writes another instead of a
/// database transaction.
///
/// Body of a `B` record (version 1): `B`, `1`, sequence (varuint), first and end offset of its
/// segment records (varints), created-at wall and monotonic time (varints), boot id (16 bytes),
/// frame bytes (varuint). Version 2 adds the frame's kind (one byte) at the end: batches of a
/// data budget, whose summary frame and deferred readings frame hold the same segment records;
/// plain batches keep writing version 1, which agents before budgets read. Body of an `A`
/// record: `A`, `1`, count (varuint), sequences (varuints).
struct JournalBatch: Sendable, Hashable {
    var sequence: UInt64
    /// The segment records, in order.
    var entries: [SegmentJournal.Entry]
    var createdAt: Int64
    var createdMonotonic: Int64
    var bootID: BootID
    /// The size of its signed frame, which is what the quota counts.
    var frameBytes: Int
    /// Readings, minute summaries, or readings whose summaries went first.
    var kind: FrameKind = .readings

    /// Readings it carries: none for a summary, whose readings its deferred twin carries.
    var readings: Int { kind == .summary ? 0 : entries.reduce(0) { $0 + $1.readings } }
    var oldest: Int64 { entries.map(\.oldest).min() ?? createdAt }
    /// Where its segment records start and end in the journal.
    var firstOffset: Int64 { entries.first?.offset ?? 0 }
    var endOffset: Int64 { entries.last.map { $0.offset + $0.length } ?? 0 }

    /// The body of its `B` record.
    func recordBody() -> [UInt8] {
        var writer = ByteWriter(capacity: 48)
        writer.write(SegmentJournal.Kind.batch.rawValue)
        writer.write(kind == .readings ? 1 : 2)
        writer.writeVarUInt(sequence)
        writer.writeVarInt(firstOffset)
        writer.writeVarInt(endOffset)
        writer.writeVarInt(createdAt)
        writer.writeVarInt(createdMonotonic)
        writer.write(bootID.bytes)
        writer.writeVarUInt(UInt64(frameBytes))
        if kind != .readings { writer.write(kind.rawValue) }
        return writer.bytes
    }

    /// What a `B` record says, before its segment records are looked up.
    struct Header: Sendable, Hashable {
        var sequence: UInt64
        var firstOffset: Int64
        var endOffset: Int64
        var createdAt: Int64
        var createdMonotonic: Int64
        var bootID: BootID
        var frameBytes: Int
        var kind: FrameKind = .readings

        /// Reads a `B` record's body.
        init(body: [UInt8]) throws(WireError) {
            var reader = ByteReader(body)
            guard try reader.readByte("batch record kind") == SegmentJournal.Kind.batch.rawValue else {
                throw WireError.malformed(field: "batch record", offset: 0, reason: "not a batch record")
            }
            let version = try reader.readByte("batch record version")
            guard version == 1 || version == 2 else {
                throw WireError.malformed(field: "batch record", offset: 1, reason: "unknown version \(version)")
            }
            sequence = try reader.readVarUInt("batch record sequence")
            firstOffset = try reader.readVarInt("batch record first offset")
            endOffset = try reader.readVarInt("batch record end offset")
            createdAt = try reader.readVarInt("batch record created at")
            createdMonotonic = try reader.readVarInt("batch record created monotonic")
            guard let boot = BootID(bytes: try reader.readBytes(16, "batch record boot id")) else {
                throw WireError.malformed(field: "batch record boot id", offset: reader.offset, reason: "not 16 bytes")
            }
            bootID = boot
            frameBytes = Int(clamping: try reader.readVarUInt("batch record frame bytes"))
            if version == 2 {
                let byte = try reader.readByte("batch record frame kind")
                guard let kind = FrameKind(rawValue: byte) else {
                    throw WireError.malformed(
                        field: "batch record", offset: reader.offset, reason: "unknown kind \(byte)")
                }
                self.kind = kind
            }
        }
    }

    /// The body of an `A` record for `sequences`.
    static func acknowledgementBody(_ sequences: [UInt64]) -> [UInt8] {
        var writer = ByteWriter(capacity: 4 + sequences.count * 3)
        writer.write(SegmentJournal.Kind.acknowledgement.rawValue)
        writer.write(1)
        writer.writeVarUInt(UInt64(sequences.count))
        for sequence in sequences { writer.writeVarUInt(sequence) }
        return writer.bytes
    }

    /// The sequences an `A` record's body names.
    static func acknowledged(body: [UInt8]) throws(WireError) -> [UInt64] {
        var reader = ByteReader(body)
        guard try reader.readByte("acknowledgement record kind") == SegmentJournal.Kind.acknowledgement.rawValue,
            try reader.readByte("acknowledgement record version") == 1
        else { throw WireError.malformed(field: "acknowledgement record", offset: 0, reason: "not a version 1 record") }
        let count = try reader.readCount(
            "acknowledgement record count", maximum: body.count, limit: "one byte per sequence")
        var sequences: [UInt64] = []
        sequences.reserveCapacity(count)
        for _ in 0..<count { sequences.append(try reader.readVarUInt("acknowledged sequence")) }
        return sequences
    }
}
