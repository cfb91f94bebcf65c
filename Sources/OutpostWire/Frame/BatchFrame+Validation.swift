/// The rules a frame's contents obey, shared by the encoder, the binary decoder and the JSON
/// parser so that all three accept exactly the same frames.
extension BatchFrame {
    /// Why a gateway id is refused, or nil.
    static func problem(gatewayID: String, limits: FrameLimits) -> String? {
        isValidGatewayID(gatewayID, maxBytes: limits.maxGatewayIDBytes)
            ? nil
            : "'\(gatewayID.prefix(limits.maxGatewayIDBytes))' is not a gateway id (1-\(limits.maxGatewayIDBytes) of A-Z a-z 0-9 . _ -)"
    }

    /// Why a series descriptor is refused, or nil. `seen` collects the ids met so far.
    static func problem(series: SeriesDescriptor, seen: inout Set<UInt32>, limits: FrameLimits) -> String? {
        if series.name.isEmpty { return "series \(series.id) has an empty name" }
        if series.name.utf8.count > limits.maxNameBytes {
            return "series \(series.id) name is longer than \(limits.maxNameBytes) bytes"
        }
        if series.unit.utf8.count > limits.maxUnitBytes {
            return "series \(series.id) unit is longer than \(limits.maxUnitBytes) bytes"
        }
        // A NUL cuts a name short in SQLite (two names become one) and PostgreSQL refuses the
        // frame's whole transaction, so it would be resent for ever: refused here, once.
        if series.name.utf8.contains(0) { return "series \(series.id) name holds a NUL character" }
        if series.unit.utf8.contains(0) { return "series \(series.id) unit holds a NUL character" }
        if !seen.insert(series.id).inserted { return "series id \(series.id) appears twice" }
        return nil
    }

    /// Why a chunk is refused, or nil.
    static func problem(chunk: FrameChunk, dictionary: [UInt32: SeriesDescriptor]) -> String? {
        guard let series = dictionary[chunk.seriesID] else {
            return "chunk refers to series id \(chunk.seriesID), which is not in the dictionary"
        }
        if chunk.chunk.resolution != series.resolution {
            return
                "chunk of series '\(series.name)' has resolution \(chunk.chunk.resolution.map { "\($0)" } ?? "none"), the series declares \(series.resolution.map { "\($0)" } ?? "none")"
        }
        return nil
    }

    /// Checks the whole frame against the rules and `limits`.
    func checkConsistency(limits: FrameLimits = .default) throws(WireError) {
        if let problem = Self.problem(gatewayID: gatewayID, limits: limits) {
            throw .malformed(field: "gateway_id", offset: 0, reason: problem)
        }
        guard series.count <= limits.maxSeries else {
            throw .limitExceeded(
                limit: "series count", value: UInt64(series.count), maximum: UInt64(limits.maxSeries), offset: 0)
        }
        guard chunks.count <= limits.maxChunks else {
            throw .limitExceeded(
                limit: "chunk count", value: UInt64(chunks.count), maximum: UInt64(limits.maxChunks), offset: 0)
        }
        var seen = Set<UInt32>()
        for (index, descriptor) in series.enumerated() {
            if let problem = Self.problem(series: descriptor, seen: &seen, limits: limits) {
                throw .malformed(field: "series[\(index)]", offset: 0, reason: problem)
            }
        }
        let dictionary = Dictionary(series.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var samples = 0
        for (index, chunk) in chunks.enumerated() {
            if let problem = Self.problem(chunk: chunk, dictionary: dictionary) {
                throw .malformed(field: "chunks[\(index)]", offset: 0, reason: problem)
            }
            guard chunk.chunk.count <= limits.maxSamplesPerChunk else {
                throw .limitExceeded(
                    limit: "samples per chunk", value: UInt64(chunk.chunk.count),
                    maximum: UInt64(limits.maxSamplesPerChunk), offset: 0)
            }
            samples += chunk.chunk.count
        }
        guard samples <= limits.maxSamplesPerFrame else {
            throw .limitExceeded(
                limit: "samples per frame", value: UInt64(samples), maximum: UInt64(limits.maxSamplesPerFrame),
                offset: 0)
        }
        try checkSummaries(dictionary: dictionary, limits: limits)
    }

    /// A summary frame holds summaries only, in order, of series in the dictionary; any other
    /// frame holds none.
    private func checkSummaries(dictionary: [UInt32: SeriesDescriptor], limits: FrameLimits) throws(WireError) {
        guard kind == .summary else {
            guard summaries.isEmpty else {
                throw .malformed(field: "summaries", offset: 0, reason: "summaries in a frame of readings")
            }
            return
        }
        guard chunks.isEmpty else { throw .malformed(field: "chunks", offset: 0, reason: "chunks in a summary frame") }
        guard summaries.count <= limits.maxChunks else {
            throw .limitExceeded(
                limit: "summary count", value: UInt64(summaries.count), maximum: UInt64(limits.maxChunks), offset: 0)
        }
        for (index, entry) in summaries.enumerated() {
            guard dictionary[entry.seriesID] != nil else {
                throw .malformed(
                    field: "summaries[\(index)]", offset: 0,
                    reason: "summary refers to series id \(entry.seriesID), which is not in the dictionary")
            }
            guard entry.count >= 1, (0...entry.count).contains(entry.validCount),
                entry.count <= limits.maxSamplesPerChunk,
                (0..<60_000).contains(entry.newestMilliseconds)
            else {
                throw .malformed(field: "summaries[\(index)]", offset: 0, reason: "counts or newest out of range")
            }
            if index > 0, (summaries[index - 1].seriesID, summaries[index - 1].minute) >= (entry.seriesID, entry.minute)
            {
                throw .malformed(
                    field: "summaries[\(index)]", offset: 0, reason: "not after the entry before (series, minute)")
            }
        }
    }
}
