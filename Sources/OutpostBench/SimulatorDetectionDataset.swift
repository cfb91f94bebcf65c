import OutpostDatasets
import OutpostDevices
import OutpostSimulation

/// The evaluation set built from `outpost-sim` scenarios. Each series is a gauge of a real
/// device profile (meters, a temperature transmitter, a flow meter, a charge controller), served
/// by `SimulatedDevice` with its daily cycle, half-hour drift and noise at the profile's
/// resolution, sampled once a minute for 12 days. From day 5 on, a scenario injects one fault of
/// each kind the simulator has (spike, step, drift, stuck, noise), sized against the point's
/// range, and the fault windows are the labels.
package enum SimulatorDetectionDataset {
    /// The profiles whose gauges are used.
    package static let profiles = ["eastron-sdm630", "xy-md02", "tuf-2000m", "schneider-iem3155", "epever-tracer-an"]

    /// Builds `count` series from `seed`.
    package static func make(count: Int = 60, seed: UInt64 = 2026, library: ProfileLibrary = ProfileLibrary()) throws
        -> DetectionDataset
    {
        var points: [(DeviceProfile, DevicePoint)] = []
        for name in profiles {
            let profile = try library.profile(named: name)
            for point in profile.points where point.kind == .gauge && point.limits != nil && !point.isSetting {
                points.append((profile, point))
            }
        }
        var random = SeededGenerator(seed: seed)
        let start: Int64 = 1_790_000_000_000_000_000 / 86_400_000_000_000 * 86_400_000_000_000
        var series: [DetectionDataset.Series] = []
        for index in 0..<count {
            let (profile, point) = points[index % points.count]
            let span = (point.limits?.upperBound ?? 100) - (point.limits?.lowerBound ?? 0)
            var faults: [Fault] = []
            var labels: [DetectionDataset.Label] = []
            let kinds: [(Fault.Kind, DetectionDataset.FaultKind, Int)] = [
                (.spike, .spike, 1), (.step, .level, 360), (.drift, .drift, 480), (.stuck, .stuck, 120),
                (.noise, .variance, 240),
            ].shuffled(using: &random)
            for (slot, (kind, label, minutes)) in kinds.enumerated() {
                let at = DetectionDataset.firstFault + slot * 16 * 60 + Int.random(in: 60..<(6 * 60), using: &random)
                let sign: Double = Bool.random(using: &random) ? 1 : -1
                let magnitude: Double =
                    switch kind {
                    case .spike: sign * span * Double.random(in: 0.05...0.1, using: &random)
                    case .step: sign * span * Double.random(in: 0.03...0.06, using: &random)
                    case .drift: sign * span * Double.random(in: 0.05...0.1, using: &random)
                    case .noise: span * Double.random(in: 0.03...0.05, using: &random)
                    default: 0
                    }
                faults.append(
                    Fault(
                        kind: kind, point: point.name, at: .seconds(at * 60), duration: .seconds(minutes * 60),
                        magnitude: magnitude, delay: .zero, code: 4))
                labels.append(DetectionDataset.Label(kind: label, window: at..<(at + minutes)))
            }
            let device = SimulatedDevice(
                profile: profile, seed: seed &+ UInt64(index), scenario: Scenario(faults: faults),
                epochOffset: Double(start / 1_000_000_000))
            let values = (0..<DetectionDataset.minutes).map { device.value(of: point, at: .seconds($0 * 60)) }
            series.append(
                DetectionDataset.thinned(
                    values, labels: labels.sorted { $0.window.lowerBound < $1.window.lowerBound },
                    resolution: point.resolution?.step ?? 0, start: start, random: &random))
        }
        return DetectionDataset(series: series)
    }
}
