import OutpostWire

/// How compaction merges a series' settled chunks, the same for every backend: consecutive
/// chunks (in query order) smaller than half of `targetCount` samples are gathered into runs of
/// at most `targetCount` samples; each run of two or more becomes one chunk holding the same
/// samples in the order a query returns them. A chunk that does not decode is left as it is.
enum CompactionRuns {
    /// One stored chunk and its row id.
    struct Entry {
        var id: Int64
        var chunk: StoredChunk
    }

    /// The runs worth merging among `entries` (ordered by start, then id).
    static func runs(_ entries: [Entry], targetCount: Int) -> [[Entry]] {
        var runs: [[Entry]] = []
        var run: [Entry] = []
        var runCount = 0
        func flush() {
            if run.count >= 2 { runs.append(run) }
            run = []
            runCount = 0
        }
        for entry in entries {
            guard let header = try? Chunk(record: entry.chunk.record) else { continue }  // kept, never lost
            if header.count >= targetCount / 2 {
                flush()
                continue
            }
            if runCount + header.count > targetCount { flush() }
            run.append(entry)
            runCount += header.count
        }
        flush()
        return runs
    }

    /// The one chunk replacing `run`.
    static func merged(_ run: [Entry], resolution: Resolution?) throws -> Chunk {
        var samples: [Sample] = []
        var synchronised = true
        for entry in run {
            samples += try entry.chunk.columns().samples
            synchronised = try synchronised && Chunk(record: entry.chunk.record).clockSynchronised
        }
        return try Chunk(
            encoding: SampleColumns(QueryEngine.ordered(samples)), resolution: resolution,
            clockSynchronised: synchronised)
    }
}
