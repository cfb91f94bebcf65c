import ArgumentParser
import OutpostAgent
import OutpostCLI

/// `outpost-agent check`: validates a configuration before it is deployed.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration: every key, address, profile and rule, with file, line and field.",
        discussion: """
            Prints a summary and exits 0 when the configuration is usable; otherwise prints every
            problem, one per line ('agent.toml: line 14, modbus[2].interval: ...'), and exits 1.
            """)

    @Option(help: "The configuration file.")
    var config = "/etc/outpost/agent.toml"

    func run() throws {
        let configuration = try ConfigurationFile.load(config)
        FileIO.printOut(Array(configuration.summary.utf8))
    }
}
