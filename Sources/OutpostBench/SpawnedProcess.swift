import Foundation  // Thread, for draining a child's output
import OutpostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A program a benchmark starts beside itself (the simulator, a broker, the agent): a separate
/// process (started by `ProcessSpawn`), so the benchmark's own CPU figures are not mixed with it.
/// Stopped (SIGTERM, then reaped) by `stop()` or `deinit`.
package final class SpawnedProcess {
    /// The process id.
    package let pid: pid_t
    /// The line it announced itself with.
    package let readyLine: String
    private var stopped = false

    /// Why a program could not be started.
    package struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        package let description: String
    }

    /// Starts `executable` with `arguments` and waits for a line of its standard output (or of
    /// standard error, with `readyOnStderr`) containing `ready`; an empty `ready` does not wait.
    /// With `log`, everything it writes on either stream is appended to that file.
    package init(
        executable: String, arguments: [String], ready: String, readyOnStderr: Bool = false,
        environment: [String: String] = [:], log: String? = nil
    ) throws(Failure) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        let logDescriptor = log.map { open($0, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) } ?? -1
        let output: ProcessSpawn.Stream = .descriptor(fds[1])
        let other: ProcessSpawn.Stream = logDescriptor >= 0 ? .descriptor(logDescriptor) : .null
        let child: pid_t
        do {
            child = try ProcessSpawn.start(
                executable, arguments, environment: environment, stdout: readyOnStderr ? other : output,
                stderr: readyOnStderr ? output : other, closing: [fds[0]])
        } catch {
            close(fds[0])
            close(fds[1])
            if logDescriptor >= 0 { close(logDescriptor) }
            throw Failure(description: error.description)
        }
        close(fds[1])
        pid = child
        var found = ready.isEmpty ? "" : nil as String?
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while found == nil, read(fds[0], &byte, 1) == 1 {
            if byte != 0x0A {
                line.append(byte)
                continue
            }
            if logDescriptor >= 0 { FileIO.writeAll(line + [0x0A], to: logDescriptor) }
            let text = String(decoding: line, as: UTF8.self)
            if text.contains(ready) { found = text }
            line.removeAll()
        }
        // Keep draining its output on a thread of its own, so it never blocks on a full pipe.
        let descriptor = fds[0]
        let drain = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, 4096)
                guard count > 0 else { break }
                if logDescriptor >= 0 { FileIO.writeAll(Array(buffer[..<count]), to: logDescriptor) }
            }
            close(descriptor)
            if logDescriptor >= 0 { close(logDescriptor) }
        }
        drain.start()
        guard let found else {
            Glibc.kill(child, SIGKILL)
            _ = ProcessSpawn.exitStatus(of: child, blocking: true)
            throw Failure(description: "\(executable) exited before saying '\(ready)'")
        }
        readyLine = found
    }

    deinit { stop() }

    /// Stops the process and reaps it.
    package func stop() {
        guard !stopped else { return }
        stopped = true
        Glibc.kill(pid, SIGCONT)  // a frozen process cannot act on SIGTERM
        Glibc.kill(pid, SIGTERM)
        _ = ProcessSpawn.exitStatus(of: pid, blocking: true)
    }

    /// Whether it is still running; one that ended by itself is reaped here.
    package var isRunning: Bool {
        guard !stopped else { return false }
        guard ProcessSpawn.exitStatus(of: pid) != nil else { return true }
        stopped = true
        return false
    }

    /// Kills the process with SIGKILL (no chance to finish anything) and reaps it.
    package func kill() {
        guard !stopped else { return }
        stopped = true
        Glibc.kill(pid, SIGKILL)
        _ = ProcessSpawn.exitStatus(of: pid, blocking: true)
    }

    /// Waits for the process to end by itself; its exit status (128 + signal when killed).
    package func wait() -> Int32 {
        guard !stopped else { return 0 }
        stopped = true
        return ProcessSpawn.exitStatus(of: pid, blocking: true) ?? 0
    }

    /// Runs `executable` to its end, appending what it writes to `log`; its exit status.
    package static func run(_ executable: String, _ arguments: [String], log: String) throws -> Int32 {
        try SpawnedProcess(executable: executable, arguments: arguments, ready: "", log: log).wait()
    }

    /// Freezes the process (SIGSTOP): it holds its sockets open and answers nothing.
    package func pause() { if !stopped { Glibc.kill(pid, SIGSTOP) } }

    /// Lets a frozen process go on (SIGCONT).
    package func resume() { if !stopped { Glibc.kill(pid, SIGCONT) } }

    /// The program `name` next to the running executable.
    package static func beside(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return name }
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) + "/" + name
    }
}

extension SpawnedProcess {
    /// `outpost-agent run` beside this program with the configuration at `path`; returns once the
    /// agent says it is running. With `log`, its output is kept there.
    package static func agent(configuration path: String, log: String? = nil) throws -> SpawnedProcess {
        try SpawnedProcess(
            executable: beside("outpost-agent"), arguments: ["run", "--config", path], ready: "agent running",
            readyOnStderr: true, log: log)
    }
}
