import ArgumentParser
import OutpostCLI

/// `outpost-sim`: simulated field devices for tests, demos and benchmarks.
@main
struct OutpostSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outpost-sim",
        abstract: "Simulate Modbus TCP/RTU devices and NMEA serial devices for tests, demos and benchmarks.",
        version: "outpost-sim \(OutpostVersion.current)")
}
