import OutpostWire

/// One commit's readings as the outbox stores them until they are sealed: compact, because a
/// gateway commits every second for years on flash, and every byte of a commit is a byte written.
/// Private to the outbox; the wire format is the batch frame it becomes.
///
/// Layout (version 3): `S` `3`, clock state (u8), monotonic time (zigzag varint), base timestamp
/// (zigzag varint, the earliest), the usual interval between a series' readings (zigzag varint),
/// group count (varint), then one group per series in order of first appearance: series id
/// (varint), a flags byte (bit 0: every value is a quantised integer; bit 1: every quality is
/// good; bit 2: every reading is one usual interval after the one before; bit 3: the first
/// reading is at the base timestamp; bits 4-7: the reading count when 1-15, else 0 and the count
/// follows as a varint), then per reading:
/// - the timestamp: with bit 3 clear, the first reading's as its distance from the base; with
///   bit 2 clear, each later one as its delta's difference from the delta before (the usual
///   interval, for the second), all zigzag varints; so readings on a regular tick, all polled
///   at the commit's first tick, cost no timestamp byte at all;
/// - with bit 1 clear, the quality (level, code);
/// - with bit 0 set, the value ÷ step as a zigzag varint delta from the reading before (the
///   first from 0); with bit 0 clear, a byte saying whether a quantised delta or a float64
///   follows, then that.
///
/// Versions 2 (reading count as a varint before the flags byte, no bits 2 and 3) and 1 (per reading: series, timestamp − base, tag,
/// quality, value) are still read, so an outbox written by an older agent is sealed after an
/// upgrade.
struct Segment {
    struct Reading {
        var series: Int64
        var sample: Sample
    }

    var clockState: ClockState
    var monotonic: Int64
    var readings: [Reading]

    private enum Flag {
        static let allQuantised: UInt8 = 1
        static let allGood: UInt8 = 2
        /// Version 3: every reading after the first is one usual interval after the one before;
        /// only the first timestamp is written.
        static let regularTicks: UInt8 = 4
        /// Version 3: the first reading is at the base timestamp; no timestamp is written for it.
        static let firstAtBase: UInt8 = 8
        /// Version 3: the flags byte holds the reading count in its high nibble when 1-15.
        static let countShift: UInt8 = 4
    }

    /// Encodes readings; `resolutions` gives the step of quantised series.
    static func encode(_ readings: [Reading], resolutions: [Int64: Resolution], clock: ClockReading) -> [UInt8] {
        var order: [Int64] = []
        var groups: [Int64: [Sample]] = [:]
        for reading in readings {
            if groups[reading.series] == nil { order.append(reading.series) }
            groups[reading.series, default: []].append(reading.sample)
        }
        var writer = ByteWriter(capacity: 16 + readings.count * 3 + order.count * 4)
        writer.write(UInt8(ascii: "S"))
        writer.write(3)
        writer.write(clock.state.rawValue)
        writer.writeVarInt(clock.monotonic)
        let base = readings.map(\.sample.timestamp).min() ?? 0
        writer.writeVarInt(base)
        let interval =
            order.lazy.compactMap { series -> Int64? in
                guard let samples = groups[series], samples.count >= 2 else { return nil }
                return samples[1].timestamp &- samples[0].timestamp
            }.first ?? 0
        writer.writeVarInt(interval)
        writer.writeVarUInt(UInt64(order.count))
        for series in order {
            let samples = groups[series] ?? []
            let step = resolutions[series]?.step
            let quantised = samples.map { quantise($0.value, step: step) }
            var flags: UInt8 = 0
            if quantised.allSatisfy({ $0 != nil }) { flags |= Flag.allQuantised }
            if samples.allSatisfy({ $0.quality == .good }) { flags |= Flag.allGood }
            if samples.count >= 2,
                zip(samples, samples.dropFirst()).allSatisfy({ $1.timestamp &- $0.timestamp == interval })
            {
                flags |= Flag.regularTicks
            }
            if samples.first?.timestamp == base { flags |= Flag.firstAtBase }
            writer.writeVarUInt(UInt64(bitPattern: series))
            // A commit every second holds one reading per series: the count rides in the flags.
            let smallCount = samples.count < 16 ? UInt8(samples.count) : 0
            writer.write(flags | smallCount << Flag.countShift)
            if smallCount == 0 { writer.writeVarUInt(UInt64(samples.count)) }
            var previousTimestamp = base
            var previousDelta: Int64?
            var previousValue: Int64 = 0
            for (sample, integer) in zip(samples, quantised) {
                let delta = sample.timestamp &- previousTimestamp
                if previousDelta == nil ? flags & Flag.firstAtBase == 0 : flags & Flag.regularTicks == 0 {
                    writer.writeVarInt(previousDelta.map { delta &- $0 } ?? delta)
                }
                previousTimestamp = sample.timestamp
                previousDelta = previousDelta == nil ? interval : delta
                if flags & Flag.allGood == 0 {
                    writer.write(sample.quality.level.rawValue)
                    writer.write(sample.quality.code)
                }
                if flags & Flag.allQuantised == 0 { writer.write(integer == nil ? 1 : 0) }
                if let integer {
                    writer.writeVarInt(integer &- previousValue)
                    previousValue = integer
                } else {
                    writer.writeDouble(sample.value)
                }
            }
        }
        return writer.bytes
    }

