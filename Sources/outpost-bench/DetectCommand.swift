import ArgumentParser
import Foundation
import OutpostBench
import OutpostCLI

/// `outpost-bench detect`.
struct Detect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The anomaly detectors and the gateway checks on generated, labelled sets: precision, recall, false alarms, time to detect, samples/s.")

    @Option(parsing: .unconditional, help: "Series to generate (12 days a minute apart each).") var series = 60
    @Option(parsing: .unconditional, help: "Gateways in the gateway checks' set (22 days of frames and status reports).") var gateways = 40
    @Option(help: "The datasets' seed.") var seed: UInt64 = 2026
    @Option(parsing: .unconditional, help: "The detectors' sensitivity.") var sensitivity = 1.0
    @Option(help: "Where the series come from: simulator (outpost-sim's device models and scenarios), synthetic, or weekly (synthetic, every cycle closed at weekends).")
    var source: Source = .simulator
    @Flag(help: "Print JSON instead of a table.") var json = false

    enum Source: String, ExpressibleByArgument { case simulator, synthetic, weekly }

    func validate() throws {
        try OptionRange.check(series, 1...100_000, "--series")
        try OptionRange.check(gateways, 1...100_000, "--gateways")
        try OptionRange.check(sensitivity, 0.01...100, "--sensitivity")
    }

    func run() throws {
        let dataset =
            switch source {
            case .simulator: try SimulatorDetectionDataset.make(count: series, seed: seed)
            case .synthetic: DetectionDataset(count: series, seed: seed)
            case .weekly: DetectionDataset(count: series, seed: seed, weekly: true)
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
        text += "\ngateway checks: \(gatewayFigures.gateways) gateways, \(gatewayFigures.days) days\n"
        text += table(gatewayFigures.kinds)
        text += String(
            format: "overall: precision %.3f, recall %.3f, %.3f false alerts per gateway per day, %d alerts during fleet outages\n",
            gatewayFigures.precision, gatewayFigures.recall, gatewayFigures.falseAlertsPerGatewayPerDay,
            gatewayFigures.alertsDuringFleetOutages)
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
