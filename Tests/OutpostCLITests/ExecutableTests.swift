import OutpostTestSupport
import Testing

/// The five executables, run as a person would run them.
@Suite("Executables")
struct ExecutableTests {
    static let programs = ["outpost-agent", "outpost-hub", "outpostctl", "outpost-sim", "outpost-bench"]

    @Test("--help prints usage naming the program and exits 0", arguments: programs)
    func help(program: String) throws {
        let outcome = try ChildProcess.run(Binaries.path(program), ["--help"])
        #expect(outcome.exitStatus == 0, "\(outcome)")
        #expect(outcome.stdout.contains("USAGE: \(program)"))
        #expect(outcome.stdout.contains("--version"))
    }

    @Test("--version prints the program and its version", arguments: programs)
    func version(program: String) throws {
        let outcome = try ChildProcess.run(Binaries.path(program), ["--version"])
        #expect(outcome.exitStatus == 0)
        #expect(outcome.stdout.hasPrefix("\(program) 0."))
    }

    @Test("A bad argument exits non-zero with a one-line reason first", arguments: programs)
    func badArgument(program: String) throws {
        let outcome = try ChildProcess.run(Binaries.path(program), ["--no-such-option"])
        #expect(outcome.exitStatus != 0)
        let firstLine = outcome.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(firstLine == "Error: Unknown option '--no-such-option'", "\(outcome)")
    }

    @Test("The agent's version names the C libraries it is linked with")
    func agentLibraries() throws {
        let outcome = try ChildProcess.run(Binaries.path("outpost-agent"), ["--version"])
        #expect(
            outcome.stdout.contains("libmosquitto 2.") && outcome.stdout.contains("libmodbus 3.")
                && outcome.stdout.contains("libgpiod "))
    }
}
