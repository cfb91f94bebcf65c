import ArgumentParser
import OutpostBench
import OutpostCLI
import OutpostSystem

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `outpost-bench fleet`.
struct FleetBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Fleet management at a thousand gateways: push to each, one rollout to all, then a release to all.",
        discussion: """
            Starts Mosquitto and outpost-hub serve, enrols the gateways, and connects simulated
            gateways that check each signed configuration with the agent's own code and report it
            applied (four to a connection by default: libmosquitto's loop uses select(), so one
            process holds at most 300 clients; each gateway keeps its own topics). Pass 1 pushes to
            every gateway through the API; pass 2 starts one rollout to all by label; pass 3
            uploads a signed release of --release-size bytes and rolls it out to all by label, each
            gateway fetching it through the broker 1 MiB at a time and checking its SHA-256, as an
            agent does. Prints, per pass, the seconds from push to the hub showing it applied or
            running (p50, p99, max; watched in the fleet list every 200 ms), the time until all
            were, and the CPU seconds the hub and the broker spent.
            """)

    @Option(parsing: .unconditional, help: "How many gateways.") var gateways = 1000
    @Option(
        parsing: .unconditional,
        help: "Gateways per MQTT connection: at most 300 connections fit one process (libmosquitto's select()).")
    var perConnection = 4
    @Option(parsing: .unconditional, help: "The rollout's first wave.") var canary = 10
    @Option(parsing: .unconditional, help: "The release's size in bytes for pass 3 (0: no release pass).")
    var releaseSize = 1 << 20
    @Option(help: "Where to work (it is emptied first).") var folder = ".build/bench-fleet"

    func validate() throws {
        try OptionRange.check(gateways, 1...20_000, "--gateways")
        try OptionRange.check(perConnection, 1...20_000, "--per-connection")
        try OptionRange.check(canary, 1...20_000, "--canary")
        try OptionRange.check(releaseSize, 0...(256 << 20), "--release-size")
        // libmosquitto 2.0.11's loop waits with select(): a client whose descriptors pass 1024
        // (about the 340th in one process, three each) never gets its loop going.
        guard (gateways + perConnection - 1) / perConnection <= 300 else {
            throw ValidationError(
                "\(gateways) gateways need --per-connection \((gateways + 299) / 300) or more: one process holds at most 300 MQTT clients (libmosquitto's select())"
            )
        }
    }

    func run() async throws {
        let root = try prepareFolder(folder)
        var settings = FleetBenchmark.Settings()
        (settings.gateways, settings.perConnection, settings.canary) = (gateways, perConnection, canary)
        settings.releaseBytes = releaseSize
        let passes = try await FleetBenchmark(settings: settings, root: root) { FileIO.printError($0) }.run()
        var rows = [
            ["pass", "p50 s", "p99 s", "max s", "all applied s", "hub CPU s", "broker CPU s", "hub peak MB", "missing"]
        ]
        for pass in passes {
            func at(_ p: Int) -> String { String(format: "%.2f", Timings.percentile(pass.latencies, p)) }
            rows.append([
                pass.name, at(50), at(99), String(format: "%.2f", pass.latencies.last ?? .nan),
                String(format: "%.1f", pass.total), String(format: "%.2f", pass.hubCPU),
                String(format: "%.2f", pass.brokerCPU), "\(pass.hubPeakKB / 1000)", "\(pass.notApplied)",
            ])
        }
        print("\(gateways) gateways, \(perConnection) per connection")
        print(TextTable.render(rows), terminator: "")
        if passes.contains(where: { $0.notApplied > 0 }) { throw ExitCode(1) }
    }
}