    /// Decodes a segment; a damaged one throws, naming the field.
    static func decode(_ bytes: [UInt8], resolutions: [Int64: Resolution]) throws(WireError) -> Segment {
        var reader = ByteReader(bytes)
        guard try reader.readByte("segment magic") == UInt8(ascii: "S") else {
            throw .malformed(field: "segment header", offset: 0, reason: "not an outbox segment")
        }
        let version = try reader.readByte("segment version")
        guard (1...3).contains(version) else {
            throw .malformed(field: "segment version", offset: 1, reason: "unknown version \(version)")
        }
        guard let clockState = ClockState(rawValue: try reader.readByte("segment clock state")) else {
            throw .malformed(field: "segment clock state", offset: 2, reason: "unknown clock state")
        }
        let monotonic = try reader.readVarInt("segment monotonic time")
        let base = try reader.readVarInt("segment base timestamp")
        let readings =
            version == 1
            ? try decodeVersion1(&reader, base: base, resolutions: resolutions)
            : try decodeVersion2(
                &reader, base: base, interval: try reader.readVarInt("segment interval"), resolutions: resolutions,
                version: version)
        return Segment(clockState: clockState, monotonic: monotonic, readings: readings)
    }

    /// Versions 2 and 3.
    private static func decodeVersion2(
        _ reader: inout ByteReader, base: Int64, interval: Int64, resolutions: [Int64: Resolution], version: UInt8
    ) throws(WireError) -> [Reading] {
        let groups = try reader.readCount("segment series count", maximum: 10_000_000, limit: "series per segment")
        var readings: [Reading] = []
        for _ in 0..<groups {
            let series = Int64(bitPattern: try reader.readVarUInt("group series"))
            var count: Int
            var flags: UInt8
            if version == 2 {
                count = try reader.readCount("group reading count", maximum: 10_000_000, limit: "readings per segment")
                flags = try reader.readByte("group flags")
            } else {
                flags = try reader.readByte("group flags")
                count = Int(flags >> Flag.countShift)
                flags &= (1 << Flag.countShift) - 1
                if count == 0 {
                    count = try reader.readCount(
                        "group reading count", maximum: 10_000_000, limit: "readings per segment")
                }
            }
            let step = resolutions[series]?.step
            var previousTimestamp = base
            var previousDelta: Int64?
            var previousValue: Int64 = 0
            for _ in 0..<count {
                let implied =
                    previousDelta == nil ? flags & Flag.firstAtBase != 0 : flags & Flag.regularTicks != 0
                let delta = (previousDelta ?? 0) &+ (implied ? 0 : try reader.readVarInt("reading timestamp"))
                previousTimestamp = previousTimestamp &+ delta
                let timestamp = previousTimestamp
                previousDelta = previousDelta == nil ? interval : delta
                let quality = flags & Flag.allGood != 0 ? Quality.good : try readQuality(&reader)
                var isDouble = false
                if flags & Flag.allQuantised == 0 { isDouble = try reader.readByte("reading value kind") != 0 }
                let value: Double
                if isDouble {
                    value = try reader.readDouble("reading value")
                } else {
                    guard let step else {
                        throw .malformed(
                            field: "reading value", offset: reader.offset, reason: "series \(series) has no resolution")
                    }
                    previousValue = previousValue &+ (try reader.readVarInt("reading value"))
                    value = Double(previousValue) * step
                }
                readings.append(
                    Reading(series: series, sample: Sample(timestamp: timestamp, value: value, quality: quality)))
            }
        }
        return readings
    }

    private static func decodeVersion1(
        _ reader: inout ByteReader, base: Int64, resolutions: [Int64: Resolution]
    ) throws(WireError) -> [Reading] {
        let count = try reader.readCount("segment reading count", maximum: 10_000_000, limit: "readings per segment")
        var readings: [Reading] = []
        readings.reserveCapacity(count)
        for _ in 0..<count {
            let series = Int64(bitPattern: try reader.readVarUInt("reading series"))
            let timestamp = base &+ Int64(bitPattern: try reader.readVarUInt("reading timestamp"))
            let tag = try reader.readByte("reading tag")
            let quality = tag & 2 != 0 ? try readQuality(&reader) : Quality.good
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
        return readings
    }

    private static func readQuality(_ reader: inout ByteReader) throws(WireError) -> Quality {
        guard let level = Quality.Level(rawValue: try reader.readByte("reading quality level")) else {
            throw .malformed(field: "reading quality level", offset: reader.offset, reason: "reserved level")
        }
        return Quality(level, code: try reader.readByte("reading quality code"))
    }

    /// `value ÷ step` as an integer, when the series is quantised and the value fits.
    private static func quantise(_ value: Double, step: Double?) -> Int64? {
        guard let step, value.isFinite else { return nil }
        let scaled = (value / step).rounded()
        return abs(scaled) < 9.0e15 ? Int64(scaled) : nil
    }
}
