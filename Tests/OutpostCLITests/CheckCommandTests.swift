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

    @Test("Errors a newcomer meets name no library type: an unreachable hub, a hub address that is not a URL, a file that is not a CRL")
    func plainWords() throws {
        let folder = try TemporaryFolder()
        let unreachable = try ChildProcess.run(
            "/usr/bin/env", ["OUTPOST_TOKEN=t", Binaries.path("outpostctl"), "fleet", "--hub", "http://127.0.0.1:1"])
        #expect(unreachable.exitStatus == 1 && unreachable.stderr.contains("nothing answers there"), "\(unreachable)")
        #expect(!unreachable.stderr.contains("errno") && !unreachable.stderr.contains("Error("), "\(unreachable)")
        let notURL = try ChildProcess.run("/usr/bin/env", ["OUTPOST_TOKEN=t", Binaries.path("outpostctl"), "fleet", "--hub", "hub.local"])
        #expect(notURL.exitStatus == 1 && notURL.stderr.contains("give it as http://HOST:PORT"), "\(notURL)")
        #expect(!notURL.stderr.contains("HTTPClientError"), "\(notURL)")
        let notCRL = folder.write(Array("hello\n".utf8), to: "crl.pem")
        let checked = try ChildProcess.run(Binaries.path("outpostctl"), ["ca", "check-crl", notCRL])
        #expect(checked.exitStatus == 1 && checked.stderr.contains("not a PEM file"), "\(checked)")
        #expect(!checked.stderr.contains("ASN1Error"), "\(checked)")
        let noHub = try ChildProcess.run(Binaries.path("outpost-hub"), ["user", "list", "--config", folder.file("hub.toml")])
        #expect(noHub.exitStatus == 1 && noHub.stderr.contains("no hub configuration at"), "\(noHub)")
        #expect(noHub.stderr.contains("give --config FILE"), "\(noHub)")
        let noAgent = try ChildProcess.run(Binaries.path("outpost-agent"), ["check", "--config", folder.file("agent.toml")])
        #expect(noAgent.exitStatus == 1 && noAgent.stderr.contains("no agent configuration at"), "\(noAgent)")
    }
}
