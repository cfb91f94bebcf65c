import ArgumentParser
import Foundation
import OutpostBench
import OutpostCLI
import OutpostSystem

/// `outpost-bench detect`.
struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "The anomaly detectors and the gateway checks on generated, labelled sets: precision, recall, false alarms, time to detect, samples/s."
    )

    @Option(parsing: .unconditional, help: "Series to generate (12 days a minute apart each).") var series = 60
    @Option(
        parsing: .unconditional, help: "Gateways in the gateway checks' set (22 days of frames and status reports).")
    var gateways = 40
    @Option(help: "The datasets' seed.") var seed: UInt64 = 2026
    @Option(parsing: .unconditional, help: "The detectors' sensitivity.") var sensitivity = 1.0
    @Option(
        help:
            "Where the series come from: simulator (outpost-sim's device models and scenarios), synthetic, weekly (synthetic, every cycle closed at weekends), or skab (real recordings, see --skab-dir)."
    )
    var source: Source = .simulator
    @Option(help: "SKAB's data folder (default: $OUTPOST_SKAB_DIR, else ../shared/datasets/skab/data).")
    var skabDir: String?
    @Option(parsing: .unconditional, help: "With --source skab: samples each file's detectors learn on before scoring.")
    var learningSamples = 400
    @Flag(help: "Print JSON instead of a table.") var json = false

    enum Source: String, ExpressibleByArgument { case simulator, synthetic, weekly, skab }

    func validate() throws {
        try OptionRange.check(series, 1...100_000, "--series")
        try OptionRange.check(gateways, 1...100_000, "--gateways")
        try OptionRange.check(sensitivity, 0.01...100, "--sensitivity")
        try OptionRange.check(learningSamples, 0...100_000, "--learning-samples")
    }

    func run() throws {
        if source == .skab { return try runSKAB() }
        let dataset =
            switch source {
            case .simulator: try SimulatorDetectionDataset.make(count: series, seed: seed)
            case .synthetic: DetectionDataset(count: series, seed: seed)
            case .weekly, .skab: DetectionDataset(count: series, seed: seed, weekly: true)
            }
        let figures = DetectionEvaluation.run(dataset, sensitivity: sensitivity)
        let gatewayFigures = GatewayDetectionEvaluation.run(GatewayDetectionDataset(count: gateways, seed: seed))
        if json {
            try printJSON(Report(series: figures, gateways: gatewayFigures))
            return
        }
        var text = "\(source.rawValue): \(figures.series) series, \(figures.samples) samples\n"
        text += table(figures.kinds)
        text += String(
            format: "overall: precision %.3f, recall %.3f, %.3f false alarms per series per day, %.0f samples/s\n",
            figures.precision, figures.recall, figures.falseAlarmsPerSeriesPerDay, figures.samplesPerSecond)
        if !figures.falseAlarmsByKind.isEmpty {
            text +=
                "false alarms by kind: "
                + figures.falseAlarmsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                    separator: ", ") + "\n"
        }
        text += "\ngateway checks: \(gatewayFigures.gateways) gateways, \(gatewayFigures.days) days\n"
        text += table(gatewayFigures.kinds)
        text += String(
            format:
                "overall: precision %.3f, recall %.3f, %.3f false alerts per gateway per day, %d alerts during fleet outages\n",
            gatewayFigures.precision, gatewayFigures.recall, gatewayFigures.falseAlertsPerGatewayPerDay,
            gatewayFigures.alertsDuringFleetOutages)
        FileIO.printOut(Array(text.utf8))
    }

    /// SKAB, scored as its leaderboard is, beside the leaderboard's published figures.
    private func runSKAB() throws {
        guard let directory = SKABDataset.locate(skabDir) else {
            throw CommandFailure(
                "SKAB's data is not found: give --skab-dir (the folder holding valve1, valve2 and other) or set OUTPOST_SKAB_DIR"
            )
        }
        let figures = SKABEvaluation.run(
            try SKABDataset(directory: directory), learningSamples: learningSamples, sensitivity: sensitivity)
        if json { return try printJSON(figures) }
        var text =
            "skab: \(figures.files) files, \(figures.samples) samples of 8 sensors, learning on each file's first \(learningSamples)\n"
        text +=
            "view       outliers: F1  FAR %  MAR %   change points (NAB): standard  low FP  low FN   windows  detections (outside)\n"
        for (name, view) in [("series", figures.series), ("device", figures.device)] {
            text += String(
                format:
                    "%@           %5.2f  %5.1f  %5.1f                        %5.1f   %5.1f   %5.1f   %3d/%d   %d (%d)\n",
                name, view.f1, 100 * view.falseAlarmRate, 100 * view.missedAlarmRate, view.nab["standard"] ?? .nan,
                view.nab["low_fp"] ?? .nan, view.nab["low_fn"] ?? .nan, view.windowsDetected, figures.windows,
                view.detections,
                view.detectionsOutsideWindows)
        }
        text += "series: any sensor's own score >= 0.5; device: the sensors' scores together (DeviceView) >= 0.5\n"
        text +=
            "published outliers: Conv-AE 0.78 / 13.6 / 28.0; MSET 0.78 / 39.7 / 14.1; T2+Q (PCA) 0.76 / 26.6 / 24.9; Isolation forest 0.29 / 2.6 / 82.9\n"
        text +=
            "published change points: MSCRED 32.4 / 16.5 / 40.3; Isolation forest 26.2 / 19.5 / 30.8; Conv-AE 23.6 / 21.5 / 27.6; null 0\n"
        text += String(format: "%.0f samples/s\n", figures.samplesPerSecond)
        FileIO.printOut(Array(text.utf8))
    }

    struct Report: Encodable {
        var series: DetectionEvaluation.Figures
        var gateways: GatewayDetectionEvaluation.Figures
    }

    private func table(_ kinds: [DetectionEvaluation.KindFigures]) -> String {
        var text = "kind           faults  detected  recall  median minutes to detect\n"
        for kind in kinds {
            text += String(
                format: "%@ %7d %9d %7.2f %10.1f\n", kind.kind.padding(toLength: 13, withPad: " ", startingAt: 0),
                kind.faults, kind.detected, kind.recall, kind.medianMinutesToDetect)
        }
        return text
    }
}
