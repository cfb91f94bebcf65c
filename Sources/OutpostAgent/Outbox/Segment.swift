import OutpostWire

/// One commit's readings as the outbox stores them until they are sealed: compact, because a
/// gateway commits every second for years on flash. Private to the outbox; the wire format is
/// the batch frame it becomes.
///
/// Layout: `S` `1`, clock state (u8), monotonic time (zigzag varint), base timestamp (zigzag
/// varint, the earliest), count (varint), then per reading: series id (varint), timestamp − base
/// (varint), a tag byte (bit 0: value is a float64 rather than a quantised integer; bit 1: a
/// quality follows), the quality (level, code) when tagged, and the value — a zigzag varint of
/// value ÷ step for series with a resolution, else the float64's bits.
struct Segment {
    struct Reading {
        var series: Int64
        var sample: Sample
    }

    var clockState: ClockState
    var monotonic: Int64
    var readings: [Reading]

    /// Encodes readings; `resolutions` gives the step of quantised series.
    static func encode(_ readings: [Reading], resolutions: [Int64: Resolution], clock: ClockReading) -> [UInt8] {
        var writer = ByteWriter(capacity: 16 + readings.count * 6)
        writer.write(UInt8(ascii: "S"))
        writer.write(1)
        writer.write(clock.state.rawValue)
        writer.writeVarInt(clock.monotonic)
        let base = readings.map(\.sample.timestamp).min() ?? 0
        writer.writeVarInt(base)
        writer.writeVarUInt(UInt64(readings.count))
        for reading in readings {
            writer.writeVarUInt(UInt64(bitPattern: reading.series))
            writer.writeVarUInt(UInt64(bitPattern: reading.sample.timestamp &- base))
            let value = reading.sample.value
            var quantised: Int64?
            if let step = resolutions[reading.series]?.step, value.isFinite {
                let scaled = (value / step).rounded()
                if abs(scaled) < 9.0e15 { quantised = Int64(scaled) }
            }
            let hasQuality = reading.sample.quality != .good
            writer.write((quantised == nil ? 1 : 0) | (hasQuality ? 2 : 0))
            if hasQuality {
                writer.write(reading.sample.quality.level.rawValue)
                writer.write(reading.sample.quality.code)
            }
            if let quantised {
                writer.writeVarInt(quantised)
            } else {
                writer.writeDouble(value)
            }
        }
        return writer.bytes
    }

    /// Decodes a segment; a damaged one throws, naming the field.
    static func decode(_ bytes: [UInt8], resolutions: [Int64: Resolution]) throws(WireError) -> Segment {
        var reader = ByteReader(bytes)
        guard try reader.readByte("segment magic") == UInt8(ascii: "S"), try reader.readByte("segment version") == 1
        else {
            throw .malformed(field: "segment header", offset: 0, reason: "not an outbox segment")
        }
        guard let clockState = ClockState(rawValue: try reader.readByte("segment clock state")) else {
            throw .malformed(field: "segment clock state", offset: 2, reason: "unknown clock state")
        }
        let monotonic = try reader.readVarInt("segment monotonic time")
        let base = try reader.readVarInt("segment base timestamp")
        let count = try reader.readCount("segment reading count", maximum: 10_000_000, limit: "readings per segment")
        var readings: [Reading] = []
        readings.reserveCapacity(count)
        for _ in 0..<count {
            let series = Int64(bitPattern: try reader.readVarUInt("reading series"))
            let timestamp = base &+ Int64(bitPattern: try reader.readVarUInt("reading timestamp"))
            let tag = try reader.readByte("reading tag")
            var quality = Quality.good
            if tag & 2 != 0 {
                guard let level = Quality.Level(rawValue: try reader.readByte("reading quality level")) else {
                    throw .malformed(field: "reading quality level", offset: reader.offset, reason: "reserved level")
                }
                quality = Quality(level, code: try reader.readByte("reading quality code"))
            }
            let value: Double
            if tag & 1 != 0 {
                value = try reader.readDouble("reading value")
            } else {
                guard let step = resolutions[series]?.step else {
                    throw .malformed(
                        field: "reading value", offset: reader.offset, reason: "series \(series) has no resolution")
                }
                value = Double(try reader.readVarInt("reading value")) * step
            }
            readings.append(
                Reading(series: series, sample: Sample(timestamp: timestamp, value: value, quality: quality)))
        }
        return Segment(clockState: clockState, monotonic: monotonic, readings: readings)
    }
}
