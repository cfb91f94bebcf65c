import ArgumentParser
import OutpostAgent
import OutpostCLI
import OutpostConfig
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
            With --remote, also checks a remote configuration (what the hub sends: the tables
            that say what to read and how to keep it) and prints the two together; the hub runs
            this same check before it accepts one.
            """)

    @Option(help: "The configuration file.")
    var config = "/etc/outpost/agent.toml"

    @Flag(help: "Check a configuration written for another machine: the files it names are not looked for.")
    var offline = false

    @Option(help: "A remote configuration (TOML) to check, and to show applied to --config.")
    var remote: String?

    func run() throws {
        var configuration = try ConfigurationFile.load(config, checkingFiles: !offline)
        if let remote {
            let text = try ConfigurationText.read(remote, defaultPath: remote, what: "remote configuration")
            do throws(ConfigProblems) {
                configuration = try RemoteOverlay(toml: text, file: remote).applied(to: configuration)
            } catch {
                for problem in error.problems { FileIO.printError("\(problem)") }
                throw CommandFailure("\(remote): \(error.problems.count) problem(s) to fix, each named above")
            }
        }
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
