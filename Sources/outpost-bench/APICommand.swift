import ArgumentParser
import Foundation
import Logging
import OutpostBench
import OutpostCLI
import OutpostSystem

/// `outpost-bench api`.
struct API: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Dashboard latencies: the chart API (30 days in 1,000 buckets) and arrival-to-push on the WebSocket with 100 clients."
    )

    @Option(parsing: .unconditional, help: "WebSocket clients subscribed to the series.")
    var clients = 100

    @Option(parsing: .unconditional, help: "Frames posted (one reading each).")
    var frames = 200

    @Option(parsing: .unconditional, help: "Chart requests timed.")
    var requests = 300

    func validate() throws {
        try OptionRange.check(clients, 0...10_000, "--clients")
        try OptionRange.check(frames, 1...1_000_000, "--frames")
        try OptionRange.check(requests, 1...1_000_000, "--requests")
    }

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let folder = NSTemporaryDirectory() + "outpost-bench-api-\(getpid())"
        try FileIO.makeDirectory(folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let report = try await APIBenchmark(folder: folder, clients: clients, frames: frames, chartRequests: requests)
            .run()
        if json {
            try printJSON(report)
            return
        }
        let text = String(
            format: """
                chart API, 30 days in 1,000 buckets (%d requests): p50 %.2f ms, p95 %.2f ms (query engine alone: p50 %.2f ms; writing its JSON: p50 %.2f ms; GET /health through the same client: p50 %.2f ms)
                arrival-to-push, %d clients × %d frames (%d pushes received): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n
                """, report.chartRequests, report.chartP50Milliseconds, report.chartP95Milliseconds,
            report.chartEngineP50Milliseconds, report.chartJsonP50Milliseconds, report.healthP50Milliseconds,
            report.clients,
            report.frames, report.pushesReceived, report.pushP50Milliseconds, report.pushP99Milliseconds,
            report.pushMaxMilliseconds)
        FileIO.printOut(Array(text.utf8))
    }
}
