import Logging
import OutpostConfig
import OutpostDevices
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

@testable import OutpostAgent

/// The remote overlay's rules (what it may set, how it refines agent.toml), the trial's verdicts
/// and what a restart during a trial does: pure, no broker.
@Suite("Remote configuration: overlay, trial and saved state")
struct RemoteOverlayTests {
    let profiles = ProfileLibrary(folders: [packageRoot() + "/hardware"])

    func base() throws -> AgentConfiguration {
        try AgentConfiguration(
            toml: """
                [gateway]
                id = "gw-1"
                data_dir = "/var/lib/outpost"
                [uplink]
                broker = "mqtt://127.0.0.1:1883"
                signing_key = "/k"
                [buffer]
                quota = "1MB"
                [[modbus]]
                name = "room"
                url = "tcp://127.0.0.1:502"
                profile = "xy-md02"
                [[aggregate]]
                series = "room.*"
                mode = "window"
                window = "1m"
                """, file: "agent.toml", profiles: profiles)
    }

    @Test("Each kind of table it has replaces agent.toml's; the kinds it lacks stay; an empty overlay is agent.toml")
    func refines() throws {
        let base = try base()
        let devices = try RemoteOverlay(
            toml: "[[serial]]\nname = \"gps\"\ndevice = \"/dev/ttyUSB0\"\nformat = \"nmea\"\n",
            file: "v1", profiles: profiles
        ).applied(to: base)
        #expect(devices.modbus.isEmpty && devices.serial.map(\.settings.name) == ["gps"], "sources are one list")
        #expect(devices.aggregation.count == 1 && devices.buffer.quota == 1_000_000, "the rest stays")
        let cleared = try RemoteOverlay(toml: "aggregate = []\n[buffer]\npolicy = \"drop_oldest\"\n", file: "v2")
            .applied(to: base)
        #expect(cleared.aggregation.isEmpty && cleared.modbus.count == 1)
        #expect(cleared.buffer.policy == .dropOldest && cleared.buffer.quota == 256_000_000, "[buffer] whole")
        let empty = try RemoteOverlay(toml: "", file: "v3").applied(to: base)
        #expect(empty.modbus.count == 1 && empty.aggregation.count == 1 && empty.buffer == base.buffer)
    }

    @Test(
        "Identity, keys and broker are refused, a profile file is refused, and every mistake is named by line and key")
    func refuses() throws {
        let text = """
            [uplink]
            broker = "mqtt://elsewhere:1883"

            [[modbus]]
            name = "room"
            url = "tcp://127.0.0.1:502"
            profile = "/tmp/mine.toml"

            [[modbus]]
            name = "meter"
            url = "tcp://127.0.0.1:502"
            profile = "xy-md02"
            intervall = "1s"

            [[gpio]]
            name = "meter"
            chip = "gpiochip0"
            interval = "-1s"
            """
        let problems = try #require(throws: ConfigProblems.self) {
            try RemoteOverlay(toml: text, file: "gw-1 v4", profiles: profiles)
        }.problems
        let lines = problems.map(\.description).joined(separator: "\n")
        #expect(lines.contains("gw-1 v4: line 1, uplink: [uplink] stays in /etc/outpost/agent.toml"), "\(lines)")
        #expect(lines.contains("line 7, modbus[0].profile: '/tmp/mine.toml' is a file on one machine"), "\(lines)")
        #expect(lines.contains("line 13, modbus[1].intervall: unknown key 'intervall' (did you mean 'interval'?)"))
        #expect(problems.count >= 3 && problems.allSatisfy { $0.file == "gw-1 v4" })
        let huge = String(repeating: "# padding\n", count: RemoteOverlay.maxBytes / 10 + 1)
        #expect(throws: ConfigProblems.self) { try RemoteOverlay(toml: huge, file: "v5") }
        #expect(throws: ConfigProblems.self) { try RemoteOverlay(toml: "modbus = []\n", file: "v6") }
    }

    @Test(
        "A trial: confirmed by an acknowledgement once every source has read; failed by a source that never answers, or by silence"
    )
    func trial() {
        let start = ContinuousClock.now
        let trial = ConfigurationTrial(version: 2, started: start, length: .seconds(600))
        var good = SourceCounters.Snapshot()
        good.goodSamples = 4
        var dead = SourceCounters.Snapshot()
        (dead.badSamples, dead.errors, dead.lastError) = (9, ["timeout": 3], "no answer")
        var unpolled = SourceCounters.Snapshot()
        #expect(trial.verdict(at: start + .seconds(1), lastAcknowledgement: nil, sources: ["a": good]) == .pending)
        #expect(
            trial.verdict(at: start + .seconds(1), lastAcknowledgement: start - .seconds(1), sources: ["a": good])
                == .pending, "an acknowledgement from before the trial proves nothing")
        #expect(
            trial.verdict(at: start + .seconds(2), lastAcknowledgement: start + .seconds(1), sources: ["a": good])
                == .confirmed)
        #expect(
            trial.verdict(
                at: start + .seconds(2), lastAcknowledgement: start + .seconds(1), sources: ["a": good, "b": dead])
                == .failed("source b failed in every poll (3 of 3): no answer"))
        unpolled.errors = ["timeout": 2]
        let at = start + .seconds(2)
        #expect(
            trial.verdict(at: at, lastAcknowledgement: at, sources: ["a": good, "b": unpolled]) == .pending,
            "two failures: not yet every poll")
        #expect(
            trial.verdict(at: start + .seconds(600), lastAcknowledgement: at, sources: ["a": good, "b": unpolled])
                == .confirmed, "at the end, an acknowledgement is enough")
        #expect(
            trial.verdict(at: start + .seconds(600), lastAcknowledgement: nil, sources: ["a": good])
                == .failed("no batch acknowledged by the hub within 600 s of applying it (broker unreachable?)"))
    }

    @Test("A restart during a trial resumes it; a second restart returns to the last version that worked")
    func restarts() throws {
        let folder = try TemporaryFolder()
        var state = RemoteConfigurationState()
        state.good = .init(version: 1, toml: "aggregate = []\n")
        state.running = .init(version: 2, toml: "[buffer]\nquota = \"2MB\"\n")
        state.trial = .init(version: 2, seconds: 600, restarts: 0)
        try state.save(in: folder.path)
        let base = try base()
        func start() -> (AgentConfiguration, RemoteConfigurationStatus?) {
            let remote = RemoteConfigurator(
                gateway: "gw-1", dataDirectory: folder.path, verifier: try? .init(publicKeyPEM: fleetPEM),
                profiles: profiles, logger: Logger(label: "test"))
            return (remote.startingConfiguration(base: base), remote.status)
        }
        let (first, resumed) = start()
        #expect(first.buffer.quota == 2_000_000 && resumed?.trial == 2, "resumed on trial")
        let (second, returned) = start()
        #expect(second.buffer.quota == 1_000_000 && second.aggregation.isEmpty, "v1 again")
        #expect(returned?.applied == 1 && returned?.failed == 2 && returned?.outcome == "rolled_back")
        #expect(returned?.reason == "the agent restarted 2 times during its trial")
        let (third, _) = start()
        #expect(third.aggregation.isEmpty && RemoteConfigurationState.load(from: folder.path).state.trial == nil)
        // A damaged file: agent.toml alone, and said.
        _ = folder.write(Array("{\"running\":".utf8), to: "remote-config.json")
        let (fallback, damaged) = start()
        #expect(fallback.aggregation.count == 1 && damaged?.refusal?.contains("unreadable") == true)
    }

    let fleetPEM = FleetSigner.generate().publicKeyPEM
}
