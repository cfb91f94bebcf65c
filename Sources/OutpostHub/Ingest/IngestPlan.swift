import OutpostWire

/// Everything one frame (or one import) changes in the store, worked out before the store is
/// touched, so every backend applies the same rows: the chunks with their true spans, the rollup
/// contributions of each series, and the newest reading of each series.
package struct IngestPlan: Sendable {
    /// One chunk to store.
    package struct ChunkRow: Sendable {
        /// The series, by name within the gateway.
        package var series: String
        /// The chunk, with its true span and shift.
        package var stored: StoredChunk
    }

    /// The newest reading of a series in this plan.
    package struct Newest: Sendable {
        /// True time.
        package var timestamp: Int64
        /// Last valid value (NaN when none).
        package var value: Double
        /// Whether the newest sample was good.
        package var good: Bool
    }

    /// The series the chunks refer to.
    package var series: [SeriesDescriptor]
    /// The chunks.
    package var chunks: [ChunkRow]
    /// Rollup contributions: level → series name → bucket start → aggregate.
    package var rollups: [RollupLevel: [String: [Int64: Aggregate]]]
    /// The newest reading per series name.
    package var newest: [String: Newest]
    /// The number of readings.
    package var readingCount: Int

    /// Plans the chunks of `series` (frame chunk ids refer to `series`), shifting unsynchronised
    /// chunks by `clock`.
    package init(series: [SeriesDescriptor], chunks: [FrameChunk], clock: BootClock?) throws(WireError) {
        self.series = series
        self.chunks = []
        rollups = [:]
        newest = [:]
        readingCount = 0
        let names = Dictionary(series.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        for entry in chunks {
            guard let name = names[entry.seriesID] else {
                throw .malformed(
                    field: "chunk.series", offset: 0, reason: "series id \(entry.seriesID) is not in the dictionary")
            }
            try add(entry.chunk, series: name, shift: clock?.shift(for: entry.chunk) ?? 0)
        }
    }

    private mutating func add(_ chunk: Chunk, series name: String, shift: Int64) throws(WireError) {
        // Whatever a gateway's clock said, the true times must be ones a reading can have: the
        // rollups, partitions and queries behind this point rely on it.
        let (start, lowOverflow) = chunk.minTimestamp.addingReportingOverflow(shift)
        let (end, highOverflow) = chunk.maxTimestamp.addingReportingOverflow(shift)
        guard !lowOverflow, TimeWindow.contains(start) else {
            throw .implausibleTime(field: "series '\(name)'", timestamp: lowOverflow ? chunk.minTimestamp : start)
        }
        guard !highOverflow, TimeWindow.contains(end) else {
            throw .implausibleTime(field: "series '\(name)'", timestamp: highOverflow ? chunk.maxTimestamp : end)
        }
        let stored = StoredChunk(start: start, end: end, shift: shift, record: chunk.serialized())
        chunks.append(ChunkRow(series: name, stored: stored))
        readingCount += chunk.count
        var decoded: SampleColumns?
        for level in RollupLevel.allCases {
            if level.bucket(of: start) == level.bucket(of: end) {
                rollups[level, default: [:]][name, default: [:]][level.bucket(of: start), default: .empty]
                    .merge(Aggregate(count: chunk.count, summary: chunk.summary))
                continue
            }
            // The chunk straddles buckets: its samples are placed one by one.
            if decoded == nil { decoded = try stored.columns() }
            guard let columns = decoded else { continue }
            var buckets = rollups[level, default: [:]][name, default: [:]]
            for index in 0..<columns.count {
                buckets[level.bucket(of: columns.timestamps[index]), default: .empty]
                    .add(columns.values[index], quality: columns.quality(at: index))
            }
            rollups[level, default: [:]][name] = buckets
        }
        let candidate = Newest(timestamp: end, value: chunk.summary.last, good: chunk.summary.validCount == chunk.count)
        if let known = newest[name], known.timestamp > end { return }
        newest[name] = candidate
    }
}
