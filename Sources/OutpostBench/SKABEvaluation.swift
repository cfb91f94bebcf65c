import OutpostDetect
import OutpostHub

/// SKAB through the hub's own detectors, scored as SKAB's leaderboard scores its detectors.
///
/// Each file's eight sensors are streamed, sample by sample, through a `SeriesDetector` each
/// (the hub's defaults, except that they learn on the file's first `learningSamples` samples,
/// as the published detectors were trained on each file's first 400) and an `AlertTracker`
/// each (the hub's alert rules). The rig is one device, so the file is judged as the hub's
/// device view would show it:
/// - **outliers**: a sample is flagged when any sensor's score is anomalous (≥ 0.5), compared
///   sample by sample with the `anomaly` label (F1, false alarm rate FP / (FP + TN), missed
///   alarm rate FN / (FN + TP), over all files together);
/// - **change points**: a detection is an alert opening while no other sensor of the rig has
///   one open, scored by `NABScore` against the labelled change points.
public enum SKABEvaluation {
    /// What the run measured.
    public struct Figures: Codable, Sendable {
        /// Files and samples scored.
        public var files: Int
        public var samples: Int
        /// Outlier detection, over every sample after learning.
        public var f1: Double
        public var falseAlarmRate: Double
        public var missedAlarmRate: Double
        /// Change-point detection: NAB scores by profile name.
        public var nab: [String: Double]
        /// Alert openings in all, and how many fell in no window.
        public var detections: Int
        public var detectionsOutsideWindows: Int
        /// Change-point windows, and how many had a detection.
        public var windows: Int
        public var windowsDetected: Int
        /// Samples scored per second on one core (every sensor's sample counts).
        public var samplesPerSecond: Double
    }

    /// Scores `dataset`.
    public static func run(_ dataset: SKABDataset, learningSamples: Int = 400, sensitivity: Double = 1) -> Figures {
        var counts = (tp: 0, fp: 0, tn: 0, fn: 0)
        var raw = [Double](repeating: 0, count: NABScore.profiles.count)
        var windows = 0
        var windowsDetected = 0
        var detectionsAll = 0
        var outside = 0
        var scored = 0
        var seconds = 0.0
        for file in dataset.files {
            var detectors = file.sensors.map { _ in
                SeriesDetector(settings: DetectorSettings(sensitivity: sensitivity, learningSamples: learningSamples))
            }
            var trackers = file.sensors.map { _ in AlertTracker() }
            var detections: [Int64] = []
            let start = ContinuousClock.now
            for index in file.timestamps.indices {
                let time = file.timestamps[index]
                var flagged = false
                var learning = false
                for sensor in file.sensors.indices {
                    let score = detectors[sensor].score(file.sensors[sensor].values[index], at: time)
                    learning = learning || score.learning
                    flagged = flagged || score.isAnomalous
                    let anyOpen = trackers.contains { $0.openID != nil }
                    if case .open = trackers[sensor].observe(score, at: time) {
                        trackers[sensor].openID = Int64(index)
                        if !anyOpen { detections.append(time) }
                    }
                }
                scored += file.sensors.count
                if learning { continue }
                switch (flagged, file.anomalous[index]) {
                case (true, true): counts.tp += 1
                case (true, false): counts.fp += 1
                case (false, false): counts.tn += 1
                case (false, true): counts.fn += 1
                }
            }
            let elapsed = ContinuousClock.now - start
            seconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let fileWindows = NABScore.windows(changePoints: file.changePoints.map { file.timestamps[$0] })
            windows += fileWindows.count
            windowsDetected += fileWindows.filter { window in detections.contains { window.contains($0) } }.count
            detectionsAll += detections.count
            outside += detections.filter { detection in !fileWindows.contains { $0.contains(detection) } }.count
            for (slot, profile) in NABScore.profiles.enumerated() {
                raw[slot] += NABScore.raw(detections: detections, windows: fileWindows, profile: profile)
            }
        }
        let precision = Double(counts.tp) / Double(max(1, counts.tp + counts.fp))
        let recall = Double(counts.tp) / Double(max(1, counts.tp + counts.fn))
        var nab: [String: Double] = [:]
        for (slot, profile) in NABScore.profiles.enumerated() {
            nab[profile.name] = NABScore.normalised(raw: raw[slot], windows: windows, profile: profile)
        }
        return Figures(
            files: dataset.files.count, samples: dataset.files.reduce(0) { $0 + $1.timestamps.count },
            f1: precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0,
            falseAlarmRate: Double(counts.fp) / Double(max(1, counts.fp + counts.tn)),
            missedAlarmRate: Double(counts.fn) / Double(max(1, counts.fn + counts.tp)), nab: nab,
            detections: detectionsAll, detectionsOutsideWindows: outside, windows: windows, windowsDetected: windowsDetected,
            samplesPerSecond: Double(scored) / max(seconds, 1e-9))
    }
}
