#if canImport(Glibc)
    import Glibc
#endif

/// An `outpost-sim` started for a benchmark: a separate process, so the benchmark's CPU time is
/// the client's alone. Stopped (SIGTERM, then reaped) by `stop()` or `deinit`.
public final class SimulatorProcess {
    /// The URL it serves (`tcp://127.0.0.1:PORT`).
    public let url: String
    private let pid: pid_t
    private var stopped = false

    /// Why the simulator could not be started.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        public let description: String
    }

    /// Starts `executable modbus --listen 127.0.0.1:0 ARGUMENTS` and waits for its address.
    public init(executable: String, arguments: [String]) throws(Failure) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        // The calling thread may block signals (Dispatch and the async runtime do); the child
        // must start with an empty mask and default handlers, or it cannot be stopped.
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
        let argv = ([executable, "modbus", "--listen", "127.0.0.1:0"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        close(fds[1])
        guard result == 0 else {
            close(fds[0])
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(fds[0], &byte, 1) == 1, byte != 0x0A { line.append(byte) }
        close(fds[0])
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening ") else {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            throw Failure(description: "\(executable) did not start serving (it said '\(text)')")
        }
        url = String(text.dropFirst("listening ".count))
    }

    deinit { stop() }

    /// Stops the simulator and reaps it.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// The `outpost-sim` next to the running executable.
    public static var besideThisExecutable: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return "outpost-sim" }
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) + "/outpost-sim"
    }
}
