import ArgumentParser
import OutpostBench
import OutpostCLI

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `outpost-bench soak`.
struct Soak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The hub with a simulated fleet and an agent with 100 points, sampled each minute for leaks.",
        discussion: """
            Starts Mosquitto, outpost-hub serve with GATEWAYS simulated gateways (10 series at 1 Hz,
            a frame every 10 s each) and outpost-agent polling 100 points at 1 Hz from outpost-sim
            devices. Each minute it prints both processes' RSS, CPU, open descriptors and database
            size; at the end, growth over the last third of the run. Exits 1 when RSS grew more
            than 5 % or descriptors varied by more than 8 in that third.
            """)

    @Option(parsing: .unconditional, help: "Minutes to run.")
    var minutes = 60

    @Option(parsing: .unconditional, help: "Simulated gateways sending to the hub.")
    var gateways = 1000

    func validate() throws {
        try OptionRange.check(minutes, 1...10_080, "--minutes")
        try OptionRange.check(gateways, 1...1_000_000, "--gateways")
    }

    @Option(help: "Where to work (it is emptied first).")
    var folder = ".build/bench-soak"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let root = try prepareFolder(folder)
        let columns =
            "minute  hub RSS MB  hub CPU %  hub fds  store MB  agent RSS MB  agent CPU %  agent fds  outbox kB  frames acked"
        if !json { print(columns) }
        let json = self.json
        let report = try await SoakBenchmark(folder: root, minutes: minutes, gateways: gateways).run { minute in
            guard !json else { return }
            print(
                String(
                    format: "%6d  %10.1f  %9.1f  %7d  %8.1f  %12.1f  %11.2f  %9d  %9.1f  %12d", minute.minute,
                    minute.hubRSSMegabytes, minute.hubCPUPercent, minute.hubDescriptors, minute.hubStoreMegabytes,
                    minute.agentRSSMegabytes, minute.agentCPUPercent, minute.agentDescriptors, minute.outboxKilobytes,
                    minute.framesAcknowledged))
        }
        if json {
            try printJSON(report)
        } else {
            print(
                String(
                    format: """
                        %d gateways + the agent, %d readings/s
                        over the last third: hub RSS %+.1f %%, agent RSS %+.1f %%, \
                        descriptor spread hub %d, agent %d
                        store: %.2f bytes per reading
                        """, report.gateways, report.readingsPerSecond, report.hubRSSGrowthPercent,
                    report.agentRSSGrowthPercent, report.hubDescriptorSpread, report.agentDescriptorSpread,
                    report.storeBytesPerReading))
            print(report.failures.isEmpty ? "no leak" : "LEAK?\n  " + report.failures.joined(separator: "\n  "))
        }
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}
