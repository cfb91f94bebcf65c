import OutpostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A program run by a test (started by `ProcessSpawn`), its output captured in files, reaped on
/// exit.
package final class ChildProcess {
    /// The child's process id.
    package let pid: pid_t
    private let scratch: TemporaryFolder
    private let stdoutPath: String
    private let stderrPath: String
    private var status: Int32?

    /// What a finished program did.
    package struct Outcome: CustomStringConvertible {
        /// The exit status, or 128 + signal number when killed by a signal.
        package let exitStatus: Int32
        /// Everything written to standard output.
        package let stdout: String
        /// Everything written to standard error.
        package let stderr: String

        package var description: String { "exit \(exitStatus)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// Why a child could not be started or waited for.
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// Starts `executable` with `arguments`; standard input is `/dev/null` unless `stdinPath` is given.
    package init(
        _ executable: String, _ arguments: [String], stdinPath: String = "/dev/null",
        environment: [String: String] = [:]
    ) throws {
        scratch = try TemporaryFolder(prefix: "child")
        stdoutPath = scratch.path + "/stdout"
        stderrPath = scratch.path + "/stderr"
        do {
            pid = try ProcessSpawn.start(
                executable, arguments, environment: environment, stdin: .file(stdinPath),
                stdout: .file(stdoutPath), stderr: .file(stderrPath))
        } catch {
            throw Failure(description: error.description)
        }
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
    }

    /// What the child has written to standard output so far.
    package func currentStdout() -> String { Self.readText(stdoutPath) }

    /// Waits until a line of standard output starts with `prefix` and returns that line; throws
    /// when the child exits first or `timeout` passes.
    package func waitForLine(startingWith prefix: String, timeout: Duration = .seconds(30)) throws -> String {
        try waitForLine(in: stdoutPath, described: "starting with '\(prefix)'", timeout: timeout) {
            $0.hasPrefix(prefix)
        }
    }

    /// Waits until a line of standard error contains `needle` and returns that line.
    package func waitForStderrLine(containing needle: String, timeout: Duration = .seconds(30)) throws -> String {
        try waitForLine(in: stderrPath, described: "containing '\(needle)'", timeout: timeout) { $0.contains(needle) }
    }

    /// What the child has written to standard error so far.
    package func currentStderr() -> String { Self.readText(stderrPath) }

    private func waitForLine(
        in path: String, described: String, timeout: Duration, where matches: (Substring) -> Bool
    ) throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = Self.readText(path).split(separator: "\n").first(where: matches) {
                return String(line)
            }
            if status == nil, let ended = ProcessSpawn.exitStatus(of: pid) {
                status = ended
                throw Failure(
                    description:
                        "process exited (\(status ?? -1)) before printing a line \(described): \(Self.readText(stderrPath))"
                )
            }
            usleep(5_000)
        }
        throw Failure(description: "no line \(described) within \(timeout): \(Self.readText(stderrPath))")
    }

    /// Asks the child to stop (SIGTERM) and reaps it; kills it if it has not exited within `grace`.
    package func terminate(grace: Duration = .seconds(10)) {
        send(SIGTERM)
        do {
            try wait(timeout: grace)
        } catch {
            // wait() has already killed and reaped it; nothing more to do for a test's clean-up.
            return
        }
    }

    /// Sends `signal` to the child.
    package func send(_ signal: Int32) {
        if status == nil { kill(pid, signal) }
    }

    /// Waits for the child to exit, polling its state until `timeout`; kills it and throws if it
    /// has not exited by then.
    @discardableResult
    package func wait(timeout: Duration = .seconds(60)) throws -> Outcome {
        let deadline = ContinuousClock.now + timeout
        while status == nil {
            if let ended = ProcessSpawn.exitStatus(of: pid) {
                status = ended
                break
            }
            if ContinuousClock.now >= deadline {
                send(SIGKILL)
                _ = ProcessSpawn.exitStatus(of: pid, blocking: true)
                status = 137
                throw Failure(description: "process \(pid) did not exit within \(timeout); killed")
            }
            usleep(2_000)
        }
        return Outcome(exitStatus: status ?? -1, stdout: Self.readText(stdoutPath), stderr: Self.readText(stderrPath))
    }

    /// Waits for the child to exit like `wait(timeout:)`, but gives its thread back between
    /// looks: a test that waits minutes for a program (schemathesis, Chromium) must not hold one
    /// of the two threads every other test's async work runs on.
    @discardableResult
    package func finished(timeout: Duration = .seconds(60)) async throws -> Outcome {
        let deadline = ContinuousClock.now + timeout
        while status == nil, ContinuousClock.now < deadline {
            if let ended = ProcessSpawn.exitStatus(of: pid) {
                status = ended
                break
            }
            try await Task.sleep(for: .milliseconds(20))  // a look at the child's state every 20 ms
        }
        return try wait(timeout: .zero)
    }

    /// Runs a program to completion without holding a thread while it runs.
    package static func running(
        _ executable: String, _ arguments: [String], stdinPath: String = "/dev/null", timeout: Duration = .seconds(120)
    ) async throws -> Outcome {
        try await ChildProcess(executable, arguments, stdinPath: stdinPath).finished(timeout: timeout)
    }

    /// Runs a program to completion.
    package static func run(
        _ executable: String, _ arguments: [String], stdinPath: String = "/dev/null", timeout: Duration = .seconds(120)
    ) throws -> Outcome {
        try ChildProcess(executable, arguments, stdinPath: stdinPath).wait(timeout: timeout)
    }

    private static func readText(_ path: String) -> String {
        String(decoding: readFileBytes(path), as: UTF8.self)
    }
}

/// The whole content of a file, or an empty array when it cannot be read.
package func readFileBytes(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "r") else { return [] }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count == 0 { break }
        bytes.append(contentsOf: buffer[..<count])
    }
    return bytes
}
