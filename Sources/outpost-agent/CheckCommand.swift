import ArgumentParser
import OutpostAgent
import OutpostCLI
import OutpostSystem
import OutpostWire

/// `outpost-agent check`: validates a configuration before it is deployed.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration: every key, address, profile and rule, with file, line and field.",
        discussion: """
            Prints a summary and exits 0 when the configuration is usable; otherwise prints every
            problem, one per line ('agent.toml: line 14, modbus[2].interval: ...'), and exits 1.
            The CA, certificate and keys it names must be readable here, unless --offline.
            """)

    @Option(help: "The configuration file.")
    var config = "/etc/outpost/agent.toml"

    @Flag(help: "Check a configuration written for another machine: the files it names are not looked for.")
    var offline = false

    func run() throws {
        let configuration = try ConfigurationFile.load(config, checkingFiles: !offline)
        if !offline {
            let problems = configuration.certificateProblems(at: systemWallClock() / 1_000_000_000)
            for problem in problems { FileIO.printError("\(config): \(problem)") }
            if !problems.isEmpty {
                throw CommandFailure("\(config): the broker will refuse this gateway's connection until that is fixed")
            }
        }
        FileIO.printOut(Array(configuration.summary.utf8))
    }
}
