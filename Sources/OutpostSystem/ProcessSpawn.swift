#if canImport(Glibc)
    import Glibc
#endif

/// Starting another program: the one `posix_spawn` in the code base, used by the benchmarks'
/// `SpawnedProcess` and the tests' `ChildProcess`. The child starts with an empty signal mask and
/// default dispositions: the calling thread may block signals (Dispatch and the async runtime
/// do, and Foundation's `Process` passes that on), and a child that inherits it ignores SIGTERM.
///
/// Both callers keep a process past the scope that started it (a broker a test stops and starts,
/// a hub a benchmark freezes with SIGSTOP), waited on synchronously; swift-subprocess runs a
/// process inside one async scope, so it does not replace this.
package enum ProcessSpawn {
    /// Where one of the child's standard streams goes.
    package enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A file read from (standard input), or written from its start or appended to.
        case file(String, append: Bool = false)
        /// A descriptor of this process (a pipe's end, an open log).
        case descriptor(Int32)
    }

    /// Why a program could not be started.
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// Starts `executable` (a path) with `arguments` and this process's environment with
    /// `environment` laid over it; `closing` are descriptors the child must not keep (the other
    /// end of a pipe). Returns the child's pid; reap it with `exitStatus(waiting:)`.
    package static func start(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: Stream = .null,
        stdout: Stream, stderr: Stream, closing: [Int32] = []
    ) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (descriptor, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(
                    &actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let path, let append):
                let flags = descriptor == 0 ? O_RDONLY : O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
                posix_spawn_file_actions_addopen(&actions, descriptor, path, flags, 0o644)
            case .descriptor(let source):
                posix_spawn_file_actions_adddup2(&actions, source, descriptor)
            }
        }
        for descriptor in closing { posix_spawn_file_actions_addclose(&actions, descriptor) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var merged = currentEnvironment()
        for (key, value) in environment { merged[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return child
    }

    /// The exit status of `pid` once it has ended (128 + the signal's number when a signal ended
    /// it); nil while it runs, without blocking unless `blocking`. Reaps it.
    package static func exitStatus(of pid: pid_t, blocking: Bool = false) -> Int32? {
        var raw: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &raw, blocking ? 0 : WNOHANG) } while result < 0 && errno == EINTR
        guard result == pid else { return nil }
        return raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
    }

    /// This process's environment.
    private static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var index = 0
        while let entry = environ[index] {
            let line = String(cString: entry)
            index += 1
            guard let equals = line.firstIndex(of: "=") else { continue }
            result[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return result
    }
}
