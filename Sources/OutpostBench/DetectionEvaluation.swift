import OutpostDetect

/// How well the detectors find the dataset's faults, and what they cost.
///
/// An alarm is a run of anomalous samples (score 0.5 or more), runs less than ten samples apart
/// counting as one. An alarm is true when it overlaps a fault's window or the hour after it (the
/// return to normal after a shift is itself a change); otherwise it is a false alarm. A fault is
/// detected when any of its samples, or one in the hour after, is anomalous; the time to detect
/// is from its first sample to the first anomalous one.
package struct DetectionEvaluation {
    /// Figures for one fault kind.
    package struct KindFigures: Codable, Sendable {
        /// The kind.
        package var kind: String
        /// Faults injected.
        package var faults: Int
        /// Faults detected.
        package var detected: Int
        /// detected / faults.
        package var recall: Double
        /// Median minutes from the fault's start to its first anomalous sample.
        package var medianMinutesToDetect: Double
    }

    /// Everything measured.
    package struct Figures: Codable, Sendable {
        /// Series evaluated.
        package var series: Int
        /// Samples scored.
        package var samples: Int
        /// Per fault kind.
        package var kinds: [KindFigures]
        /// True alarms / all alarms.
        package var precision: Double
        /// Detected faults / faults.
        package var recall: Double
        /// False alarms per series per day of scored data.
        package var falseAlarmsPerSeriesPerDay: Double
        /// False alarms by the kind of their first anomalous sample.
        package var falseAlarmsByKind: [String: Int] = [:]
        /// Samples scored per second on one core.
        package var samplesPerSecond: Double
    }

    /// Scores `dataset` with the default settings at `sensitivity`.
    package static func run(_ dataset: DetectionDataset, sensitivity: Double = 1) -> Figures {
        var kinds: [DetectionDataset.FaultKind: (faults: Int, detected: Int, delays: [Double])] = [:]
        var trueAlarms = 0
        var falseAlarms = 0
        var falseKinds: [String: Int] = [:]
        var samples = 0
        var scoredMinutes = 0.0
        var seconds = 0.0
        for series in dataset.series {
            var detector = SeriesDetector(
                settings: DetectorSettings(sensitivity: sensitivity, resolution: series.resolution))
            var anomalous = [Bool](repeating: false, count: series.values.count)
            var kindAt = [AnomalyKind?](repeating: nil, count: series.values.count)
            var learning = 0
            let start = ContinuousClock.now
            for index in series.values.indices {
                let score = detector.score(series.values[index], at: series.timestamps[index])
                anomalous[index] = score.isAnomalous
                kindAt[index] = score.kind
                if score.learning { learning = index + 1 }
            }
            let elapsed = ContinuousClock.now - start
            seconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            samples += series.values.count
            if let last = series.timestamps.last, learning < series.timestamps.count {
                scoredMinutes += Double(last - series.timestamps[learning]) / 60e9
            }
            let grace = 60
            let windows = series.labels.map {
                $0.window.lowerBound..<min(series.values.count, $0.window.upperBound + grace)
            }
            for (label, window) in zip(series.labels, windows) {
                var entry = kinds[label.kind] ?? (0, 0, [])
                entry.faults += 1
                if let first = window.first(where: { anomalous[$0] }) {
                    entry.detected += 1
                    entry.delays.append(
                        Double(series.timestamps[first] - series.timestamps[label.window.lowerBound]) / 60e9)
                }
                kinds[label.kind] = entry
            }
            for alarm in alarms(anomalous) {
                if windows.contains(where: { $0.overlaps(alarm) }) {
                    trueAlarms += 1
                } else {
                    falseAlarms += 1
                    falseKinds[kindAt[alarm.lowerBound]?.rawValue ?? "?", default: 0] += 1
                }
            }
        }
        let kindFigures = DetectionDataset.FaultKind.allCases.compactMap { kind -> KindFigures? in
            guard let entry = kinds[kind] else { return nil }
            let delays = entry.delays.sorted()
            return KindFigures(
                kind: kind.rawValue, faults: entry.faults, detected: entry.detected,
                recall: Double(entry.detected) / Double(max(1, entry.faults)),
                medianMinutesToDetect: delays.isEmpty ? .nan : delays[delays.count / 2])
        }
        let faults = kindFigures.reduce(0) { $0 + $1.faults }
        let detected = kindFigures.reduce(0) { $0 + $1.detected }
        let precision = Double(trueAlarms) / Double(max(1, trueAlarms + falseAlarms))
        let perDay = Double(falseAlarms) / max(scoredMinutes / 1440, 1e-9)
        var figures = Figures(
            series: dataset.series.count, samples: samples, kinds: kindFigures, precision: precision,
            recall: Double(detected) / Double(max(1, faults)), falseAlarmsPerSeriesPerDay: perDay,
            samplesPerSecond: Double(samples) / max(seconds, 1e-9))
        figures.falseAlarmsByKind = falseKinds
        return figures
    }

    /// Runs of anomalous samples, merged across gaps of under ten samples.
    static func alarms(_ anomalous: [Bool]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var index = 0
        while index < anomalous.count {
            guard anomalous[index] else {
                index += 1
                continue
            }
            var end = index + 1
            while end < anomalous.count,
                anomalous[end] || anomalous[end..<min(anomalous.count, end + 10)].contains(true)
            {
                end += 1
            }
            if let last = result.last, index - last.upperBound < 10 {
                result[result.count - 1] = last.lowerBound..<end
            } else {
                result.append(index..<end)
            }
            index = end
        }
        return result
    }
}
