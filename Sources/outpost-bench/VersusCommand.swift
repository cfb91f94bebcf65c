import ArgumentParser
import Foundation
import OutpostBench
import OutpostCLI
import OutpostSystem
import OutpostWire

/// `outpost-bench versus`.
struct Versus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "The hub (SQLite, PostgreSQL), VictoriaMetrics and InfluxDB fed the same fleet and asked the same questions: one table."
    )

    @Option(parsing: .unconditional, help: "Live gateways (20 series each, 1 Hz).")
    var gateways = 1000

    @Option(parsing: .unconditional, help: "Minutes of live readings.")
    var minutes = 10

    @Option(parsing: .unconditional, help: "Days of history (one gateway, every 10 s) before them.")
    var days = 30

    @Option(parsing: .unconditional, help: "Times each question is asked after a warm-up.")
    var repetitions = 20

    @Option(help: "Systems, comma-separated: hub-sqlite, hub-postgres, victoria-metrics, influxdb.")
    var systems = "hub-sqlite,hub-postgres,victoria-metrics,influxdb"

    @Option(help: "Where to work (a folder on the storage to measure; it is created).")
    var folder = ".build/bench-versus"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        try OptionRange.check(gateways, 18...100_000, "--gateways")
        try OptionRange.check(minutes, 1...1_440, "--minutes")
        try OptionRange.check(days, 30...365, "--days")
        try OptionRange.check(repetitions, 1...1_000, "--repetitions")
        for name in systems.split(separator: ",") where VersusBenchmark.System(rawValue: String(name)) == nil {
            throw ValidationError(
                "--systems: '\(name)' is not one of hub-sqlite, hub-postgres, victoria-metrics, influxdb")
        }
    }

    func run() async throws {
        let root = try prepareFolder(folder)
        let fleet = VersusFleet(
            gateways: gateways, series: 20, liveMinutes: minutes, historyDays: days, now: systemWallClock())
        let figures = try await VersusBenchmark(
            folder: root, fleet: fleet,
            systems: systems.split(separator: ",").compactMap { .init(rawValue: String($0)) },
            repetitions: repetitions
        ).run()
        if json {
            try printJSON(figures)
            return
        }
        var text = "\(figures.gateways) gateways × \(figures.series) series, \(figures.readings) readings\n\n"
        let names = figures.rows.first?.queries.map(\.name) ?? []
        text += "| system | asked by | readings/s | CPU s per M readings | peak RSS MB | bytes/reading | "
        text += names.map { "\($0) p50/p95 ms" }.joined(separator: " | ") + " |\n"
        text += "|" + String(repeating: " --- |", count: 6 + names.count) + "\n"
        for row in figures.rows {
            let cells = [
                row.system, row.api, String(format: "%.0f", row.readingsPerSecond),
                String(format: "%.2f", row.cpuSecondsPerMillionReadings), String(format: "%.1f", row.peakRSSMegabytes),
                String(format: "%.2f", row.bytesPerReading),
            ]
            let queries = row.queries.map { query in
                let mark = query.agrees.map { $0 ? "" : " ≠" } ?? ""
                return String(format: "%.1f / %.1f", query.p50Milliseconds, query.p95Milliseconds) + mark
            }
            text += "| " + (cells + queries).joined(separator: " | ") + " |\n"
        }
        text +=
            figures.differences.isEmpty
            ? "\nEvery system gave the same numbers (the hub's fleet page is not compared: it gives arrival times).\n"
            : "\nDifferences:\n" + figures.differences.map { "  \($0)\n" }.joined()
        FileIO.printOut(Array(text.utf8))
    }
}
