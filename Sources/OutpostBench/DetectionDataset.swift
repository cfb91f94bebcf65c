import OutpostDatasets

#if canImport(Glibc)
    import Glibc
#endif

/// The labelled evaluation set for the anomaly detectors, generated (never stored): sensor
/// series a minute apart over 22 days (from a Monday) with what real sensors have — a daily
/// cycle of random strength (none for some), autocorrelated noise, a slow random-walk drift,
/// quantisation, and missing minutes — and, from day 5 on, one injected fault of each kind per
/// series at a random time, labelled with its window. The weekly variant gives every series a
/// daily cycle on weekdays only (a plant closed at weekends), runs eight weeks, and adds a weekly
/// fault.
package struct DetectionDataset: Sendable {
    /// The kinds of fault injected.
    package enum FaultKind: String, Sendable, CaseIterable, Codable {
        /// One sample far off.
        case spike
        /// A sudden shift that lasts six hours.
        case level
        /// A ramp away from normal over eight hours.
        case drift
        /// The value frozen for two hours.
        case stuck
        /// Noise four to six times larger for four hours.
        case variance
        /// Two hours of the night at the afternoon's level (series with a daily cycle only).
        case cycle
        /// Two hours of the seventh Saturday's afternoon at a weekday's level (weekly variant).
        case weekly
    }

    /// An injected fault.
    package struct Label: Sendable, Hashable {
        /// What was injected.
        package var kind: FaultKind
        /// Sample index range of the fault.
        package var window: Range<Int>
    }

    /// One series.
    package struct Series: Sendable {
        /// Timestamps (ns), increasing, with gaps where minutes are missing.
        package var timestamps: [Int64]
        /// Values.
        package var values: [Double]
        /// The faults, in time order.
        package var labels: [Label]
        /// The quantisation step.
        package var resolution: Double
    }

    /// The series.
    package let series: [Series]
    /// Samples per series before gaps (22 days of minutes).
    package static let minutes = 22 * 1440
    /// The weekly variant's length: eight weeks (a weekly cycle is proven in three, and the
    /// false alarms of its first weekends are part of the count).
    package static let weeklyMinutes = 56 * 1440
    /// The first index where faults may start (day 5, after learning and the daily profile).
    package static let firstFault = 4 * 1440

    /// Generates `count` series from `seed`; `weekly` closes every series' cycle at weekends.
    package init(count: Int = 60, seed: UInt64 = 2026, weekly: Bool = false) {
        var random = SeededGenerator(seed: seed)
        series = (0..<count).map { _ in Self.generate(&random, weekly: weekly) }
    }

    /// A set built from the series of `outpost-sim` itself.
    package init(series: [Series]) { self.series = series }

    private static func generate(_ random: inout SeededGenerator, weekly: Bool) -> Series {
        let noise = Double.random(in: 0.2...1.0, using: &random)
        let resolution = [0.01, 0.1, 0.1, 0.5][Int.random(in: 0..<4, using: &random)]
        let amplitude = Bool.random(using: &random) && !weekly ? 0 : Double.random(in: 5...25, using: &random) * noise
        let peakHour = Double.random(in: 10...18, using: &random)
        let base = Double.random(in: -20...200, using: &random)
        let start: Int64 = 1_790_000_000_000_000_000 / 86_400_000_000_000 * 86_400_000_000_000
        // The clean signal first; faults are laid over it.
        let minutes = weekly ? Self.weeklyMinutes : Self.minutes
        var clean = [Double](repeating: 0, count: minutes)
        var walk = 0.0
        var correlated = 0.0
        /// The daily cycle at a minute, as on a weekday.
        func daily(_ index: Int) -> Double {
            amplitude * cos((Double(index % 1440) / 60 - peakHour) / 24 * 2 * Double.pi)
        }
        for index in 0..<minutes {
            walk += random.gaussian(deviation: noise * 0.02)
            correlated = 0.5 * correlated + random.gaussian(deviation: noise * 0.87)
            let weekend = (index / 1440) % 7 >= 5
            let cycle = weekly && weekend ? -amplitude : daily(index)
            clean[index] = base + cycle + walk + correlated
        }
        var values = clean
        var labels: [Label] = []
        // One fault of each kind, in a random order, 16-hour slots from day 5 on.
        var kinds: [FaultKind] = [.spike, .level, .drift, .stuck, .variance]
        if amplitude > 0 { kinds.append(.cycle) }
        if weekly {
            // The seventh Saturday (day 47), from an hour before the peak: a weekday afternoon.
            let at = 47 * 1440 + Int((peakHour - 1) * 60)
            let window = at..<(at + 120)
            for index in window { values[index] += amplitude + daily(index) }
            labels.append(Label(kind: .weekly, window: window))
        }
        kinds.shuffle(using: &random)
        for (slot, kind) in kinds.enumerated() {
            let slotStart = firstFault + slot * 16 * 60
            let at = slotStart + Int.random(in: 60..<(6 * 60), using: &random)
            let sign: Double = Bool.random(using: &random) ? 1 : -1
            let window: Range<Int>
            switch kind {
            case .spike:
                window = at..<(at + 1)
                values[at] += sign * noise * Double.random(in: 10...25, using: &random)
            case .level:
                window = at..<(at + 6 * 60)
                let size = sign * noise * Double.random(in: 6...12, using: &random)
                for index in window { values[index] += size }
            case .weekly:
                continue  // placed above, in the third week
            case .cycle:
                // The night at the afternoon's level: normal by day, abnormal at this hour.
                let night = (at / 1440) * 1440 + Int((peakHour + 12).truncatingRemainder(dividingBy: 24) * 60)
                window = night..<(night + 120)
                for index in window where index < minutes { values[index] += 2 * amplitude }
            case .drift:
                let length = 8 * 60
                window = at..<(at + length)
                let size = sign * noise * Double.random(in: 10...20, using: &random)
                for index in window { values[index] += size * Double(index - at) / Double(length) }
            case .stuck:
                window = at..<(at + 120)
                for index in window { values[index] = values[at] }
            case .variance:
                window = at..<(at + 4 * 60)
                let factor = Double.random(in: 4...6, using: &random)
                for index in window {
                    values[index] =
                        clean[index] + (values[index] - clean[index]) * factor
                        + random.gaussian(deviation: noise * factor)
                }
            }
            labels.append(Label(kind: kind, window: window.clamped(to: 0..<minutes)))
        }
        labels.sort { $0.window.lowerBound < $1.window.lowerBound }
        return thinned(values, labels: labels, resolution: resolution, start: start, random: &random)
    }

    /// Drops about 2 % of the minutes, in gaps of 1 to 30 minutes outside the faults, quantises,
    /// and maps the labels onto the samples that remain.
    static func thinned(
        _ values: [Double], labels: [Label], resolution: Double, start: Int64, random: inout SeededGenerator
    ) -> Series {
        var keep = [Bool](repeating: true, count: values.count)
        var index = 0
        while index < values.count {
            if Double.random(in: 0..<1, using: &random) < 0.002 {
                let length = Int.random(in: 1...30, using: &random)
                let gap = index..<min(values.count, index + length)
                if !labels.contains(where: { $0.window.overlaps(gap) }) { for missing in gap { keep[missing] = false } }
                index += length
            }
            index += 1
        }
        var timestamps: [Int64] = []
        var kept: [Double] = []
        var remap = [Int](repeating: 0, count: values.count)
        for minute in values.indices {
            remap[minute] = kept.count
            guard keep[minute] else { continue }
            timestamps.append(start + Int64(minute) * 60_000_000_000)
            kept.append(resolution > 0 ? (values[minute] / resolution).rounded() * resolution : values[minute])
        }
        let remapped = labels.map {
            Label(kind: $0.kind, window: remap[$0.window.lowerBound]..<(remap[$0.window.upperBound - 1] + 1))
        }
        return Series(timestamps: timestamps, values: kept, labels: remapped, resolution: resolution)
    }
}
