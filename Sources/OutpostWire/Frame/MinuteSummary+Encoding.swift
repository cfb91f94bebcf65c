/// The binary form of minute summaries in a summary frame (docs/wire-format.md, "Summary
/// frames"): whole steps of the series' resolution where every valid value is one, so a minute
/// of a series costs about 15 bytes.
extension MinuteSummary {
    /// Writes the entry; `previousMinute` is the minute of the entry before it (0 for the first).
    func write(to writer: inout ByteWriter, resolution: Resolution?, previousMinute: Int64) {
        writer.writeVarUInt(UInt64(seriesID))
        writer.writeVarInt(minute &- previousMinute)
        writer.writeVarUInt(UInt64(count))
        let steps = quantised(resolution)
        writer.writeVarUInt(UInt64(validCount) << 1 | (steps == nil ? 0 : 1))
        writer.writeVarUInt(UInt64(newestMilliseconds))
        guard validCount > 0 else { return }
        if let steps {
            writer.writeVarInt(steps.min)
            writer.writeVarUInt(UInt64(steps.max - steps.min))
            writer.writeVarUInt(UInt64(steps.last - steps.min))
            writer.writeVarInt(steps.sum)
        } else {
            writer.writeDouble(min)
            writer.writeDouble(max)
            writer.writeDouble(sum)
            writer.writeDouble(last)
        }
    }

    /// Min, max, last and sum in whole steps of `resolution`, when all of them are.
    private func quantised(_ resolution: Resolution?) -> (min: Int64, max: Int64, last: Int64, sum: Int64)? {
        guard validCount > 0, let resolution, let sum = sumSteps, let low = resolution.steps(of: min),
            let high = resolution.steps(of: max), let last = resolution.steps(of: self.last),
            resolution.value(ofSteps: low) == min, resolution.value(ofSteps: high) == max,
            resolution.value(ofSteps: last) == self.last, low <= last, last <= high
        else { return nil }
        return (low, high, last, sum)
    }

    /// Reads one entry; `dictionary` gives the series' resolutions, `previousMinute` is the
    /// minute of the entry before.
    init(
        reading reader: inout ByteReader, dictionary: [UInt32: SeriesDescriptor], previousMinute: Int64,
        limits: FrameLimits, field: () -> String
    ) throws(WireError) {
        let offset = reader.offset
        let id = try reader.readCount("\(field()).series", maximum: Int(UInt32.max), limit: "series id")
        guard let series = dictionary[UInt32(id)] else {
            throw .malformed(
                field: field(), offset: offset,
                reason: "summary refers to series id \(id), which is not in the dictionary")
        }
        let (minute, overflow) = previousMinute.addingReportingOverflow(try reader.readVarInt("\(field()).minute"))
        guard !overflow, minute.multipliedReportingOverflow(by: Self.width).overflow == false else {
            throw .malformed(field: "\(field()).minute", offset: offset, reason: "minute outside the range of times")
        }
        let count = try reader.readCount(
            "\(field()).count", maximum: limits.maxSamplesPerChunk, limit: "samples per summary")
        guard count >= 1 else { throw .malformed(field: "\(field()).count", offset: offset, reason: "count is 0") }
        let validAndForm = try reader.readVarUInt("\(field()).valid_count")
        let validCount = validAndForm >> 1
        let quantised = validAndForm & 1 == 1
        guard validCount <= UInt64(count) else {
            throw .malformed(
                field: "\(field()).valid_count", offset: offset,
                reason: "valid count \(validCount) is larger than count \(count)")
        }
        let newest = try reader.readVarUInt("\(field()).newest")
        guard newest < 60_000 else {
            throw .malformed(field: "\(field()).newest", offset: offset, reason: "\(newest) ms is not within a minute")
        }
        self.init(
            seriesID: UInt32(id), minute: minute, count: count, validCount: Int(validCount), min: .nan, max: .nan,
            sum: 0, last: .nan, newestMilliseconds: Int(newest))
        guard validCount > 0 else {
            guard !quantised else {
                throw .malformed(field: field(), offset: offset, reason: "quantised form without valid readings")
            }
            return
        }
        if quantised {
            try readSteps(&reader, resolution: series.resolution, offset: offset, field: field)
        } else {
            min = try reader.readDouble("\(field()).min")
            max = try reader.readDouble("\(field()).max")
            sum = try reader.readDouble("\(field()).sum")
            last = try reader.readDouble("\(field()).last")
            guard min.isFinite, max.isFinite, sum.isFinite, last.isFinite, min <= last, last <= max else {
                throw .malformed(
                    field: field(), offset: offset,
                    reason: "summary min \(min), last \(last), max \(max), sum \(sum) are not finite and in order")
            }
        }
    }

    private mutating func readSteps(
        _ reader: inout ByteReader, resolution: Resolution?, offset: Int, field: () -> String
    ) throws(WireError) {
        guard let resolution else {
            throw .malformed(field: field(), offset: offset, reason: "quantised form for a series without resolution")
        }
        let low = try reader.readVarInt("\(field()).min")
        let range = try reader.readVarUInt("\(field()).max")
        let lastOffset = try reader.readVarUInt("\(field()).last")
        let steps = try reader.readVarInt("\(field()).sum")
        // Each must be a number of steps a value quantises to (|steps| ≤ 2^40), as in a chunk.
        let limit = UInt64(1) << 41
        let exact = { (steps: Int64) in resolution.steps(of: resolution.value(ofSteps: steps)) == steps }
        guard low.magnitude <= limit, range <= limit, lastOffset <= range, exact(low), exact(low + Int64(range))
        else {
            throw .malformed(
                field: field(), offset: offset, reason: "summary steps out of range (min \(low), range \(range))")
        }
        min = resolution.value(ofSteps: low)
        max = resolution.value(ofSteps: low + Int64(range))
        last = resolution.value(ofSteps: low + Int64(lastOffset))
        sumSteps = steps
        // Σ steps × mantissa may not fit an Int64: the sum is worked out in binary64.
        let product = Double(steps) * Double(resolution.mantissa)
        sum = resolution.exponent < 0 ? product / resolution.scale : product * resolution.scale
    }
}
