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
        let rows = outcome.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let inputRows = csv().split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(rows.first == ["timestamp", "value", "score", "anomaly"])
        #expect(rows.count == 1001)
        #expect(zip(rows.dropFirst(), inputRows).allSatisfy { $0.0[0] == $0.1[0] && $0.0[1] == $0.1[1] }, "same rows, same order")
        #expect(rows[1...500].allSatisfy { $0[3] == "learning" })
        #expect(rows[801][3] == "spike", "\(rows[801])")
        let flagged = rows.dropFirst(501).filter { !$0[3].isEmpty }.count
        #expect(flagged <= 4, "\(flagged) rows flagged in 500 normal minutes")

        // Through standard input, with a configuration whose rule sets an upper limit of 25.
        let config = folder.write(
            Array("[hub]\n[detection]\nlearning_samples = 100\n[[detection.series]]\nmatch = \"site-*/level\"\nupper = 25\n".utf8),
            to: "hub.toml")
        let limited = try ChildProcess.run(
            Binaries.path("outpost-hub"), ["detect", "--input", "-", "--config", config, "--series", "site-4/level"],
            stdinPath: input)
        #expect(limited.exitStatus == 0, "\(limited)")
        let limitedRows = limited.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(limitedRows[901][3] == "limit", "\(limitedRows[901])")
        #expect(limitedRows[101][3] != "learning", "the rule's learning period applies")
    }

    @Test("A file without a header, or with a bad line, is refused with the line named")
    func badInput() throws {
        let folder = try TemporaryFolder()
        let noHeader = folder.write(Array("1790000000,1\n1790000060,2\n".utf8), to: "a.csv")
        let refused = try ChildProcess.run(Binaries.path("outpost-hub"), ["detect", "--input", noHeader])
        #expect(refused.exitStatus != 0 && refused.stderr.contains("line 1: the first line must be a header"), "\(refused)")
        let badLine = folder.write(Array("t,v\n1790000000,1\n1790000060,warm\n".utf8), to: "b.csv")
        let bad = try ChildProcess.run(Binaries.path("outpost-hub"), ["detect", "--input", badLine])
        #expect(bad.exitStatus != 0 && bad.stderr.contains("line 3: 'warm' is not a number"), "\(bad)")
    }
}
