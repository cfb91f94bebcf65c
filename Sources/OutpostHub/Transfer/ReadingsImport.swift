import OutpostWire

/// Backfill of one series from a data logger's readings: chunks of up to `chunkSize` samples in
/// time order, stored through the same plan as ingest (rollups included).
package enum ReadingsImport {
    /// Stores `samples` as `series` of `gateway`; `progress` hears the count stored so far.
    package static func run(
        _ samples: [Sample], gateway: String, series: SeriesDescriptor, into store: any HubStore,
        chunkSize: Int = 4096, progress: (Int) -> Void = { _ in }
    ) async throws {
        let ordered = QueryEngine.ordered(samples)
        var stored = 0
        // Several chunks per transaction: a million rows commit in about a hundred transactions.
        let perTransaction = 25
        var start = 0
        while start < ordered.count {
            var chunks: [FrameChunk] = []
            while start < ordered.count, chunks.count < perTransaction {
                let end = min(start + chunkSize, ordered.count)
                let chunk = try Chunk(
                    encoding: SampleColumns(ordered[start..<end]), resolution: series.resolution,
                    clockSynchronised: true)
                chunks.append(FrameChunk(seriesID: series.id, chunk: chunk))
                start = end
            }
            let plan = try IngestPlan(series: [series], chunks: chunks, clock: nil)
            try await store.importReadings(gateway: gateway, plan: plan)
            stored += plan.readingCount
            progress(stored)
        }
    }
}
