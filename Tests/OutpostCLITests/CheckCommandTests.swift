import OutpostTestSupport
import Testing

/// `outpost-agent check` and `outpost-hub check` on files with several mistakes: one run names them all.
@Suite("check reports every problem in one run")
struct CheckCommandTests {
    @Test("A mistyped agent.toml: an unknown table, a missing key, an unreadable key file, an unknown profile, a bad unit and interval, all at once")
    func agent() throws {
        let folder = try TemporaryFolder()
        let config = folder.write(
            Array(
                """
                [gateway]
                id = "gw-1"
                data_dir = "\(folder.path)/data"

                [uplink]
                broker = "mqtts://127.0.0.1:8883"
                ca = "\(folder.path)/missing-ca.pem"

                [bufer]
                quota = "1MB"

                [[modbus]]
                name = "meter"
                url = "tcp://127.0.0.1:502"
                profile = "eastron-sdm999"
                unit = 300
                interval = "5 sec"
                """.utf8), to: "agent.toml")
        let outcome = try ChildProcess(
            Binaries.path("outpost-agent"), ["check", "--config", config],
            environment: ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"]
        ).wait()
        #expect(outcome.exitStatus != 0)
        let text = outcome.stderr + outcome.stdout
        for expected in [
            "bufer", "uplink.signing_key", "missing-ca.pem' cannot be read", "modbus[0].profile", "modbus[0].unit",
            "modbus[0].interval",
        ] {
            #expect(text.contains(expected), "\(expected) is not reported:\n\(text)")
        }
    }

    @Test("A mistyped hub.toml: an unknown table, a bad address, a bad duration and a bad cost, all at once")
    func hub() throws {
        let folder = try TemporaryFolder()
        let config = folder.write(
            Array(
                """
                [hub]
                listen = "8080"
                data_dir = "\(folder.path)/data"

                [hbu]
                x = 1

                [retention]
                raw = "3 months"

                [web]
                bcrypt_cost = 40
                """.utf8), to: "hub.toml")
        let outcome = try ChildProcess.run(Binaries.path("outpost-hub"), ["check", "--config", config])
        #expect(outcome.exitStatus != 0)
        for expected in ["hbu", "hub.listen: '8080'", "retention.raw: '3 months'", "web.bcrypt_cost: 40"] {
            #expect(outcome.stderr.contains(expected), "\(expected) is not reported:\n\(outcome.stderr)")
        }
    }
}
