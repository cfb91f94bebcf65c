import ArgumentParser
import Foundation
import OutpostBench
import OutpostCLI
import OutpostSystem

/// `outpost-bench query`.
struct Query: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Query latency (p50/p95) on a hub store of about 10 million readings from 1,000 gateways.")

    @Option(parsing: .unconditional, help: "Gateways in the store (20 series of 500 readings each).")
    var gateways = 1000

    @Option(parsing: .unconditional, help: "Queries timed per kind.")
    var runs = 200

    func validate() throws {
        try OptionRange.check(gateways, 1...1_000_000, "--gateways")
        try OptionRange.check(runs, 1...1_000_000, "--runs")
    }

    @Option(help: "The store: sqlite, or postgres (a private cluster started in a temporary folder).")
    var store = BenchStore.Kind.sqlite

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let folder = NSTemporaryDirectory() + "outpost-bench-query-\(getpid())"
        try FileIO.makeDirectory(folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let report = try await QueryBenchmark(folder: folder, gateways: gateways, runs: runs, store: store).run()
        if json {
            try printJSON(report)
            return
        }
        var text = """
            store: \(report.readings) readings loaded in \(String(format: "%.1f", report.loadSeconds)) s \
            (\(Int(Double(report.readings) / report.loadSeconds)) readings/s); \
            \(String(format: "%.2f", report.bytesPerReading)) bytes on disk per reading after compaction

            """
        for query in report.queries {
            text += String(
                format: "%-40@ p50 %7.3f ms   p95 %7.3f ms\n", query.name as NSString, query.p50Milliseconds,
                query.p95Milliseconds)
        }
        FileIO.printOut(Array(text.utf8))
    }
}
