import OutpostTestSupport
import Testing

/// Every option that takes a number, given a negative one, run as a person would run it.
@Suite("Options that take numbers", .serialized)
struct NumberOptionTests {
    /// Runs a built binary with `arguments`, hardware profiles found from the source tree.
    static func run(_ program: String, _ arguments: [String]) throws -> ChildProcess.Outcome {
        try ChildProcess(
            Binaries.path(program), arguments, environment: ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"]
        ).wait(timeout: .seconds(60))
    }

    @Test(
        "A negative number is read as a number, never as 'Missing value': refused with the option's range where it makes no sense",
        arguments: [
            (
                "outpost-agent", ["probe", "tcp://127.0.0.1:1", "--address", "0", "--expect", "0", "--count", "-1"],
                "--count"
            ),
            ("outpost-agent", ["probe", "tcp://127.0.0.1:1", "--address", "-5", "--expect", "0"], "--address -5"),
            ("outpost-agent", ["probe", "tcp://127.0.0.1:1", "--profile", "xy-md02", "--timeout", "-1"], "--timeout"),
            ("outpost-agent", ["probe", "tcp://127.0.0.1:1", "--profile", "xy-md02", "--unit", "-3"], "--unit"),
            ("outpost-bench", ["api", "--clients", "-1"], "--clients -1 is outside 0-10000"),
            ("outpost-bench", ["api", "--frames", "-1"], "--frames -1"),
            ("outpost-bench", ["api", "--requests", "-1"], "--requests -1"),
            ("outpost-bench", ["agent", "--seconds", "-1"], "--seconds -1"),
            ("outpost-bench", ["agent", "--backlog", "-5"], "--backlog -5"),
            ("outpost-bench", ["agent", "--agent-seconds", "-1"], "--agent-seconds -1"),
            ("outpost-bench", ["chaos", "--minutes", "-1"], "--minutes -1"),
            ("outpost-bench", ["chaos", "--gateways", "-2"], "--gateways -2"),
            ("outpost-bench", ["codec", "--frame-seconds", "-1"], "--frame-seconds"),
            ("outpost-bench", ["codec", "--seconds", "-1"], "--seconds"),
            ("outpost-bench", ["poll", "--seconds", "-1"], "--seconds"),
            ("outpost-bench", ["query", "--gateways", "-1"], "--gateways -1"),
            ("outpost-bench", ["query", "--runs", "-1"], "--runs -1"),
            ("outpost-bench", ["ingest", "--gateways", "-1"], "--gateways -1"),
            ("outpost-bench", ["ingest", "--frames", "-1"], "--frames -1"),
            ("outpost-bench", ["ingest", "--replicas", "-1"], "--replicas -1"),
            ("outpost-bench", ["soak", "--minutes", "-1"], "--minutes -1"),
            ("outpost-bench", ["soak", "--gateways", "-1"], "--gateways -1"),
            ("outpost-bench", ["detect", "--series", "-1"], "--series -1"),
            ("outpost-bench", ["detect", "--gateways", "-1"], "--gateways -1"),
            ("outpost-bench", ["detect", "--sensitivity", "-1"], "--sensitivity -1.0"),
            ("outpost-hub", ["detect", "--input", "-", "--resolution", "-0.1"], "--resolution -0.1"),
            (
                "outpost-hub", ["enrol", "--gateway", "g", "--public-key", "k", "--latitude", "-91"],
                "--latitude -91.0 is outside -90.0-90.0"
            ),
            (
                "outpost-hub", ["enrol", "--gateway", "g", "--public-key", "k", "--longitude", "-181"],
                "--longitude -181.0"
            ),
            ("outpost-sim", ["nmea", "--pty", "--period", "-1"], "--period"),
            ("outpost-sim", ["nmea", "--pty", "--corrupt-one-in", "-1"], "--corrupt-one-in"),
            (
                "outpostctl", ["broker-config", "--ca", "c", "--host", "h", "--out", "o", "--port", "-1"],
                "--port -1 is outside 1-65535"
            ),
            (
                "outpostctl", ["enroll", "g", "--hub", "http://127.0.0.1:1", "--cert", "c", "--latitude", "-91"],
                "--latitude -91.0"
            ),
        ] as [(String, [String], String)])
    func negativeRefused(program: String, arguments: [String], message: String) throws {
        let outcome = try Self.run(program, arguments)
        #expect(!outcome.stderr.contains("Missing value"), "\(program) \(arguments): \(outcome.stderr)")
        #expect(outcome.exitStatus == 64, "\(program) \(arguments): \(outcome)")
        #expect(outcome.stderr.contains(message), "\(program) \(arguments): \(outcome.stderr)")
    }

