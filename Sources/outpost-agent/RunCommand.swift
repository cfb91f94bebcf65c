import ArgumentParser
import Logging
import OutpostAgent
import OutpostCLI
import OutpostConfig
import OutpostMQTT
import OutpostSystem
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// `outpost-agent run`: the service systemd starts.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the agent: poll, aggregate, buffer and forward until SIGTERM.",
        discussion: """
            Tells systemd READY, WATCHDOG and STATUS through NOTIFY_SOCKET when run by it. Logs go
            to standard error, one line each. SIGTERM stops the sources, commits and seals the last
            readings, closes the outbox and exits 0. After installing a release the hub offered,
            the agent stops the same way and starts itself again in place, on the new release.
            """)

    @Option(help: "The configuration file.")
    var config = "/etc/outpost/agent.toml"

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "outpost-agent")
        let configuration = try ConfigurationFile.load(config)
        let dataDirectory = configuration.gateway.dataDirectory
        let trial = ReleaseTrialWatch.forThisProcess(dataDirectory: dataDirectory)
        var version = OutpostVersion.current
        if ReleaseLauncher.slotOfThisProcess != nil {
            // A release's own process: never a launcher itself.
            ReleaseLauncher.stayWithLauncher()
            version = ReleaseSlotChoice.versionOfThisProcess(dataDirectory: dataDirectory) ?? version
        } else {
            ReleaseSlotChoice.noteLauncher()
            ReleaseSlotChoice.launch(configuration, arguments: Array(CommandLine.arguments.dropFirst()))
        }
        MosquittoLibrary.initialise()
        let agent = try Agent(configuration: configuration, version: version, logger: logger, releaseTrial: trial)
        // The agent returns by itself only to start a release it installed: the group then ends
        // as after SIGTERM, not as after a failure.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: agent, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        if agent.restartIntoRelease.load(ordering: .relaxed) {
            logger.notice("starting the launcher again for the release just installed")
            ReleaseSlotChoice.restartIntoLauncher(arguments: Array(CommandLine.arguments.dropFirst()))
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Reads and checks a configuration file for the commands that need one.
enum ConfigurationFile {
    /// The checked configuration; prints every problem and fails when there is one.
    static func load(_ path: String, checkingFiles: Bool = true) throws -> AgentConfiguration {
        let text = try ConfigurationText.read(path, defaultPath: "/etc/outpost/agent.toml", what: "agent configuration")
        do throws(ConfigProblems) {
            return try AgentConfiguration(toml: text, file: path, checkingFiles: checkingFiles)
        } catch {
            for problem in error.problems { FileIO.printError("\(problem)") }
            let count = error.problems.count
            throw CommandFailure(
                "\(path): \(count) problem\(count == 1 ? "" : "s") to fix, each named above; nothing was started")
        }
    }
}
