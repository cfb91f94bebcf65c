import ArgumentParser
import OutpostAgent
import OutpostSystem

/// `outpost-agent`: polls sensors on a field gateway and forwards their readings to the hub.
@main
struct OutpostAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outpost-agent",
        abstract: "Poll Modbus, GPIO and serial sensors, buffer readings durably and forward them to the Outpost hub.",
        discussion: "Linked with \(NativeLibraries.summary).",
        version: "outpost-agent \(OutpostVersion.current) (\(NativeLibraries.summary))",
        subcommands: [
            RunCommand.self, CheckCommand.self, StatusCommand.self, VerifyCommand.self, ProbeCommand.self,
            ReleaseCommand.self,
        ])
}
