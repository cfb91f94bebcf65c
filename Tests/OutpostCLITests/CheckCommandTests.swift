import OutpostTestSupport
import Testing

/// `outpost-agent check` and `outpost-hub check` on files with several mistakes: one run names them all.
@Suite("check reports every problem in one run")
struct CheckCommandTests {
    @Test(
        "A mistyped agent.toml: an unknown table, a missing key, an unreadable key file, an unknown profile, a bad unit and interval, all at once"
    )
    func agent() throws {
        let folder = try TemporaryFolder()
        let config = agentConfig(
            folder,
            sources: """
                ca = "\(folder.path)/missing-ca.pem"

                [bufer]
                quota = "1MB"

                [[modbus]]
                name = "meter"
                url = "tcp://127.0.0.1:502"
                profile = "eastron-sdm999"
                unit = 300
                interval = "5 sec"
                """)
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

    @Test("check --remote: a remote configuration shown applied to agent.toml, or every mistake by line and key")
    func remote() throws {
        let folder = try TemporaryFolder()
        let base = folder.write(
            Array(
                """
                [gateway]
                id = "gw-1"
                data_dir = "\(folder.path)/data"
                [uplink]
                broker = "mqtt://127.0.0.1:1883"
                signing_key = "/k"
                [[modbus]]
                name = "room"
                url = "tcp://127.0.0.1:502"
                profile = "xy-md02"
                """.utf8), to: "agent.toml")
        func check(_ remote: String) throws -> ChildProcess.Outcome {
            let file = folder.write(Array(remote.utf8), to: "remote.toml")
            return try ChildProcess(
                Binaries.path("outpost-agent"), ["check", "--config", base, "--offline", "--remote", file],
                environment: ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"]
            ).wait()
        }
        let good = try check(
            "[[modbus]]\nname = \"meter\"\nurl = \"tcp://127.0.0.1:503\"\nprofile = \"eastron-sdm630\"\ninterval = \"5s\"\n"
        )
        #expect(good.exitStatus == 0, "\(good)")
        #expect(good.stdout.contains("modbus meter: tcp://127.0.0.1:503") && !good.stdout.contains("modbus room"))
        let bad = try check(
            "[uplink]\nbroker = \"mqtt://elsewhere\"\n\n[[modbus]]\nname = \"meter\"\nurl = \"tcp://x:502\"\nprofile = \"nope\"\n"
        )
        #expect(bad.exitStatus != 0)
        #expect(bad.stderr.contains("remote.toml: line 1, uplink: [uplink] stays in /etc/outpost/agent.toml"), "\(bad)")
        #expect(bad.stderr.contains("line 7, modbus[0].profile"), "\(bad)")
    }

    /// `agent.toml`'s identity and uplink for a gateway whose data lives in `folder`, then `sources`.
    func agentConfig(_ folder: TemporaryFolder, sources: String) -> String {
        let head =
            "[gateway]\nid = \"gw-1\"\ndata_dir = \"\(folder.path)/data\"\n\n[uplink]\nbroker = \"mqtts://127.0.0.1:8883\"\n\n"
        return folder.write(Array((head + sources).utf8), to: "agent.toml")
    }

    @Test("GPIO lines and a serial table: every bad line and every bad key of the table, in one run")
    func gpioAndSerial() throws {
        let folder = try TemporaryFolder()
        let config = agentConfig(
            folder,
            sources: """
                [[gpio]]
                name = "doors"
                chip = "gpiochip0"
                [[gpio.lines]]
                name = "door"
                line = 5000
                [[gpio.lines]]
                name = "pump"
                line = 3
                mode = "blinking"

                [[serial]]
                name = "tank"
                device = "ttyUSB0"
                baud = 12345
                parity = "sideways"
                format = "json"
                """)
        let outcome = try ChildProcess.run(Binaries.path("outpost-agent"), ["check", "--config", config])
        #expect(outcome.exitStatus != 0)
        let text = outcome.stderr + outcome.stdout
        for expected in [
            "gpio[0].lines[0].line", "gpio[0].lines[1].mode", "serial[0].device", "serial[0].baud", "serial[0].parity",
            "serial[0].format",
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

    /// A P-256 public key (any will do: the frames checked here never get as far as their signature).
    static let publicKey = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAElbH+nb5N3kVjU7UH/sLcrhEuozia
        f2SrRZOPQ6GFCxh6onCH7WwzkunTwwPkaG3LEcTRg4uap2N8133HiWyaTQ==
        -----END PUBLIC KEY-----
        """

    @Test(
        "Errors a newcomer meets name no library type: an unreachable hub, a hub address that is not a URL, a file that is not a CRL, a file that is not a frame"
    )
    func plainWords() throws {
        let folder = try TemporaryFolder()
        let unreachable = try ChildProcess.run(
            "/usr/bin/env", ["OUTPOST_TOKEN=t", Binaries.path("outpostctl"), "fleet", "--hub", "http://127.0.0.1:1"])
        #expect(unreachable.exitStatus == 1 && unreachable.stderr.contains("nothing answers there"), "\(unreachable)")
        #expect(!unreachable.stderr.contains("errno") && !unreachable.stderr.contains("Error("), "\(unreachable)")
        let notURL = try ChildProcess.run(
            "/usr/bin/env", ["OUTPOST_TOKEN=t", Binaries.path("outpostctl"), "fleet", "--hub", "hub.local"])
        #expect(notURL.exitStatus == 1 && notURL.stderr.contains("give it as http://HOST:PORT"), "\(notURL)")
        #expect(!notURL.stderr.contains("HTTPClientError"), "\(notURL)")
        let notCRL = folder.write(Array("hello\n".utf8), to: "crl.pem")
        let checked = try ChildProcess.run(Binaries.path("outpostctl"), ["ca", "check-crl", notCRL])
        #expect(checked.exitStatus == 1 && checked.stderr.contains("not a PEM file"), "\(checked)")
        #expect(!checked.stderr.contains("ASN1Error"), "\(checked)")
        let noHub = try ChildProcess.run(
            Binaries.path("outpost-hub"), ["user", "list", "--config", folder.file("hub.toml")])
        #expect(noHub.exitStatus == 1 && noHub.stderr.contains("no hub configuration at"), "\(noHub)")
        #expect(noHub.stderr.contains("give --config FILE"), "\(noHub)")
        let noAgent = try ChildProcess.run(
            Binaries.path("outpost-agent"), ["check", "--config", folder.file("agent.toml")])
        #expect(noAgent.exitStatus == 1 && noAgent.stderr.contains("no agent configuration at"), "\(noAgent)")
        let short = folder.write(Array("xx".utf8), to: "short.frame")
        let key = folder.write(Array(Self.publicKey.utf8), to: "gw.pub")
        let frame = try ChildProcess.run(Binaries.path("outpost-hub"), ["check-frame", short, "--public-key", key])
        #expect(frame.exitStatus == 1 && frame.stderr.contains("not an Outpost batch frame"), "\(frame)")
        #expect(!frame.stderr.contains("magic"), "\(frame)")
    }

    @Test("A time zone or a CSV column that is not there: each says what would be valid")
    func whatWouldBeValid() throws {
        let folder = try TemporaryFolder()
        let csv = folder.write(Array("datetime;flow;pressure\n2020-03-09 10:14:33;1,5;0,2\n".utf8), to: "rig.csv")
        let zone = try ChildProcess.run(
            Binaries.path("outpost-hub"), ["detect", "--input", csv, "--timezone", "Mars/Olympus"])
        #expect(zone.exitStatus != 0 && zone.stderr.contains("use UTC, an offset such as +03:00"), "\(zone)")
        let column = try ChildProcess.run(Binaries.path("outpost-hub"), ["detect", "--input", csv, "--column", "Flow"])
        #expect(
            column.exitStatus != 0 && column.stderr.contains("no column 'Flow'; the file has 'flow', 'pressure'"),
            "\(column)")
        let several = try ChildProcess.run(Binaries.path("outpost-hub"), ["detect", "--input", csv])
        #expect(several.exitStatus != 0 && several.stderr.contains("choose one with --column"), "\(several)")
    }
}