    @Test(
        "Negative numbers that make sense are taken: a display reading -123456, a gateway in the southern and western hemispheres"
    )
    func negativeTaken() throws {
        let folder = try TemporaryFolder()
        let probe = try Self.run(
            "outpost-agent",
            ["probe", "tcp://127.0.0.1:1", "--address", "0", "--expect", "-123456", "--timeout", "0.2"])
        #expect(probe.exitStatus != 64 && !probe.stderr.contains("Missing value"), "\(probe)")
        let config = folder.write(
            Array("[hub]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"\(folder.path)/data\"\n".utf8), to: "hub.toml")
        #expect(try Self.run("outpostctl", ["keygen", "--gateway", "gw-south", "--out", folder.path]).exitStatus == 0)
        let enrolled = try Self.run(
            "outpost-hub",
            [
                "enrol", "--config", config, "--gateway", "gw-south", "--public-key", folder.file("gw-south.pub"),
                "--latitude",
                "-33.87", "--longitude", "-151.21",
            ])
        #expect(enrolled.exitStatus == 0, "\(enrolled)")
    }

    @Test(
        "Unit ids that cannot be polled are refused with the reason: 0 is broadcast, 248-255 reserved (255 allowed over TCP)"
    )
    func unitIDs() throws {
        for (url, unit, reason) in [
            ("tcp://127.0.0.1:1", "0", "broadcast"), ("tcp://127.0.0.1:1", "248", "reserved"),
            ("rtu:///dev/null?baud=9600", "255", "reserved"),
        ] {
            let outcome = try Self.run("outpost-agent", ["probe", url, "--profile", "xy-md02", "--unit", unit])
            #expect(outcome.exitStatus == 64 && outcome.stderr.contains(reason), "\(url) unit \(unit): \(outcome)")
        }
        let direct = try Self.run(
            "outpost-agent",
            ["probe", "tcp://127.0.0.1:1", "--profile", "xy-md02", "--unit", "255", "--timeout", "0.2"])
        #expect(direct.exitStatus == 1 && direct.stderr.contains("unit 255: no point could be read"), "\(direct)")
    }

    @Test("Device profiles are found from any folder, from --hardware-dir, and a miss names every folder searched")
    func profilesFromAnywhere() throws {
        let folder = try TemporaryFolder()
        let probe = Binaries.path("outpost-agent")
        // From /tmp, without OUTPOST_HARDWARE_DIR: the source tree beside the built binary is found.
        let anywhere = try ChildProcess.run(
            "/bin/sh",
            [
                "-c",
                "cd / && env -u OUTPOST_HARDWARE_DIR \(probe) probe tcp://127.0.0.1:1 --profile eastron-sdm630 --timeout 0.2",
            ])
        #expect(anywhere.exitStatus == 1 && anywhere.stderr.contains("no point could be read"), "\(anywhere)")
        let missing = try ChildProcess.run(
            "/bin/sh",
            ["-c", "cd / && env -u OUTPOST_HARDWARE_DIR \(probe) probe tcp://127.0.0.1:1 --profile no-such-meter"])
        #expect(missing.exitStatus != 0 && missing.stderr.contains("looked in hardware/devices"), "\(missing)")
        #expect(
            missing.stderr.contains("/usr/share/outpost/hardware/devices") && missing.stderr.contains("eastron-sdm630"),
            "\(missing)")
        #expect(try ChildProcess.run("/bin/mkdir", ["-p", folder.path + "/mine/devices"]).exitStatus == 0)
        let profile = String(decoding: readFileBytes(packageRoot() + "/hardware/devices/xy-md02.toml"), as: UTF8.self)
            .replacingOccurrences(of: "name = \"xy-md02\"", with: "name = \"site-sensor\"")
        folder.write(Array(profile.utf8), to: "mine/devices/site-sensor.toml")
        let own = try ChildProcess.run(
            "/bin/sh",
            [
                "-c",
                "cd / && \(probe) probe tcp://127.0.0.1:1 --profile site-sensor --hardware-dir \(folder.path)/mine --timeout 0.2",
            ])
        #expect(own.exitStatus == 1 && own.stderr.contains("no point could be read"), "\(own)")
    }
}
