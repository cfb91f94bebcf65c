import Foundation
import OutpostTestSupport
import Testing

@Suite("outpost-hub detect: the replay used for tuning")
struct DetectCommandTests {
    /// 1,000 minutes of a noisy sensor (deterministic), a spike at row 800 and a value of 31 at 900.
    func csv() -> String {
        var state: UInt64 = 42
        var lines = ["timestamp,value"]
        for index in 0..<1000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = (Double(state >> 11) / Double(1 << 53) - 0.5) * 0.6
            var value = (20 + noise) * 10
            value = value.rounded() / 10
            if index == 800 { value += 8 }
            if index == 900 { value = 25.5 }
            lines.append("\(1_790_000_000 + index * 60),\(value)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("One row per input row, in order, with score and anomaly; learning first; the spike is named")
    func output() throws {
        let folder = try TemporaryFolder()
        let input = folder.write(Array(csv().utf8), to: "series.csv")
        let outcome = try ChildProcess.run(
            Binaries.path("outpost-hub"), ["detect", "--input", input, "--output", "-", "--resolution", "0.1"])
        #expect(outcome.exitStatus == 0, "\(outcome)")
        let rows = outcome.stdout.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        let inputRows = csv().split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(rows.first == ["timestamp", "value", "score", "anomaly"])
        #expect(rows.count == 1001)
        #expect(
            zip(rows.dropFirst(), inputRows).allSatisfy { $0.0[0] == $0.1[0] && $0.0[1] == $0.1[1] },
            "same rows, same order")
        #expect(rows[1...500].allSatisfy { $0[3] == "learning" })
        #expect(rows[801][3] == "spike", "\(rows[801])")
        let flagged = rows.dropFirst(501).filter { !$0[3].isEmpty }.count
        #expect(flagged <= 4, "\(flagged) rows flagged in 500 normal minutes")

        // Through standard input, with a configuration whose rule sets an upper limit of 25.
        let config = folder.write(
            Array(
                "[hub]\n[detection]\nlearning_samples = 100\n[[detection.series]]\nmatch = \"site-*/level\"\nupper = 25\n"
                    .utf8),
            to: "hub.toml")
        let limited = try ChildProcess.run(
            Binaries.path("outpost-hub"), ["detect", "--input", "-", "--config", config, "--series", "site-4/level"],
            stdinPath: input)
        #expect(limited.exitStatus == 0, "\(limited)")
        let limitedRows = limited.stdout.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        #expect(limitedRows[901][3] == "limit", "\(limitedRows[901])")
        #expect(limitedRows[101][3] != "learning", "the rule's learning period applies")
    }

    @Test("A bad line is refused with the line named, every bad line in one run; a file without a header is read")
    func badInput() throws {
        let folder = try TemporaryFolder()
        let noHeader = folder.write(Array("1790000000,1\n1790000060,2\n".utf8), to: "a.csv")
        let read = try ChildProcess.run(Binaries.path("outpost-hub"), ["detect", "--input", noHeader])
        #expect(read.exitStatus == 0 && read.stdout.split(separator: "\n").count == 3, "\(read)")
        let badLines = folder.write(Array("t,v\n1790000000,1\n1790000060,warm\nyesterday,3\n".utf8), to: "b.csv")
        let bad = try ChildProcess.run(Binaries.path("outpost-hub"), ["detect", "--input", badLines])
        #expect(bad.exitStatus != 0 && bad.stderr.contains("line 3: 'warm' is not a number"), "\(bad)")
        #expect(bad.stderr.contains("line 4: 'yesterday' is not a time"), "\(bad)")
    }

    /// The same 600 readings written in each time form the replay takes: every form scores the same.
    @Test(
        "Times as loggers, spreadsheets and pandas write them, ; or , separators, a chosen column: all score the same",
        arguments: ["rfc3339", "space", "space-zone", "unix-s", "unix-ms", "unix-ns", "semicolon"])
    func timeForms(form: String) throws {
        let folder = try TemporaryFolder()
        let start: Int64 = 1_389_062_700  // 2014-01-07 02:45:00 UTC
        func time(_ index: Int) -> String {
            let seconds = start + Int64(index) * 60
            let minute = 45 + index
            let wall = String(format: "2014-01-07 %02d:%02d:00", 2 + minute / 60, minute % 60)
            switch form {
            case "rfc3339": return wall.replacingOccurrences(of: " ", with: "T") + "Z"
            case "space", "semicolon": return wall
            case "space-zone": return String(format: "2014-01-07 %02d:%02d:00", 5 + minute / 60, minute % 60)  // +03:00
            case "unix-ms": return "\(seconds * 1000)"
            case "unix-ns": return "\(seconds * 1_000_000_000)"
            default: return "\(seconds)"
            }
        }
        let separator = form == "semicolon" ? ";" : ","
        var lines = ["datetime\(separator)pressure\(separator)flow"]
        var state: UInt64 = 7
        for index in 0..<600 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = ((Double(state >> 11) / Double(1 << 53) - 0.5) * 6).rounded() / 10
            let flow = index == 550 ? 180.0 : 93.9 + noise
            let text = form == "semicolon" ? "\(flow)".replacingOccurrences(of: ".", with: ",") : "\(flow)"
            lines.append("\(time(index))\(separator)1\(separator)\(text)")
        }
        let input = folder.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: "rig.csv")
        var arguments = ["detect", "--input", input, "--column", "flow"]
        if form == "space-zone" { arguments += ["--timezone", "+03:00"] }
        let outcome = try ChildProcess.run(Binaries.path("outpost-hub"), arguments)
        #expect(outcome.exitStatus == 0, "\(outcome)")
        let rows = outcome.stdout.split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        #expect(rows.count == 601, "\(rows.count)")
        #expect(
            rows.count > 551 && rows[551][3] == "spike",
            "the spike at row 551: \(rows.count > 551 ? "\(rows[551])" : "")")
        #expect(rows.dropFirst(501).filter { !$0[3].isEmpty }.count <= 3, "no more than the spike and its echo")
    }

    @Test("A clock that steps back once is scored in file order, not refused")
    func clockStepBack() throws {
        let folder = try TemporaryFolder()
        var lines = ["timestamp,value"]
        for index in 0..<700 {
            let seconds = 1_790_000_000 + index * 60 - (index >= 600 ? 3_600 : 0)  // back an hour at row 600
            lines.append("\(seconds),\(20 + Double(index % 5) * 0.1)")
        }
        let input = folder.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: "step.csv")
        let outcome = try ChildProcess.run(Binaries.path("outpost-hub"), ["detect", "--input", input])
        #expect(outcome.exitStatus == 0, "\(outcome)")
        let rows = outcome.stdout.split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        #expect(rows.count == 700)
        #expect(
            rows.map { String($0[0]) } == lines.dropFirst().map { String($0.split(separator: ",")[0]) }, "file order")
    }
}
