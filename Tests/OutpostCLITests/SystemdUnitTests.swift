import Foundation
import OutpostTestSupport
import Testing

/// The unit in `systemd/` with its `ExecStart` pointing at the built binary, in a temporary folder.
private func unitCopy(_ name: String, in folder: TemporaryFolder, change: (String) -> String = { $0 }) throws -> String
{
    let text = String(decoding: readFileBytes(packageRoot() + "/systemd/\(name).service"), as: UTF8.self)
    let local = text.replacingOccurrences(of: "/usr/bin/\(name)", with: Binaries.path(name))
    return folder.write(Array(change(local).utf8), to: "\(name).service")
}

@Suite("systemd units")
struct SystemdUnitTests {
    @Test("Both units pass systemd-analyze verify with no diagnostic", arguments: ["outpost-agent", "outpost-hub"])
    func verify(unit: String) throws {
        let folder = try TemporaryFolder(prefix: "units")
        let outcome = try ChildProcess.run("/usr/bin/systemd-analyze", ["verify", try unitCopy(unit, in: folder)])
        #expect(outcome.exitStatus == 0)
        #expect(outcome.stderr.isEmpty && outcome.stdout.isEmpty, "systemd-analyze: \(outcome.stderr)\(outcome.stdout)")
    }

    @Test("The check can fail: a unit with a bad value is reported")
    func verifyCatchesMistakes() throws {
        let folder = try TemporaryFolder(prefix: "units")
        let broken = try unitCopy("outpost-agent", in: folder) {
            $0.replacingOccurrences(of: "WatchdogSec=30s", with: "WatchdogSec=soon")
        }
        let outcome = try ChildProcess.run("/usr/bin/systemd-analyze", ["verify", broken])
        #expect(
            outcome.stderr.contains("WatchdogSec") || outcome.stderr.contains("soon")
                || outcome.stderr.contains("parse"), "\(outcome)")
    }

    @Test(
        "The agent's unit asks for what the agent relies on: notify with a watchdog, its state and configuration folders, serial and GPIO devices"
    )
    func agentUnitContract() {
        let text = String(decoding: readFileBytes(packageRoot() + "/systemd/outpost-agent.service"), as: UTF8.self)
        for line in [
            "Type=notify", "WatchdogSec=", "Restart=always", "StateDirectory=outpost", "ConfigurationDirectory=outpost",
            "ProtectSystem=strict", "ProtectHome=true", "NoNewPrivileges=true", "PrivateTmp=true",
            "ConditionPathExists=/etc/outpost/agent.toml", "DeviceAllow=char-ttyUSB rw", "DeviceAllow=char-gpiochip rw",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "StartLimitBurst=",
        ] {
            #expect(text.contains("\n" + line), "outpost-agent.service lacks \(line)")
        }
        // A group the board lacks (gpio on a PC) would fail every start: the user's own groups apply.
        #expect(!text.contains("\nSupplementaryGroups="), "outpost-agent.service names groups a board may lack")
    }
}
