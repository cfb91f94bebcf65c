import OutpostTestSupport
import Testing

/// `outpost-sim history` into `outpost-hub import`: how `make demo` gives its hub a past.
@Suite("A simulated device's past, imported")
struct DeviceHistoryCommandTests {
    @Test("history writes one CSV per point, named as the agent names the series, and import takes each one whole")
    func historyIntoImport() throws {
        let folder = try TemporaryFolder()
        let history = try ChildProcess.run(
            Binaries.path("outpost-sim"),
            ["history", "--profile", "xy-md02", "--span", "2m", "--out", folder.file("past")])
        #expect(history.exitStatus == 0, "\(history)")
        let rows = history.stdout.split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false)
        }
        #expect(
            rows.map { String($0[1]) } == [
                "dev.temperature", "dev.humidity", "dev.device_address", "dev.temperature_correction",
            ])
        #expect(rows.allSatisfy { $0.count == 4 })
        #expect(rows.first?[2] == "0.1" && rows.first?[3] == "°C")
        folder.write(Array("[hub]\nlisten = \"127.0.0.1:0\"\ndata_dir = \"\(folder.path)/hub\"\n".utf8), to: "hub.toml")
        for row in rows {
            let lines = String(decoding: readFileBytes(String(row[0])), as: UTF8.self).split(separator: "\n")
            #expect(lines.first == "time,value" && lines.count == 121, "\(row[0]): \(lines.count) lines")
            var arguments = [
                "import", "--config", folder.file("hub.toml"), "--gateway", "boiler-room", "--series", String(row[1]),
            ]
            if row[2] != "-" { arguments += ["--resolution", String(row[2])] }
            let imported = try ChildProcess.run(Binaries.path("outpost-hub"), arguments + [String(row[0])])
            #expect(
                imported.exitStatus == 0 && imported.stdout == "imported 120 readings into boiler-room/\(row[1])\n",
                "\(imported)")
        }
        // The setting's past is one value: the device keeps it.
        let address = String(decoding: readFileBytes(folder.file("past/dev.device_address.csv")), as: UTF8.self)
        #expect(Set(address.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[1] }).count == 1)
    }

    @Test("history refuses a span or interval that is not a duration, and a span of more than ten million readings")
    func badSpans() throws {
        for (arguments, expected) in [
            (["--span", "forever"], "--span 'forever' is not a duration"), (["--interval", "0s"], "--interval '0s'"),
            (["--span", "365d", "--interval", "1ms"], "at most 10,000,000"),
        ] {
            let outcome = try ChildProcess.run(
                Binaries.path("outpost-sim"),
                ["history", "--profile", "xy-md02", "--out", "/nonexistent/x"] + arguments)
            #expect(outcome.exitStatus == 64 && outcome.stderr.contains(expected), "\(outcome)")
        }
    }
}
