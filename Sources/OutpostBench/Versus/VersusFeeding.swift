import OutpostSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How `outpost-bench versus` times a feed, waits for a store's compaction to settle, and asks
/// its questions: the same for every system.
enum VersusFeeding {
    /// Runs `feed`, measuring its wall time, the CPU of `pids` (plus `extraCPU`, a database
    /// server's) over it, and their largest summed RSS sampled every 50 ms.
    static func timed(
        _ pids: [pid_t], extraCPU: @escaping () -> Double = { 0 }, _ feed: () async throws -> Void
    ) async throws -> VersusBenchmark.Feed {
        let cpu = { pids.reduce(extraCPU()) { $0 + ProcessProbe.cpuSeconds($1) } }
        let peak = Atomic<Int>(0)
        let startCPU = cpu()
        let start = ContinuousClock.now
        let sampler = Task {
            while !Task.isCancelled {
                let resident = pids.reduce(0) { $0 + ProcessProbe.residentKilobytes($1) }
                _ = peak.max(resident, ordering: .relaxed)
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        defer { sampler.cancel() }
        try await feed()
        let seconds = Timings.milliseconds(ContinuousClock.now - start) / 1000
        return VersusBenchmark.Feed(
            seconds: seconds, cpuSeconds: cpu() - startCPU, peakKilobytes: peak.load(ordering: .relaxed),
            bytesOnDisk: 0)
    }

    /// The bytes under `folder` once they have not changed for `quiet` seconds (at most ten
    /// minutes): a store's background merges and compactions have then finished.
    static func settledSize(_ folder: String, quiet: Int = 5) async throws -> Int64 {
        let deadline = ContinuousClock.now + .seconds(600)
        var last = DirectorySize.bytes(folder)
        var unchanged = 0
        while unchanged < quiet, ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(1))
            let now = DirectorySize.bytes(folder)
            unchanged = now == last ? unchanged + 1 : 0
            last = now
        }
        return last
    }

    /// Asks each of `queries` once to warm up (its numbers are the answer compared), then
    /// `repetitions` times timed.
    static func ask(_ queries: [VersusQuery], _ http: BenchHTTP, _ repetitions: Int, token: String? = nil)
        async throws -> ([VersusBenchmark.Query], [String: [Double]])
    {
        var figures: [VersusBenchmark.Query] = []
        var numbers: [String: [Double]] = [:]
        for query in queries {
            let first = try await http.get(query.url, token: token)
            let answer = try query.numbers(first.body)
            numbers[query.name] = answer
            var times: [Double] = []
            for _ in 0..<repetitions { times.append(try await http.get(query.url, token: token).milliseconds) }
            times.sort()
            figures.append(
                VersusBenchmark.Query(
                    name: query.name, p50Milliseconds: Timings.percentile(times, 50),
                    p95Milliseconds: Timings.percentile(times, 95), agrees: nil, numbers: answer?.count ?? 0))
        }
        return (figures, numbers)
    }
}
