import ArgumentParser
import OutpostAgent
import OutpostCLI
import OutpostSigning
import OutpostSystem
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// `outpost-agent release`: agent releases on this gateway (docs/releases.md).
struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Install a signed agent release beside this one, or show where releases stand.",
        subcommands: [Install.self, Show.self])

    /// `outpost-agent release install`.
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Check a release (manifest signature, size, SHA-256, architecture, newer than what runs) and install it in the free slot, on trial from the agent's next start.",
            discussion: """
                The running version stays until the agent restarts (systemctl restart outpost-agent). At
                that start the release runs on trial: unless it connects, gets a batch acknowledged and
                polls every source within the trial, it is stopped and the version before it runs again.
                """)

        @Argument(help: "The release's signed manifest (outpostctl release sign).") var manifest: String
        @Argument(help: "The release's file: the agent's binary.") var file: String
        @Option(help: "The configuration file.") var config = "/etc/outpost/agent.toml"
        @Option(help: "Seconds each start on trial has to confirm itself (5-86400).") var trial: Int64 = 600

        func run() throws {
            guard ConfigurationDocument.trialRange.contains(trial) else {
                throw CommandFailure("--trial \(trial): outside 5-86400 s")
            }
            let configuration = try ConfigurationFile.load(config, checkingFiles: false)
            guard let verifier = try configuration.releaseVerifier() else {
                throw CommandFailure(
                    "\(config): [uplink] has no release_key: no release can be checked, so none is installed")
            }
            guard let packaged = ReleaseVersion(OutpostVersion.current) else {
                throw CommandFailure("this agent's version \(OutpostVersion.current) is not MAJOR.MINOR.PATCH")
            }
            let installer = ReleaseInstaller(
                folder: ReleaseFolder(dataDirectory: configuration.gateway.dataDirectory), verifier: verifier,
                packaged: packaged, architecture: ReleaseInstaller.thisArchitecture)
            let state: ReleaseState
            do {
                let signed = try FileIO.read(manifest, limit: SignedHubDocument.maxBytes)
                state = try installer.install(manifest: signed, file: file, trialSeconds: trial)
            } catch {
                throw CommandFailure("\(error)")
            }
            let active = state.active.map { "release \($0.version) in slot \($0.slot)" } ?? "?"
            FileIO.printOut(
                Array(
                    "installed \(active), on trial from the agent's next start (systemctl restart outpost-agent)\n".utf8
                ))
        }
    }

    /// `outpost-agent release show`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print the release state: what runs, what is on trial, what was given up and why.")

        @Option(help: "The configuration file.") var config = "/etc/outpost/agent.toml"

        func run() throws {
            let configuration = try ConfigurationFile.load(config, checkingFiles: false)
            let (state, problem) = ReleaseFolder(dataDirectory: configuration.gateway.dataDirectory).load()
            if let problem { FileIO.printError(problem) }
            FileIO.printOut((DocumentJSON.encode(state) ?? []) + [0x0A])
        }
    }
}

/// The packaged agent's first step: run the release the state points at instead, if any
/// (`ReleaseLauncher`); a release's own process skips it.
enum ReleaseSlotChoice {
    /// The environment variable that names the packaged binary (the launcher) to a release's
    /// process, so it can start the launcher again after installing the next release.
    static let launcherVariable = "OUTPOST_LAUNCHER"

    /// Notes this packaged binary's path for the releases it starts.
    static func noteLauncher() {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return }
        setenv(launcherVariable, String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self), 1)
    }

    /// Starts the release just installed: a release watched by its launcher exits for the
    /// launcher to choose again; any other process is replaced by the launcher (the packaged
    /// binary), which starts the release on trial. Exits 1 (systemd starts it again) if it cannot.
    static func restartIntoLauncher(arguments: [String]) -> Never {
        if ReleaseLauncher.isWatched { exit(ReleaseLauncher.restartStatus) }
        let launcher = getenv(launcherVariable).map { String(cString: $0) } ?? "/proc/self/exe"
        unsetenv(ReleaseLauncher.slotVariable)
        let argv = ([launcher] + arguments).map { strdup($0) } + [nil]
        execv(launcher, argv)
        FileIO.printError("outpost-agent: cannot start \(launcher) again: \(String(cString: strerror(errno)))")
        exit(1)
    }

    /// The release version this process runs as, when it was started from a slot.
    static func versionOfThisProcess(dataDirectory: String) -> String? {
        guard let slot = ReleaseLauncher.slotOfThisProcess else { return nil }
        let active = ReleaseFolder(dataDirectory: dataDirectory).load().state.active
        return active?.slot == slot ? active?.version : nil
    }

    /// Replaces this process with the release to run, or runs one on trial under watch and exits
    /// with its status; returns when the packaged version is to run. Without a release key to
    /// check the slots with, the packaged version runs and the state is left for when there is.
    static func launch(_ configuration: AgentConfiguration, arguments: [String]) {
        guard let packaged = ReleaseVersion(OutpostVersion.current) else { return }
        let folder = ReleaseFolder(dataDirectory: configuration.gateway.dataDirectory)
        guard access(folder.statePath, F_OK) == 0 else { return }
        let log: @Sendable (String) -> Void = { FileIO.printError("outpost-agent: \($0)") }
        let verifier: ReleaseVerifier
        do {
            guard let configured = try configuration.releaseVerifier() else {
                log(
                    "releases are installed but [uplink] has no release_key to check them with: the packaged version runs"
                )
                return
            }
            verifier = configured
        } catch {
            log("release_key cannot be read (\(error)): the packaged version runs")
            return
        }
        let launcher = ReleaseLauncher(folder: folder, verifier: verifier, packaged: packaged, log: log)
        while true {
            switch launcher.choose() {
            case .packaged: return
            case .slot(let slot, onTrial: false):
                launcher.replaceProcess(slot: slot, arguments: arguments)  // back here only if it could not
            case .slot(let slot, onTrial: true):
                if let status = launcher.superviseTrial(slot: slot, arguments: arguments) { exit(status) }
            }
        }
    }
}
