/// A run of samples of one series, compressed: the one unit the agent builds, the frame carries
/// and the hub stores as it arrived.
///
/// A chunk is self-describing: its record (`serialized()`) holds the sample count, the time span,
/// the clock state, the resolution, the summary and the compressed payload, so it decodes without
/// the frame it came in. The layout is specified in `docs/wire-format.md`.
package struct Chunk: Sendable {
    /// The number of samples, at least 1.
    package let count: Int
    /// The timestamp of the first sample (ns since the Unix epoch).
    package let firstTimestamp: Int64
    /// The earliest timestamp in the chunk (timestamps may go backwards when a clock jumps).
    package let minTimestamp: Int64
    /// The latest timestamp in the chunk.
    package let maxTimestamp: Int64
    /// The gateway's monotonic clock (ns since boot) when the first sample was taken.
    package let firstMonotonic: Int64
    /// Whether the gateway's wall clock was synchronised when the samples were taken.
    package let clockSynchronised: Bool
    /// The declared resolution values were quantised to; nil for XOR-compressed doubles.
    package let resolution: Resolution?
    /// Statistics of the valid samples.
    package let summary: ChunkSummary
    /// Whether any sample has a quality other than good (a quality column is present).
    package let hasQualities: Bool
    /// The compressed timestamps, values and qualities.
    let payload: ArraySlice<UInt8>
    /// The summary as quantised integers, when it is stored that way (exact and compact).
    let quantisedSummary: QuantisedSummary?

    init(
        count: Int, firstTimestamp: Int64, minTimestamp: Int64, maxTimestamp: Int64, firstMonotonic: Int64,
        clockSynchronised: Bool, resolution: Resolution?, summary: ChunkSummary, hasQualities: Bool,
        payload: ArraySlice<UInt8>, quantisedSummary: QuantisedSummary?
    ) {
        self.count = count
        self.firstTimestamp = firstTimestamp
        self.minTimestamp = minTimestamp
        self.maxTimestamp = maxTimestamp
        self.firstMonotonic = firstMonotonic
        self.clockSynchronised = clockSynchronised
        self.resolution = resolution
        self.summary = summary
        self.hasQualities = hasQualities
        self.payload = payload
        self.quantisedSummary = quantisedSummary
    }

    /// The size of the compressed payload in bytes.
    package var payloadByteCount: Int { payload.count }
}

/// Flag bits of a chunk record.
/// The extremes of a quantised chunk in units of its resolution: exact and a few bytes on the wire.
/// The sum travels as a double (the sum of the decoded values in sample order).
struct QuantisedSummary: Sendable {
    var minimum: Int64
    var maximum: Int64
    var first: Int64
    var last: Int64
}

enum ChunkFlags {
    static let clockSynchronised: UInt8 = 1 << 0
    static let hasQualities: UInt8 = 1 << 1
    static let quantised: UInt8 = 1 << 2
    static let quantisedSummary: UInt8 = 1 << 3
    static let known: UInt8 = 0b1111
}

extension Chunk {
    /// The chunk record: header, summary and payload, as stored by the hub and carried in frames.
    package func serialized() -> [UInt8] {
        var writer = ByteWriter(capacity: payload.count + 64)
        write(to: &writer)
        return writer.bytes
    }

    func write(to writer: inout ByteWriter) {
        var flags: UInt8 = 0
        if clockSynchronised { flags |= ChunkFlags.clockSynchronised }
        if hasQualities { flags |= ChunkFlags.hasQualities }
        if resolution != nil { flags |= ChunkFlags.quantised }
        if quantisedSummary != nil { flags |= ChunkFlags.quantisedSummary }
        writer.writeVarUInt(UInt64(count))
        writer.write(flags)
        if let resolution {
            writer.writeVarUInt(UInt64(resolution.mantissa))
            writer.write(UInt8(bitPattern: resolution.exponent))
        }
        writer.writeVarInt(firstTimestamp)
        writer.writeVarInt(minTimestamp &- firstTimestamp)
        writer.writeVarInt(maxTimestamp &- firstTimestamp)
        writer.writeVarInt(firstMonotonic)
        writer.writeVarUInt(UInt64(summary.validCount))
        if summary.validCount > 0 {
            if let integers = quantisedSummary {
                for value in [integers.minimum, integers.maximum, integers.first, integers.last] {
                    writer.writeVarInt(value)
                }
                writer.writeDouble(summary.sum)
            } else {
                for value in [summary.min, summary.max, summary.sum, summary.first, summary.last] {
                    writer.writeDouble(value)
                }
            }
        }
        writer.writeVarUInt(UInt64(payload.count))
        writer.write(payload)
    }

