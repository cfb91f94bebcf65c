// The SKAB benchmark's scoring, checked by hand-worked cases, and its reader on a file in SKAB's
// own shape (the data itself lives outside the repository; `outpost-bench detect --source skab`
// reads it).
import OutpostBench
import OutpostTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("NAB scoring and the SKAB reader")
struct SKABScoringTests {
    let second: Int64 = 1_000_000_000
    let standard = NABScore.profiles[0]

    @Test("A detection at a window's start earns σ(-1), at its end nothing; a miss costs A_FN; a stray detection A_FP")
    func handWorkedCases() {
        let windows = NABScore.windows(changePoints: [100 * second])
        #expect(windows == [100 * second...160 * second])
        let early = NABScore.raw(detections: [100 * second], windows: windows, profile: standard)
        #expect(abs(early - (2 / (1 + exp(-5.0)) - 1)) < 1e-12, "\(early)")
        #expect(abs(NABScore.raw(detections: [160 * second], windows: windows, profile: standard)) < 1e-12)
        let middle = NABScore.raw(detections: [130 * second], windows: windows, profile: standard)
        #expect(abs(middle - (2 / (1 + exp(-2.5)) - 1)) < 1e-12, "halfway: σ(-0.5)")
        #expect(NABScore.raw(detections: [], windows: windows, profile: standard) == -1)
        #expect(
            NABScore.raw(detections: [], windows: windows, profile: NABScore.profiles[2]) == -2, "low FN doubles a miss"
        )
        // A detection before any window: -A_FP; the window is then missed too.
        #expect(abs(NABScore.raw(detections: [10 * second], windows: windows, profile: standard) - (-0.11 - 1)) < 1e-12)
        // Three window lengths after a window, a false positive costs the full A_FP.
        let late = NABScore.raw(detections: [100 * second, 400 * second], windows: windows, profile: standard)
        #expect(abs(late - (early - 0.11)) < 1e-9, "\(late)")
        // Just after the window, almost nothing.
        let justAfter = NABScore.raw(detections: [100 * second, 161 * second], windows: windows, profile: standard)
        #expect(justAfter < early && early - justAfter < 0.01, "\(justAfter)")
        // A second detection in the same window counts for nothing.
        #expect(NABScore.raw(detections: [100 * second, 101 * second], windows: windows, profile: standard) == early)
    }

    @Test(
        "Normalised: no detections score 0, each window caught at its start 100; windows stop at the next change point")
    func normalisation() {
        let windows = NABScore.windows(changePoints: [100 * second, 130 * second])
        #expect(windows == [100 * second...(130 * second - 1), 130 * second...190 * second])
        for profile in NABScore.profiles {
            #expect(
                NABScore.normalised(
                    raw: NABScore.raw(detections: [], windows: windows, profile: profile), windows: 2, profile: profile)
                    == 0)
            let perfect = NABScore.raw(detections: windows.map(\.lowerBound), windows: windows, profile: profile)
            #expect(abs(NABScore.normalised(raw: perfect, windows: 2, profile: profile) - 100) < 1e-9)
        }
    }

    @Test(
        "The device view: one series at 0.5, two at 0.36, four at 0.25 are anomalous; NaN and negatives count for nothing; a change of state counts once the previous state held 10 s"
    )
    func deviceView() {
        #expect(DeviceView.isAnomalous([0.5]) && !DeviceView.isAnomalous([0.49]))
        #expect(DeviceView.isAnomalous([0.36, 0.36]) && !DeviceView.isAnomalous([0.35, 0.35]))
        #expect(DeviceView.isAnomalous([0.25, 0.25, 0.25, 0.25]))
        #expect(DeviceView.score([0.3, .nan, -1, 0]) == 0.3)
        #expect(DeviceView.score([1, 1, 1]) == 1)
        var changes = StateChanges(hold: 10 * second)
        let flags: [(Bool, Int64)] = [
            (false, 0), (true, 1), (false, 3), (true, 5), (true, 20), (false, 30), (true, 41),
        ]
        let counted = flags.filter { changes.observe($0.0, at: $0.1 * second) }.map(\.1)
        #expect(counted == [1, 30, 41], "the flicker at 3 and 5 s is part of the change at 1 s")
        var edge = StateChanges(hold: 10 * second)
        #expect(edge.observe(true, at: .max) && edge.observe(false, at: .min) == false, "no trap at Int64's ends")
    }

    @Test("A file in SKAB's shape is read: ; separators, local times, eight sensors, labels and change points")
    func readsSKABShape() throws {
        let folder = try TemporaryFolder()
        for name in ["other", "valve1", "valve2"] { mkdir(folder.path + "/" + name, 0o755) }
        var lines = [
            "datetime;Accelerometer1RMS;Accelerometer2RMS;Current;Pressure;Temperature;Thermocouple;Voltage;Volume Flow RateRMS;anomaly;changepoint"
        ]
        for index in 0..<10 {
            let label = index >= 6 ? "1.0" : "0.0"
            let change = index == 6 ? "1.0" : "0.0"
            lines.append("2020-03-09 10:14:3\(index);0.02;0.04;1.33;0.05;79.3;26.0;233.0;32.0;\(label);\(change)")
        }
        folder.write(Array(lines.joined(separator: "\n").utf8), to: "valve1/0.csv")
        let dataset = try SKABDataset(directory: folder.path)
        let file = try #require(dataset.files.first)
        #expect(file.name == "valve1/0.csv" && file.sensors.count == 8 && file.sensors[7].name == "Volume Flow RateRMS")
        #expect(file.timestamps.count == 10 && file.timestamps[1] - file.timestamps[0] == second)
        #expect(file.anomalous.filter { $0 }.count == 4 && file.changePoints == [6])
        #expect(file.sensors[2].values.allSatisfy { $0 == 1.33 })
    }
}
