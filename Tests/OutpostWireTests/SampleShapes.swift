import OutpostDatasets
import OutpostWire

/// The shapes of series the round-trip properties run over, generated from a seed.
enum SampleShape: String, CaseIterable, CustomStringConvertible {
    case constant, monotonic, noisy, backwardsTime, nonFinite, randomBits, counterWithResets, sparseQualities

    var description: String { rawValue }

    /// `count` samples of this shape.
    func columns(count: Int, seed: UInt64) -> SampleColumns {
        var random = SeededGenerator(seed: seed ^ UInt64(truncatingIfNeeded: rawValue.hashValueStable))
        var time: Int64 = 1_767_225_600_000_000_000 + Int64.random(in: 0...1_000_000_000, using: &random)
        var timestamps: [Int64] = []
        var values: [Double] = []
        var qualities: [Quality] = []
        var level = Double.random(in: -100...100, using: &random)
        for index in 0..<count {
            switch self {
            case .backwardsTime:
                // Clock steps back by up to a minute now and then, as after an NTP correction.
                time +=
                    Int.random(in: 0..<20, using: &random) == 0
                    ? -Int64.random(in: 1...60_000_000_000, using: &random) : 1_000_000_000
            case .randomBits:
                time = Int64.random(in: Int64.min...Int64.max, using: &random)
            default:
                time +=
                    Int.random(in: 0..<10, using: &random) == 0
                    ? Int64.random(in: 1...5_000_000_000, using: &random) : 1_000_000_000
            }
            timestamps.append(time)
            let value: Double
            switch self {
            case .constant: value = 21.5
            case .monotonic: value = Double(index) * 0.25 + 1000
            case .noisy, .backwardsTime, .sparseQualities:
                level += random.gaussian(deviation: 0.3)
                value = level + random.gaussian(deviation: 1.5)
            case .nonFinite:
                let specials: [Double] = [
                    .nan, .infinity, -.infinity, -0.0, 0.0, .greatestFiniteMagnitude, .leastNonzeroMagnitude,
                    Double(bitPattern: 0x7FF0_0000_0000_0001), -.nan, 1e300,
                ]
                value =
                    Int.random(in: 0..<3, using: &random) == 0
                    ? specials[Int.random(in: 0..<specials.count, using: &random)] : level
            case .randomBits:
                value = Double(bitPattern: random.next())
            case .counterWithResets:
                level =
                    Int.random(in: 0..<200, using: &random) == 0
                    ? 0 : level.magnitude + Double(Int.random(in: 0...50, using: &random))
                value = level
            }
            values.append(value)
            switch self {
            case .sparseQualities, .nonFinite, .randomBits:
                let roll = Int.random(in: 0..<10, using: &random)
                qualities.append(
                    roll == 0
                        ? Quality(.bad, code: UInt8.random(in: 1...255, using: &random))
                        : roll == 1 ? Quality(.uncertain, code: 1) : .good)
            default:
                qualities.append(.good)
            }
        }
        let allGood = qualities.allSatisfy { $0 == .good }
        return SampleColumns(timestamps: timestamps, values: values, qualities: allGood ? nil : qualities)
    }
}

extension String {
    /// A hash that is the same on every run (Swift's `hashValue` is seeded per process).
    var hashValueStable: UInt64 {
        utf8.reduce(1_469_598_103_934_665_603) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
    }
}
