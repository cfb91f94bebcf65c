#if canImport(Glibc)
    import Glibc
#endif

/// The Numenta Anomaly Benchmark's scoring of detections against labelled windows, written from
/// its published rules (Lavin and Ahmad, "Evaluating Real-time Anomaly Detection Algorithms",
/// 2015), with SKAB's windows: each change point opens a window that reaches 60 s to its right.
///
/// - The first detection inside a window is a true positive worth `A_TP · σ(y)`, where `y` is
///   its place in the window (-1 at the start, 0 at the end) and σ(y) = 2 / (1 + e^(5y)) - 1:
///   the earlier, the more it is worth (0.987 at the start, 0 at the end). Later detections in
///   the same window count for nothing.
/// - A detection outside every window is a false positive worth `A_FP · σ(y)`, `y` measured
///   from the end of the window before it in that window's lengths (σ is negative there, down
///   to -1 from three lengths on), or `-A_FP` when no window precedes it.
/// - A window without a detection costs `A_FN`.
/// - Summed over every file, the score is normalised so that the null detector (no detections)
///   scores 0 and the perfect one (each window detected at its start) 100.
package enum NABScore {
    /// The weights of an application profile.
    package struct Profile: Sendable, Codable {
        /// standard, low_fp or low_fn.
        package var name: String
        package var truePositive: Double
        package var falsePositive: Double
        package var falseNegative: Double
    }

    /// NAB's three profiles.
    package static let profiles = [
        Profile(name: "standard", truePositive: 1, falsePositive: 0.11, falseNegative: 1),
        Profile(name: "low_fp", truePositive: 1, falsePositive: 0.22, falseNegative: 1),
        Profile(name: "low_fn", truePositive: 1, falsePositive: 0.11, falseNegative: 2),
    ]

    /// A window: its first and last time (ns), both inside.
    package typealias Window = ClosedRange<Int64>

    /// NAB's scaled sigmoid.
    static func sigma(_ y: Double) -> Double { y > 3 ? -1 : 2 / (1 + exp(5 * y)) - 1 }

    /// The windows of `changePoints` (times, ns): `length` to the right of each, cut short where
    /// the next change point starts its own.
    package static func windows(changePoints: [Int64], length: Int64 = 60_000_000_000) -> [Window] {
        let sorted = changePoints.sorted()
        return sorted.enumerated().map { index, start in
            let end = index + 1 < sorted.count ? min(start + length, max(start, sorted[index + 1] - 1)) : start + length
            return start...end
        }
    }

    /// The raw (unnormalised) score of `detections` (times, ns) in one file against its windows.
    package static func raw(detections: [Int64], windows: [Window], profile: Profile) -> Double {
        var score = 0.0
        var detected = Set<Int>()
        for detection in detections.sorted() {
            if let index = windows.firstIndex(where: { $0.contains(detection) }) {
                guard detected.insert(index).inserted else { continue }
                let window = windows[index]
                let length = Double(max(1, window.upperBound - window.lowerBound))
                score += profile.truePositive * sigma(-Double(window.upperBound - detection) / length)
            } else if let before = windows.last(where: { $0.upperBound < detection }) {
                let length = Double(max(1, before.upperBound - before.lowerBound))
                score += profile.falsePositive * sigma(Double(detection - before.upperBound) / length)
            } else {
                score -= profile.falsePositive
            }
        }
        score -= profile.falseNegative * Double(windows.count - detected.count)
        return score
    }

    /// `raw` (summed over files holding `windows` windows in all) on the 0 (null) to 100
    /// (perfect) scale.
    package static func normalised(raw: Double, windows: Int, profile: Profile) -> Double {
        let null = -profile.falseNegative * Double(windows)
        let perfect = profile.truePositive * sigma(-1) * Double(windows)
        return 100 * (raw - null) / (perfect - null)
    }
}
