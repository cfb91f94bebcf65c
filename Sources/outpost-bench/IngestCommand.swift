import ArgumentParser
import Foundation
import OutpostBench
import OutpostCLI
import OutpostSystem

/// `outpost-bench ingest`.
struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Frames from a simulated fleet through Mosquitto into outpost-hub serve: readings/s committed, hub CPU and RSS, bytes on disk per reading."
    )

    @Option(parsing: .unconditional, help: "Gateways simulated (20 series each).")
    var gateways = 1000

    @Option(parsing: .unconditional, help: "Frames per gateway (each a minute of 1 Hz readings).")
    var frames = 10

    @Option(help: "Where to work (a folder on the storage to measure; it is created).")
    var folder = ".build/bench-ingest"

    @Option(help: "The hub's store: sqlite, or postgres (a private cluster started in the folder).")
    var store = BenchStore.Kind.sqlite

    @Option(parsing: .unconditional, help: "Hub replicas sharing the batches (more than one needs --store postgres).")
    var replicas = 1

    func validate() throws {
        try OptionRange.check(gateways, 1...1_000_000, "--gateways")
        try OptionRange.check(frames, 1...100_000, "--frames")
        try OptionRange.check(replicas, 1...16, "--replicas")
    }

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let root = try prepareFolder(folder)
        let figures = try await IngestBenchmark(
            folder: root, gateways: gateways, framesPerGateway: frames, store: store, replicas: replicas
        ).run()
        if json {
            try printJSON(figures)
            return
        }
        FileIO.printOut(
            Array(
                """
                \(figures.gateways) gateways, \(figures.frames) frames, \(figures.readings) readings in \(String(format: "%.1f", figures.seconds)) s
                  store                    \(figures.store), \(figures.replicas) hub replica(s)
                  readings/s committed     \(Int(figures.readingsPerSecond.rounded()))
                  hub CPU                  \(String(format: "%.0f", figures.hubCPUPercent)) % of one core
                  database CPU             \(String(format: "%.0f", figures.databaseCPUPercent)) % of one core
                  hub max RSS              \(String(format: "%.1f", figures.hubMaxRSSMegabytes)) MB
                  bytes/reading on disk    \(String(format: "%.2f", figures.bytesPerReadingIngested)) as ingested, \(String(format: "%.2f", figures.bytesPerReadingCompacted)) after compaction

                """.utf8))
    }
}

extension BenchStore.Kind: ExpressibleByArgument {}
