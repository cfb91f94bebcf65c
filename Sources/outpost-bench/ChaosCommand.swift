import ArgumentParser
import OutpostBench
import OutpostCLI
import OutpostSystem

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `outpost-bench chaos`.
struct Chaos: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The whole system under a seeded schedule of faults, counted to the last reading.",
        discussion: """
            Starts Mosquitto, outpost-hub serve, outpost-sim devices and outpost-agent gateways as
            processes; restarts the broker, kills agents and the hub with SIGKILL, cuts links, loses
            acknowledgements, freezes devices and fills a gateway's quota; then drains and compares
            every poll each device answered with what the hub stored. Exits 1 when anything was lost,
            stored twice or left undrained, or a database fails its integrity check.
            """)

    @Option(parsing: .unconditional, help: "Minutes of faults (after a 10 s warm-up); the drain comes after.")
    var minutes = 3.0

    @Option(help: "The seed of the fault schedule and the devices' values.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "How many gateways (at least 2; the last has a 16 kB quota).")
    var gateways = 3

    func validate() throws {
        try OptionRange.check(minutes, 0.1...1440, "--minutes")
        try OptionRange.check(gateways, 2...1000, "--gateways")
    }

    @Option(help: "Where to work; its logs stay there (it is emptied first).")
    var folder = ".build/bench-chaos"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let root = try prepareFolder(folder)
        let settings = ChaosRun.Settings(seconds: minutes * 60, seed: seed, gateways: gateways)
        let report = try await ChaosRun(settings: settings, root: root) { FileIO.printError($0) }.run()
        print(json ? report.json : report.text)
        if !report.passed { throw ExitCode(1) }
    }
}
