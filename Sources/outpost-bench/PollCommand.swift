import ArgumentParser
import OutpostBench
import OutpostDevices
import OutpostSystem

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `outpost-bench poll`.
struct Poll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Modbus TCP reads over loopback against outpost-sim: registers/s and CPU per 1,000 registers.")

    @Option(help: "The device profile served and polled.")
    var profile = "eastron-sdm630"

    @Option(help: "The outpost-sim to run (default: the one beside this program).")
    var simulator: String?

    @Option(parsing: .unconditional, help: "Seconds spent on each case.")
    var seconds = 3.0

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be between 0 and 600") }
    }

    func run() async throws {
        let device = try ProfileLibrary().profile(named: profile)
        let sim = try SpawnedProcess(
            executable: simulator ?? SpawnedProcess.beside("outpost-sim"),
            arguments: ["modbus", "--listen", "127.0.0.1:0", "--profile", profile], ready: "listening ")
        defer { sim.stop() }
        let url = String(sim.readyLine.dropFirst("listening ".count))
        let figures = try await PollBenchmark(profile: device, duration: .milliseconds(Int64(seconds * 1000)))
            .run(url: url)
        if json {
            try printJSON(figures)
            return
        }
        for figure in figures {
            FileIO.printOut(
                Array(
                    """
                    \(figure.name): \(figure.requestsPerPoll) request(s), \(figure.registersPerPoll) registers per poll
                      polls/s              \(Int(figure.pollsPerSecond.rounded()))
                      registers/s          \(Int(figure.registersPerSecond.rounded()))
                      CPU µs/1000 regs     \(Int(figure.cpuMicrosecondsPer1000Registers.rounded()))

                    """.utf8))
        }
    }
}
