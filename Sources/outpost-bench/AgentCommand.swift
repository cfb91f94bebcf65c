import ArgumentParser
import OutpostBench
import OutpostCLI
import OutpostSystem

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// `outpost-bench agent`.
struct AgentBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract:
            "Outbox readings/s, backlog drain rate through Mosquitto, and the running agent's CPU, RSS and writes.")

    @Option(parsing: .unconditional, help: "Seconds of outbox ingest.")
    var seconds = 3.0

    @Option(parsing: .unconditional, help: "Readings in the backlog to drain.")
    var backlog = 1_000_000

    @Option(parsing: .unconditional, help: "Seconds each running agent is measured (after a 5 s warm-up).")
    var agentSeconds = 60.0

    func validate() throws {
        try OptionRange.check(seconds, 0.1...3600, "--seconds")
        try OptionRange.check(backlog, 1...100_000_000, "--backlog")
        try OptionRange.check(agentSeconds, 1...86_400, "--agent-seconds")
    }

    @Option(help: "The agents' batch_max_age.")
    var batchAge = "10s"

    @Option(help: "Where to work (a folder on the storage to measure; it is created).")
    var folder = ".build/bench-agent"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let root = try prepareFolder(folder)
        let (broker, port) = try BenchBroker.start(in: root)
        defer { broker.stop() }
        let (simulators, running) = try AgentBenchmark.startSimulators()
        defer { running.forEach { $0.stop() } }
        let bench = AgentBenchmark(
            folder: root, outboxDuration: .milliseconds(Int64(seconds * 1000)), backlog: backlog,
            agentDuration: .milliseconds(Int64(agentSeconds * 1000)))
        let outbox = try await bench.outboxRate()
        let drain = try await bench.drainRate(port: port)
        var processes: [AgentBenchmark.ProcessFigures] = []
        for interval in ["1s", "10s"] {
            processes.append(
                try await bench.measureProcess(port: port, simulators: simulators, commitInterval: interval))
        }
        let figures = AgentBenchmark.Figures(
            outboxReadingsPerSecond: outbox, backlogReadings: backlog, drainReadingsPerSecond: drain,
            processes: processes)
        if json {
            try printJSON(figures)
            return
        }
        var lines = [
            "outbox ingest            \(Int(outbox)) readings/s",
            "backlog drain            \(Int(drain)) readings/s (\(backlog) readings through Mosquitto, acknowledged)",
        ]
        for process in processes {
            lines.append(
                "agent, commit \(process.commitInterval): \(process.readings) readings in \(Int(process.seconds)) s, "
                    + "CPU \(String(format: "%.2f", process.cpuPercentOfOneCore)) % of one core, "
                    + "RSS \(String(format: "%.1f", process.maxRSSMegabytes)) MB, "
                    + "\(String(format: "%.1f", process.storageBytesPerReading)) storage bytes/reading")
        }
        FileIO.printOut(Array((lines.joined(separator: "\n") + "\n").utf8))
    }
}
