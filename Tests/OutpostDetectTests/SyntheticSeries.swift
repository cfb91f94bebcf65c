import Foundation

@testable import OutpostDetect

/// A deterministic sensor: a daily cycle, Gaussian noise, quantised to a resolution, one sample a
/// minute; faults are applied on top by the tests.
struct SyntheticSeries {
    var random: UInt64
    let amplitude: Double
    let noise: Double
    let resolution: Double
    let interval: Int64 = 60_000_000_000
    let start: Int64 = 1_790_000_000_000_000_000 / 86_400_000_000_000 * 86_400_000_000_000

    init(seed: UInt64, amplitude: Double = 10, noise: Double = 0.5, resolution: Double = 0.1) {
        random = seed
        self.amplitude = amplitude
        self.noise = noise
        self.resolution = resolution
    }

    mutating func uniform() -> Double {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }

    mutating func gaussian() -> Double {
        let u = max(uniform(), 1e-300)
        return sqrt(-2 * log(u)) * cos(2 * Double.pi * uniform())
    }

    func timestamp(_ index: Int) -> Int64 { start + Int64(index) * interval }

    /// The cycle alone at sample `index` (peak at 14:00, trough at 02:00).
    func cycle(_ index: Int) -> Double {
        let hours = Double((timestamp(index) % 86_400_000_000_000)) / 3.6e12
        return 20 + amplitude * sin((hours - 8) / 24 * 2 * Double.pi)
    }

    func quantised(_ value: Double) -> Double { (value / resolution).rounded() * resolution }

    /// The normal value at `index`.
    mutating func value(_ index: Int) -> Double { quantised(cycle(index) + noise * gaussian()) }
}

/// Runs `count` samples through a detector; `fault` may replace the value at an index.
func run(
    _ series: inout SyntheticSeries, count: Int, settings: DetectorSettings = DetectorSettings(resolution: 0.1),
    fault: (Int, Double) -> Double = { $1 }
) -> [AnomalyScore] {
    var detector = SeriesDetector(settings: settings)
    return (0..<count).map { index in
        detector.score(fault(index, series.value(index)), at: series.timestamp(index))
    }
}
