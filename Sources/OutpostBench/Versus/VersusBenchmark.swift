import AsyncHTTPClient
import OutpostSystem

/// `outpost-bench versus`: the hub (SQLite, then PostgreSQL), VictoriaMetrics and InfluxDB 1.6,
/// each from its Debian package on loopback, fed the same `VersusFleet` in live order (the hub
/// through signed frames and Mosquitto, the others through their native write APIs), then asked
/// the same four questions (`VersusQuery`). One table: readings/s, server CPU-seconds per
/// million readings (the broker's included for the hub), peak RSS, bytes on disk per reading
/// after each system's own compaction or merge, each query's p50/p95, and whether every system
/// gave the same numbers.
package struct VersusBenchmark {
    /// The systems compared.
    package enum System: String, CaseIterable, Codable, Sendable {
        case hubSQLite = "hub-sqlite", hubPostgres = "hub-postgres", victoriaMetrics = "victoria-metrics"
        case influxDB = "influxdb"
    }

    /// One row of the table.
    package struct Row: Codable, Sendable {
        package var system: String
        /// How it was asked: `json`, `promql` or `influxql`.
        package var api: String
        package var readingsPerSecond: Double
        package var cpuSecondsPerMillionReadings: Double
        package var peakRSSMegabytes: Double
        package var bytesPerReading: Double
        package var queries: [Query]
    }

    /// One question's timings.
    package struct Query: Codable, Sendable {
        package var name: String
        package var p50Milliseconds: Double
        package var p95Milliseconds: Double
        /// Whether its numbers equal the reference's (nil: not comparable, or the reference).
        package var agrees: Bool?
        /// How many numbers its answer held (readings, buckets, series or gateways).
        package var numbers: Int
    }

    /// What was measured.
    package struct Figures: Codable, Sendable {
        package var gateways: Int
        package var series: Int
        package var readings: Int
        package var rows: [Row]
        /// Where a system's numbers differed, said in words.
        package var differences: [String]
    }

    let folder: String
    let fleet: VersusFleet
    let systems: [System]
    let repetitions: Int

    /// Creates the comparison, working in `folder`.
    package init(folder: String, fleet: VersusFleet, systems: [System], repetitions: Int) {
        (self.folder, self.fleet, self.systems, self.repetitions) = (folder, fleet, systems, repetitions)
    }

    /// What one system's feed cost: measured over the feed, bytes after its compaction.
    struct Feed {
        var seconds: Double
        var cpuSeconds: Double
        var peakKilobytes: Int
        var bytesOnDisk: Int64
    }

    /// Runs every system in turn and compares their answers.
    package func run() async throws -> Figures {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        let http = BenchHTTP(client: client)
        var rows: [Row] = []
        var answers: [String: [String: [Double]]] = [:]  // system/api → query → numbers
        for system in systems {
            let measured: [(api: String, feed: Feed, queries: [Query], numbers: [String: [Double]])]
            switch system {
            case .hubSQLite:
                measured = try await VersusHub(folder: folder + "/hub-sqlite", fleet: fleet, store: .sqlite).run(
                    http, repetitions: repetitions)
            case .hubPostgres:
                measured = try await VersusHub(folder: folder + "/hub-postgres", fleet: fleet, store: .postgres).run(
                    http, repetitions: repetitions)
            case .victoriaMetrics: measured = try await victoriaMetrics(http)
            case .influxDB: measured = try await influxDB(http)
            }
            for entry in measured {
                let readings = Double(fleet.readings)
                rows.append(
                    Row(
                        system: system.rawValue, api: entry.api, readingsPerSecond: readings / entry.feed.seconds,
                        cpuSecondsPerMillionReadings: entry.feed.cpuSeconds / readings * 1e6,
                        peakRSSMegabytes: Double(entry.feed.peakKilobytes) / 1024,
                        bytesPerReading: Double(entry.feed.bytesOnDisk) / readings, queries: entry.queries))
                answers["\(system.rawValue)/\(entry.api)"] = entry.numbers
            }
        }
        var differences: [String] = []
        let reference = answers["victoria-metrics/promql"] ?? answers.values.first ?? [:]
        for (name, numbers) in reference where numbers.isEmpty {
            differences.append("the reference answered \(name) with nothing: nothing to compare")
        }
        for index in rows.indices {
            let key = "\(rows[index].system)/\(rows[index].api)"
            for query in rows[index].queries.indices {
                let name = rows[index].queries[query].name
                guard let mine = answers[key]?[name], let theirs = reference[name], key != "victoria-metrics/promql"
                else { continue }
                let same = Self.same(mine, theirs)
                rows[index].queries[query].agrees = same
                if !same {
                    differences.append(
                        "\(key) \(name): \(mine.count) numbers \(mine.prefix(3)), reference \(theirs.count) \(theirs.prefix(3))"
                    )
                }
            }
        }
        return Figures(
            gateways: fleet.gateways, series: fleet.series, readings: fleet.readings, rows: rows,
            differences: differences)
    }

    /// Equal counts, and each number within a millionth of the other (float sums taken in
    /// another order).
    static func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0), abs($1)) }
    }

    private func victoriaMetrics(_ http: BenchHTTP) async throws -> [(String, Feed, [Query], [String: [Double]])] {
        let root = try prepare(folder + "/victoria-metrics")
        let server = try await VersusServer.victoriaMetrics(folder: root, http: http)
        defer { server.process.stop() }
        let bodies = VersusFeeds.victoriaMetrics(fleet)
        var feed = try await VersusFeeding.timed([server.process.pid]) {
            try await http.postAll(bodies, to: server.base + "/api/v1/import")
        }
        // Its own merge: flush the in-memory parts, merge every partition, then wait for quiet.
        _ = try await http.get(server.base + "/internal/force_flush")
        _ = try await http.get(server.base + "/internal/force_merge")
        feed.bytesOnDisk = try await VersusFeeding.settledSize(server.dataFolder)
        let (queries, numbers) = try await VersusFeeding.ask(VersusQuery.promQL(server.base, fleet), http, repetitions)
        feed.peakKilobytes = max(feed.peakKilobytes, ProcessProbe.residentKilobytes(server.process.pid))
        return [("promql", feed, queries, numbers)]
    }

    private func influxDB(_ http: BenchHTTP) async throws -> [(String, Feed, [Query], [String: [Double]])] {
        let root = try prepare(folder + "/influxdb")
        let server = try await VersusServer.influxDB(folder: root, http: http)
        defer { server.process.stop() }
        let bodies = VersusFeeds.influxDB(fleet)
        var feed = try await VersusFeeding.timed([server.process.pid]) {
            try await http.postAll(bodies, to: server.base + "/write?db=outpost&precision=ns")
        }
        // Its own compaction: the cache snapshots after 2 s of quiet and shards compact fully
        // after 5 s (set so in its configuration); the bytes are read once they stop changing.
        feed.bytesOnDisk = try await VersusFeeding.settledSize(server.dataFolder, quiet: 20)
        let (queries, numbers) = try await VersusFeeding.ask(
            VersusQuery.influxQL(server.base, fleet), http, repetitions)
        feed.peakKilobytes = max(feed.peakKilobytes, ProcessProbe.residentKilobytes(server.process.pid))
        return [("influxql", feed, queries, numbers)]
    }

    private func prepare(_ path: String) throws -> String {
        try FileIO.makeDirectory(path)
        return path
    }
}
