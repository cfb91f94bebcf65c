import ArgumentParser
import OutpostBench
import OutpostCLI
import OutpostSystem

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `outpost-bench link`.
struct Link: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Bytes on the gateway's link per reading, both directions, counted by a relay before the broker: 100 points at 1 Hz, live always, on demand unwatched and watched."
    )

    @Option(parsing: .unconditional, help: "Seconds each configuration is measured (after its first acknowledgement).")
    var seconds = 60.0

    @Option(help: "The agents' batch_max_age, one run each (comma-separated; 'default': the agent's own).")
    var batchAges = "default"

    @Option(
        help:
            "Which of always, idle (on demand, nobody watching), watched, budget (idle with --budget a day) (comma-separated)."
    )
    var configurations = "always,idle,watched"

    @Option(
        help:
            "The budget configuration's max_bytes_per_day: small enough that the rest of the day's summaries need most of it."
    )
    var budget = "4MB"

    @Option(help: "Where to work (it is created).")
    var folder = ".build/bench-link"

    @Option(help: "Instead: broker downtimes (seconds, comma-separated) after which to time the agent's next delivery.")
    var restarts: String?

    @Flag(help: "The gateway's link is TLS with client certificates (the bench's own peers stay plain).")
    var tls = false

    @Flag(help: "Instead: a month's bytes for 10, 100 and 1,000 points at 1 s, 10 s and 60 s, at the defaults.")
    var monthly = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws { try OptionRange.check(seconds, 1...86_400, "--seconds") }

    func run() async throws {
        if monthly {
            var lines = ["points  interval  MB/month  bytes/reading"]
            for points in [10, 100, 1000] {
                for seconds in [1, 10, 60] {
                    let bytes = try LinkBenchmark.monthlyBytes(points: points, interval: .seconds(seconds))
                    let readings = 30.0 * 86_400 / Double(seconds) * Double(points)
                    lines.append(
                        String(format: "%6d  %7d s  %8.1f  %13.2f", points, seconds, bytes / 1e6, bytes / readings))
                }
            }
            FileIO.printOut(Array((lines.joined(separator: "\n") + "\n").utf8))
            return
        }
        let root = try prepareFolder(folder)
        let secure = try tls ? TLSBenchBroker(in: root) : nil
        let (broker, port) = try secure.map { ($0.process, $0.plainPort) } ?? BenchBroker.start(in: root)
        defer { broker.stop() }
        let (simulators, running) = try AgentBenchmark.startSimulators()
        defer { running.forEach { $0.stop() } }
        let bench = LinkBenchmark(folder: root, duration: .milliseconds(Int64(seconds * 1000)), tls: secure)
        if let restarts {
            let downtimes = try restarts.split(separator: ",").map { text -> Duration in
                guard let seconds = Double(text), seconds >= 0, seconds <= 3600 else {
                    throw CommandFailure("--restarts: '\(text)' is not a number of seconds from 0 to 3600")
                }
                return .milliseconds(Int64(seconds * 1000))
            }
            for (downtime, seconds) in try await bench.deliveryAfterRestart(
                downtimes: downtimes, simulators: simulators)
            {
                FileIO.printOut(
                    Array(
                        "broker down \(downtime.components.seconds) s: next batch delivered \(String(format: "%.2f", seconds)) s after it was back\n"
                            .utf8))
            }
            return
        }
        var figures: [LinkBenchmark.Figures] = []
        for age in batchAges.split(separator: ",").map(String.init) {
            let batch = age == "default" ? "" : "batch_max_age = \"\(age)\"\n"
            let scenarios = [
                "always": LinkBenchmark.Scenario(
                    name: "always \(age)", uplink: batch + "live = \"always\"", watched: false),
                "idle": LinkBenchmark.Scenario(
                    name: "on-demand idle \(age)", uplink: batch + "hub_key = \"{{FLEET}}\"", watched: false),
                "watched": LinkBenchmark.Scenario(
                    name: "on-demand watched \(age)", uplink: batch + "hub_key = \"{{FLEET}}\"", watched: true),
                "budget": LinkBenchmark.Scenario(
                    name: "budget \(budget)/day \(age)",
                    uplink: batch + "hub_key = \"{{FLEET}}\"\nmax_bytes_per_day = \"\(budget)\"", watched: false,
                    budgeted: true),
            ]
            for name in configurations.split(separator: ",").map(String.init) {
                guard let scenario = scenarios[name] else {
                    throw CommandFailure("--configurations: '\(name)' is not always, idle, watched or budget")
                }
                figures.append(try await bench.measure(scenario, port: port, simulators: simulators))
            }
        }
        if json {
            try printJSON(figures)
            return
        }
        var lines = ["configuration                   readings  up bytes  down bytes  live msgs  bytes/reading"]
        for figure in figures {
            lines.append(
                figure.scenario.padding(toLength: 30, withPad: " ", startingAt: 0)
                    + String(
                        format: "  %8d  %8d  %10d  %9d  %13.2f", figure.readings, figure.bytesUp, figure.bytesDown,
                        figure.liveMessages, figure.bytesPerReading))
            if let total = figure.relayTotal, let counted = figure.agentCounted {
                lines.append(
                    "    whole run: \(total) bytes at the relay, \(counted) counted by the agent; sending \(figure.sending ?? "?")"
                )
            }
        }
        FileIO.printOut(Array((lines.joined(separator: "\n") + "\n").utf8))
    }
}
