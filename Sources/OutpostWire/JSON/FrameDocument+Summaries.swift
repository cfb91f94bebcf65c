/// The JSON rendering of a summary frame's entries and of a frame's kind.
extension FrameDocument {
    struct MinuteSummaryDocument: Codable {
        var seriesID: UInt32
        var minute: Int64
        var count: Int
        var validCount: Int
        var min: JSONDouble
        var max: JSONDouble
        var sum: JSONDouble
        var last: JSONDouble
        var newestMs: Int
        /// The sum in whole steps, when the entry travels in the quantised form.
        var sumSteps: Int64?

        enum CodingKeys: String, CodingKey {
            case minute, count, min, max, sum, last
            case seriesID = "series_id"
            case validCount = "valid_count"
            case newestMs = "newest_ms"
            case sumSteps = "sum_steps"
        }

        init(_ entry: MinuteSummary) {
            seriesID = entry.seriesID
            minute = entry.minute
            count = entry.count
            validCount = entry.validCount
            min = JSONDouble(entry.min)
            max = JSONDouble(entry.max)
            sum = JSONDouble(entry.sum)
            last = JSONDouble(entry.last)
            newestMs = entry.newestMilliseconds
            sumSteps = entry.sumSteps
        }

        var entry: MinuteSummary {
            MinuteSummary(
                seriesID: seriesID, minute: minute, count: count, validCount: validCount, min: min.value,
                max: max.value, sum: sum.value, last: last.value, newestMilliseconds: newestMs, sumSteps: sumSteps)
        }
    }

    /// Sets `frame`'s kind and summaries from the document; the frame's checks do the rest.
    func readKind(into frame: inout BatchFrame, resolutions: [UInt32: Resolution?], limits: FrameLimits)
        throws(WireError)
    {
        guard let kind else { return }
        guard let parsed = FrameKind(jsonName: kind) else {
            throw .invalidJSON(path: "$.kind", reason: "must be summary or deferred_readings, or absent")
        }
        frame.kind = parsed
        guard let summaries else { return }
        guard summaries.count <= limits.maxChunks else {
            throw .limitExceeded(
                limit: "summary count", value: UInt64(summaries.count), maximum: UInt64(limits.maxChunks), offset: 0)
        }
        // The binary form is the reference: an entry reads back from its bytes as it was.
        let descriptors = Dictionary(
            uniqueKeysWithValues: resolutions.map {
                ($0.key, SeriesDescriptor(id: $0.key, name: "s", resolution: $0.value))
            })
        for (index, document) in summaries.enumerated() {
            let entry = document.entry
            guard entry.count >= 1, (0...entry.count).contains(entry.validCount),
                (0..<60_000).contains(entry.newestMilliseconds)
            else {
                throw .invalidJSON(
                    path: "$.summaries[\(index)]", reason: "count ≥ 1, valid_count 0…count and newest_ms 0…59999")
            }
            var writer = ByteWriter(capacity: 48)
            entry.write(to: &writer, resolution: resolutions[entry.seriesID] ?? nil, previousMinute: 0)
            var reader = ByteReader(writer.bytes)
            let read = try MinuteSummary(
                reading: &reader, dictionary: descriptors, previousMinute: 0, limits: limits,
                field: { "summaries[\(index)]" })
            guard read.isIdentical(to: entry) else {
                throw .invalidJSON(path: "$.summaries[\(index)]", reason: "not a summary the binary form can hold")
            }
            frame.summaries.append(entry)
        }
    }
}

extension FrameKind {
    /// The name in JSON; nil for readings, which the JSON leaves out.
    var jsonName: String? {
        switch self {
        case .readings: nil
        case .summary: "summary"
        case .deferredReadings: "deferred_readings"
        }
    }

    init?(jsonName: String) {
        switch jsonName {
        case "summary": self = .summary
        case "deferred_readings": self = .deferredReadings
        default: return nil
        }
    }
}

extension MinuteSummary {
    /// Equal field by field, NaNs and the sign of zero included.
    func isIdentical(to other: MinuteSummary) -> Bool {
        seriesID == other.seriesID && minute == other.minute && count == other.count
            && validCount == other.validCount && min.bitPattern == other.min.bitPattern
            && max.bitPattern == other.max.bitPattern && last.bitPattern == other.last.bitPattern
            && newestMilliseconds == other.newestMilliseconds
            && (sumSteps != nil ? sumSteps == other.sumSteps : sum.bitPattern == other.sum.bitPattern)
    }
}
