import CFiles
import OutpostSystem
import OutpostWire
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Set once SIGTERM or SIGINT reaches the launcher while it watches a release on trial.
private let stopAsked = Atomic<Bool>(false)
/// The release watched, to pass a stop on to.
private let watchedChild = Atomic<Int32>(0)

extension ReleaseLauncher {
    /// How long a release that was told to stop (its trial ran out) has before it is killed: as
    /// long as systemd gives the agent.
    static let stopGrace: Duration = .seconds(20)

    /// Runs the release on trial in `slot` as a child with `arguments`, and watches it until it
    /// confirms itself and exits, or is stopped (SIGTERM): then returns its exit status to exit
    /// with. When it exits unconfirmed or its trial runs out, it is stopped and rolled back, and
    /// nil is returned: choose again; likewise when, confirmed, it installed the next release
    /// and exits with `restartStatus`.
    package func superviseTrial(slot: String, arguments: [String]) -> Int32? {
        let binary = folder.binaryPath(slot)
        var (state, _) = folder.load()
        // Within the range a trial may be given (a damaged or edited file says anything).
        let range = ConfigurationDocument.trialRange
        let seconds = min(
            max(state.trial?.seconds ?? ConfigurationDocument.defaultTrialSeconds, range.lowerBound), range.upperBound)
        var pid: pid_t = 0
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        let environment =
            Self.environment(adding: ["\(Self.slotVariable)=\(slot)", "\(Self.launcherVariable)=\(getpid())"])
            .map { strdup($0) } + [nil]
        let spawned = posix_spawn(&pid, binary, nil, nil, argv, environment)
        (argv + environment).forEach { free($0) }
        guard spawned == 0 else {
            giveUp(&state, "it could not be started: \(String(cString: strerror(spawned)))")
            return nil
        }
        log(
            "release \(state.active?.version ?? "?") started on trial (pid \(pid)); it has \(seconds) s to confirm itself"
        )
        watchedChild.store(pid, ordering: .relaxed)
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber) { received in
                stopAsked.store(true, ordering: .relaxed)
                let child = watchedChild.load(ordering: .relaxed)
                if child > 0 { kill(child, received) }
            }
        }
        defer {
            watchedChild.store(0, ordering: .relaxed)
            signal(SIGTERM, SIG_DFL)
            signal(SIGINT, SIG_DFL)
        }
        let deadline = ContinuousClock.now + .seconds(seconds)
        while true {
            var status: Int32 = 0
            let exited = waitpid(pid, &status, WNOHANG) == pid
            state = folder.load().state
            let confirmed = state.trial == nil && state.active?.slot == slot
            if exited {
                if confirmed, Self.exitCode(status) == Self.restartStatus { return nil }
                if confirmed || stopAsked.load(ordering: .relaxed) { return Self.exitCode(status) }
                giveUp(&state, "it \(Self.describe(status)) before it was confirmed")
                return nil
            }
            if confirmed {
                // Kept: nothing more to judge. Wait for it without looking at the state again.
                log("release \(state.active?.version ?? "?") confirmed")
                while waitpid(pid, &status, 0) != pid {
                    guard errno == EINTR else { return 1 }
                }
                return Self.exitCode(status) == Self.restartStatus ? nil : Self.exitCode(status)
            }
            if !stopAsked.load(ordering: .relaxed), ContinuousClock.now >= deadline {
                stop(pid)
                giveUp(
                    &state,
                    "it was not confirmed within \(seconds) s: it did not connect, get a batch acknowledged and poll every source"
                )
                return nil
            }
            usleep(100_000)
        }
    }

    /// Asks `pid` to stop, and kills it after `stopGrace`.
    private func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + Self.stopGrace
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
    }

    /// The environment variable that tells a release on trial which process watches it.
    package static let launcherVariable = "OUTPOST_RELEASE_LAUNCHER"

    /// The status a release watched by its launcher exits with after installing the next
    /// release: the launcher then chooses again, and starts that one on trial.
    package static let restartStatus: Int32 = 75

    /// Whether this process is a release watched by a launcher (its parent).
    package static var isWatched: Bool {
        guard let text = getenv(launcherVariable).map({ String(cString: $0) }), let launcher = pid_t(text) else {
            return false
        }
        return getppid() == launcher
    }

    /// In a release on trial: dies with the launcher that watches it, and exits at once if that
    /// launcher is already gone. SIGKILL, not SIGTERM: a release still shutting down while a new
    /// launcher starts would be two agents on one outbox. What it loses is what a power cut
    /// loses, the readings of its last commit interval; a stop (SIGTERM to the launcher) is
    /// passed on and lets it commit.
    package static func stayWithLauncher() {
        guard let text = getenv(launcherVariable).map({ String(cString: $0) }), let launcher = pid_t(text) else {
            return
        }
        _ = outpost_die_with_parent(SIGKILL)
        if getppid() != launcher { exit(0) }
        FaultInjection.crashIfAsked(at: "release-first-start")
    }

    /// This process's environment with `entries` (`NAME=value`) set.
    static func environment(adding entries: [String]) -> [String] {
        let names = entries.map { String($0.prefix { $0 != "=" }) + "=" }
        var kept: [String] = []
        var cursor = environ
        while let pointer = cursor.pointee {
            let text = String(cString: pointer)
            if !names.contains(where: { text.hasPrefix($0) }) { kept.append(text) }
            cursor += 1
        }
        return kept + entries
    }

    /// The status a process that ended with wait status `status` passes on: its exit code, or
    /// 128 plus the signal that killed it, as a shell reports it.
    static func exitCode(_ status: Int32) -> Int32 {
        let signalNumber = status & 0x7F
        return signalNumber == 0 ? (status >> 8) & 0xFF : 128 + signalNumber
    }

    /// How a process ended, in words.
    static func describe(_ status: Int32) -> String {
        let signalNumber = status & 0x7F
        if signalNumber == 0 { return "exited with status \((status >> 8) & 0xFF)" }
        return "was killed by signal \(signalNumber) (\(String(cString: strsignal(signalNumber))))"
    }
}
