import OutpostDatasets
import OutpostHub
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// `outpost-bench query`: latency of the four questions operators ask most, on a store holding
/// a fleet's readings: 1,000 gateways × 20 series × 500 readings (one a second), one series
/// with the last 24 hours at one reading a second, and one with 30 days at one a minute.
package struct QueryBenchmark {
    /// Latencies of one kind of query.
    package struct Figures: Codable, Sendable {
        /// What was asked.
        package var name: String
        /// Median latency, milliseconds.
        package var p50Milliseconds: Double
        /// 95th percentile, milliseconds.
        package var p95Milliseconds: Double
        /// Queries timed.
        package var runs: Int
    }

    /// What was built and measured.
    package struct Report: Codable, Sendable {
        /// Readings stored.
        package var readings: Int
        /// Seconds spent storing them (`apply`, group commits of 50 frames).
        package var loadSeconds: Double
        /// Store file bytes per reading after compaction.
        package var bytesPerReading: Double
        /// The queries.
        package var queries: [Figures]
    }

    let folder: String
    let gateways: Int
    let seriesPerGateway: Int
    let readingsPerSeries: Int
    let runs: Int
    let store: BenchStore.Kind

    /// Creates the benchmark, storing into `folder` (or a PostgreSQL cluster started there).
    package init(
        folder: String, gateways: Int = 1000, seriesPerGateway: Int = 20, readingsPerSeries: Int = 500, runs: Int = 200,
        store: BenchStore.Kind = .sqlite
    ) {
        self.folder = folder
        self.store = store
        self.gateways = gateways
        self.seriesPerGateway = seriesPerGateway
        self.readingsPerSeries = readingsPerSeries
        self.runs = runs
    }

    /// Builds the store and times the queries.
    package func run() async throws -> Report {
        let backing = try BenchStore(self.store, folder: folder)
        let store = try await backing.open(dataDirectory: folder)
        let now = systemWallClock() / 60_000_000_000 * 60_000_000_000
        let minute: Int64 = 60_000_000_000
        var random = SeededGenerator(seed: 7)
        let resolution = Resolution(parsing: "0.01")
        let loadStart = ContinuousClock.now
        var readings = 0
        var pending: [ReceivedFrame] = []
        func flush() async throws {
            guard !pending.isEmpty else { return }
            _ = try await store.apply(pending)
            pending = []
        }
        func frame(_ gateway: String, _ sequence: UInt64, series: [(String, [Sample])]) async throws -> ReceivedFrame {
            let descriptors = series.enumerated().map {
                SeriesDescriptor(id: UInt32($0.offset), name: $0.element.0, unit: "V", resolution: resolution)
            }
            let chunks = try series.enumerated().map { index, entry in
                FrameChunk(
                    seriesID: UInt32(index),
                    chunk: try Chunk(encoding: SampleColumns(entry.1), resolution: resolution, clockSynchronised: true))
            }
            let frame = BatchFrame(
                gatewayID: gateway, sequence: sequence, bootID: .zero, clockState: .synchronised, createdAt: now,
                createdMonotonic: 0, series: descriptors, chunks: chunks)
            return ReceivedFrame(frame: frame, hubTime: now)
        }
        for gateway in 0..<gateways {
            let id = "gw-\(gateway)"
            try await store.enrol(gateway: id, publicKey: [], latitude: nil, longitude: nil, at: now)
            var series: [(String, [Sample])] = []
            for index in 0..<seriesPerGateway {
                var value = Double(Int.random(in: 20_000...25_000, using: &random)) / 100
                let samples = (0..<readingsPerSeries).map { step -> Sample in
                    value += Double(Int.random(in: -3...3, using: &random)) / 100
                    return Sample(timestamp: now - Int64(readingsPerSeries - step) * 1_000_000_000, value: value)
                }
                series.append(("point\(index)", samples))
                readings += samples.count
            }
            await pending.append(try frame(id, 1, series: series))
            if pending.count == 50 { try await flush() }
        }
        // The deep series: 30 days, one reading a minute, in day-long frames.
        for day in 0..<30 {
            let samples = (0..<1440).map { step -> Sample in
                let time = now - Int64(30 - day) * 1440 * minute + Int64(step) * minute
                return Sample(timestamp: time, value: Double((day * 1440 + step) % 5000) / 100)
            }
            await pending.append(try frame("gw-deep", UInt64(day + 1), series: [("history", samples)]))
            readings += samples.count
        }
        // The day series: 24 hours, one reading a second, in 10-minute frames.
        for part in 0..<144 {
            let samples = (0..<600).map { step -> Sample in
                let time = now - 86_400_000_000_000 + Int64(part * 600 + step) * 1_000_000_000
                return Sample(timestamp: time, value: 50 + Double((part * 600 + step) % 1000) / 100)
            }
            await pending.append(try frame("gw-day", UInt64(part + 1), series: [("load", samples)]))
            readings += samples.count
        }
        try await flush()
        let loadSeconds = (ContinuousClock.now - loadStart).seconds
        _ = try await store.compact(settledBefore: now + 1, targetCount: 4096)
        let bytes = try await store.diskBytes()

        let engine = QueryEngine(store: store)
        var queries: [Figures] = []
        queries.append(
            try await time("one series, last 24 h raw (86,400 readings)") {
                _ = try await engine.range(SeriesKey(gateway: "gw-day", name: "load"), (now - 1440 * minute)...now)
            })
        queries.append(
            try await time("one series, 30 days in 1,000 buckets") {
                _ = try await engine.buckets(
                    SeriesKey(gateway: "gw-deep", name: "history"), (now - 30 * 1440 * minute)...now, count: 1000)
            })
        queries.append(
            try await time("latest values of one gateway") {
                _ = try await engine.latest(gateway: "gw-\(Int.random(in: 0..<gateways, using: &random))")
            })
        queries.append(try await time("fleet overview, \(gateways) gateways") { _ = try await engine.fleet(now: now) })
        return Report(
            readings: readings, loadSeconds: loadSeconds, bytesPerReading: Double(bytes) / Double(readings),
            queries: queries)
    }

    private func time(_ name: String, _ body: () async throws -> Void) async throws -> Figures {
        try await body()  // warm the page cache and statement caches
        var latencies: [Double] = []
        for _ in 0..<runs {
            let start = ContinuousClock.now
            try await body()
            latencies.append((ContinuousClock.now - start).seconds * 1000)
        }
        latencies.sort()
        return Figures(
            name: name, p50Milliseconds: latencies[latencies.count / 2],
            p95Milliseconds: latencies[min(latencies.count - 1, latencies.count * 95 / 100)], runs: runs)
    }

}
