import OutpostDetect
import OutpostHub

/// SKAB through the hub's own detectors, scored as SKAB's leaderboard scores its detectors.
///
/// Each file's eight sensors are streamed, sample by sample, through a `SeriesDetector` each
/// (the hub's defaults, except that they learn on the file's first `learningSamples` samples,
/// as the published detectors were trained on each file's first 400). The rig is one device,
/// judged at each sample in two views:
/// - **series**: anomalous when any sensor's own score is (≥ 0.5), as the hub's series alerts
///   see it;
/// - **device**: anomalous when `DeviceView` finds it so, the sensors' scores taken together
///   (root of the sum of squares ≥ 0.5), so that sensors that move a little together count.
///
/// In each view:
/// - **outliers**: the flag compared sample by sample with the `anomaly` label (F1, false alarm
///   rate FP / (FP + TN), missed alarm rate FN / (FN + TP), over all files together);
/// - **change points**: as SKAB derives them from a detector's labels, each change of the flag
///   (the device turning anomalous, or normal again) is a detection, once the previous state has
///   held for `hold` (10 s: a flag flickering around its threshold is one change), scored by
///   `NABScore` against the labelled change points.
package enum SKABEvaluation {
    /// One view's figures.
    package struct View: Codable, Sendable {
        /// Outlier detection, over every sample after learning.
        package var f1 = 0.0
        package var falseAlarmRate = 0.0
        package var missedAlarmRate = 0.0
        /// Change-point detection: NAB scores by profile name.
        package var nab: [String: Double] = [:]
        /// Detections in all, and how many fell in no window.
        package var detections = 0
        package var detectionsOutsideWindows = 0
        /// Change-point windows with a detection.
        package var windowsDetected = 0
    }

    /// What the run measured.
    package struct Figures: Codable, Sendable {
        /// Files and samples scored.
        package var files: Int
        package var samples: Int
        /// Change-point windows in all.
        package var windows: Int
        /// Any sensor's own score, and the sensors' scores together.
        package var series: View
        package var device: View
        /// Samples scored per second on one core (every sensor's sample counts).
        package var samplesPerSecond: Double
    }

    /// How long a state must hold before its change is a detection.
    package static let hold: Int64 = 10_000_000_000

    /// Scores `dataset`.
    package static func run(_ dataset: SKABDataset, learningSamples: Int = 400, sensitivity: Double = 1) -> Figures {
        var series = Tally()
        var device = Tally()
        var windows = 0
        var scored = 0
        var seconds = 0.0
        for file in dataset.files {
            var detectors = file.sensors.map { _ in
                SeriesDetector(settings: DetectorSettings(sensitivity: sensitivity, learningSamples: learningSamples))
            }
            var scores = [Double](repeating: 0, count: file.sensors.count)
            series.startFile()
            device.startFile()
            let start = ContinuousClock.now
            for index in file.timestamps.indices {
                let time = file.timestamps[index]
                var learning = false
                for sensor in file.sensors.indices {
                    let score = detectors[sensor].score(file.sensors[sensor].values[index], at: time)
                    learning = learning || score.learning
                    scores[sensor] = score.value
                }
                scored += file.sensors.count
                if learning { continue }
                let label = file.anomalous[index]
                series.observe(scores.contains { $0 >= AnomalyScore.threshold }, label: label, at: time)
                device.observe(DeviceView.isAnomalous(scores), label: label, at: time)
            }
            let elapsed = ContinuousClock.now - start
            seconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let fileWindows = NABScore.windows(changePoints: file.changePoints.map { file.timestamps[$0] })
            windows += fileWindows.count
            series.endFile(windows: fileWindows)
            device.endFile(windows: fileWindows)
        }
        return Figures(
            files: dataset.files.count, samples: dataset.files.reduce(0) { $0 + $1.timestamps.count }, windows: windows,
            series: series.view(windows: windows), device: device.view(windows: windows),
            samplesPerSecond: Double(scored) / max(seconds, 1e-9))
    }

    /// One view's counts as the files go by.
    struct Tally {
        var counts = (tp: 0, fp: 0, tn: 0, fn: 0)
        var raw = [Double](repeating: 0, count: NABScore.profiles.count)
        var changes = StateChanges(hold: SKABEvaluation.hold)
        var detections: [Int64] = []
        var figures = View()

        mutating func startFile() {
            changes = StateChanges(hold: SKABEvaluation.hold)
            detections = []
        }

        mutating func observe(_ flagged: Bool, label: Bool, at time: Int64) {
            if changes.observe(flagged, at: time) { detections.append(time) }
            switch (flagged, label) {
            case (true, true): counts.tp += 1
            case (true, false): counts.fp += 1
            case (false, false): counts.tn += 1
            case (false, true): counts.fn += 1
            }
        }

        mutating func endFile(windows: [NABScore.Window]) {
            figures.windowsDetected += windows.filter { window in detections.contains { window.contains($0) } }.count
            figures.detections += detections.count
            figures.detectionsOutsideWindows +=
                detections.filter { detection in !windows.contains { $0.contains(detection) } }.count
            for (slot, profile) in NABScore.profiles.enumerated() {
                raw[slot] += NABScore.raw(detections: detections, windows: windows, profile: profile)
            }
        }

        func view(windows: Int) -> View {
            var view = figures
            let precision = Double(counts.tp) / Double(max(1, counts.tp + counts.fp))
            let recall = Double(counts.tp) / Double(max(1, counts.tp + counts.fn))
            view.f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            view.falseAlarmRate = Double(counts.fp) / Double(max(1, counts.fp + counts.tn))
            view.missedAlarmRate = Double(counts.fn) / Double(max(1, counts.fn + counts.tp))
            for (slot, profile) in NABScore.profiles.enumerated() {
                view.nab[profile.name] = NABScore.normalised(raw: raw[slot], windows: windows, profile: profile)
            }
            return view
        }
    }
}