    /// Parses a chunk record, as produced by `serialized()`, checking it against `limits`.
    /// Only the header is read; call `decode()` for the samples.
    package init(record: [UInt8], limits: FrameLimits = .default) throws(WireError) {
        var reader = ByteReader(record)
        try self.init(reading: &reader, limits: limits, field: "chunk")
        guard reader.remaining == 0 else {
            throw .malformed(
                field: "chunk", offset: reader.offset, reason: "\(reader.remaining) bytes after the record")
        }
    }

    init(reading reader: inout ByteReader, limits: FrameLimits, field: @autoclosure () -> String) throws(WireError) {
        let countOffset = reader.offset
        let count = try reader.readCount(
            "\(field()).count", maximum: limits.maxSamplesPerChunk, limit: "samples per chunk")
        guard count >= 1 else {
            throw .malformed(
                field: "\(field()).count", offset: countOffset, reason: "a chunk holds at least one sample")
        }
        let flagsOffset = reader.offset
        let flags = try reader.readByte("\(field()).flags")
        guard flags & ~ChunkFlags.known == 0 else {
            throw .malformed(field: "\(field()).flags", offset: flagsOffset, reason: "unknown flag bits set")
        }
        var resolution: Resolution?
        if flags & ChunkFlags.quantised != 0 {
            let mantissaOffset = reader.offset
            let mantissa = try reader.readVarUInt("\(field()).resolution")
            resolution = try reader.readResolution(
                mantissa: mantissa, startingAt: mantissaOffset, "\(field()).resolution")
        }
        let hasQuantisedSummary = flags & ChunkFlags.quantisedSummary != 0
        guard !hasQuantisedSummary || resolution != nil else {
            throw .malformed(
                field: "\(field()).flags", offset: flagsOffset, reason: "quantised summary without a resolution")
        }
        let first = try reader.readVarInt("\(field()).first_timestamp")
        let minimum = first &+ (try reader.readVarInt("\(field()).min_timestamp"))
        let maximum = first &+ (try reader.readVarInt("\(field()).max_timestamp"))
        let monotonic = try reader.readVarInt("\(field()).first_monotonic")
        let validCount = try reader.readCount("\(field()).valid_count", maximum: count, limit: "valid samples")
        guard !hasQuantisedSummary || validCount > 0 else {
            throw .malformed(
                field: "\(field()).flags", offset: flagsOffset, reason: "quantised summary of no valid samples")
        }
        var summary = ChunkSummary.empty
        var quantisedSummary: QuantisedSummary?
        if validCount > 0 {
            if let resolution, hasQuantisedSummary {
                let integers = QuantisedSummary(
                    minimum: try reader.readVarInt("\(field()).summary.min"),
                    maximum: try reader.readVarInt("\(field()).summary.max"),
                    first: try reader.readVarInt("\(field()).summary.first"),
                    last: try reader.readVarInt("\(field()).summary.last"))
                let scale = resolution.scale
                summary = ChunkSummary(
                    validCount: validCount, min: resolution.value(of: integers.minimum, scale: scale),
                    max: resolution.value(of: integers.maximum, scale: scale),
                    sum: try reader.readDouble("\(field()).summary.sum"),
                    first: resolution.value(of: integers.first, scale: scale),
                    last: resolution.value(of: integers.last, scale: scale))
                quantisedSummary = integers
            } else {
                summary = ChunkSummary(
                    validCount: validCount, min: try reader.readDouble("\(field()).summary.min"),
                    max: try reader.readDouble("\(field()).summary.max"),
                    sum: try reader.readDouble("\(field()).summary.sum"),
                    first: try reader.readDouble("\(field()).summary.first"),
                    last: try reader.readDouble("\(field()).summary.last"))
            }
        }
        let payloadOffset = reader.offset
        let payloadLength = try reader.readCount(
            "\(field()).payload_length", maximum: reader.remaining, limit: "payload length")
        let payload = try reader.readBytes(payloadLength, "\(field()).payload")
        // Each sample costs at least one bit of payload: refuse counts the payload cannot hold
        // before anything is allocated for them.
        guard count <= payloadLength * 8 else {
            throw .malformed(
                field: "\(field()).count", offset: countOffset,
                reason: "\(count) samples cannot fit in a \(payloadLength)-byte payload (at byte \(payloadOffset))")
        }
        self.init(
            count: count, firstTimestamp: first, minTimestamp: minimum, maxTimestamp: maximum,
            firstMonotonic: monotonic,
            clockSynchronised: flags & ChunkFlags.clockSynchronised != 0, resolution: resolution, summary: summary,
            hasQualities: flags & ChunkFlags.hasQualities != 0, payload: payload, quantisedSummary: quantisedSummary)
    }
}
