import Foundation
import Testing

@testable import OutpostDetect

/// The shapes real plants make that a detector tuned on noise gets wrong: a step that stays, a
/// machine switched on and off at set hours, a pump cycling on demand, a ramp that settles, and
/// scores that must say how unusual a sample is rather than only whether.
@Suite("Detectors on the shapes of real plants")
struct ShapeTests {
    let day = 1440  // samples a day at one a minute
    let faultAt = 5 * 1440 + 600  // day 6, 10:00

    @Test(
        "A step that stays: a change of level at once, then, once it has lasted and settled, the new normal; quiet after"
    )
    func stepThatStays() {
        var series = SyntheticSeries(seed: 21)
        let scores = run(&series, count: faultAt + 3 * day) { index, value in index >= faultAt ? value + 4 : value }
        let first = scores[faultAt...].firstIndex(where: \.isAnomalous)
        #expect(
            first != nil && first! - faultAt <= 5, "found at once: \(String(describing: first.map { $0 - faultAt }))")
        #expect(scores[(faultAt + 10)..<(faultAt + 60)].allSatisfy { $0.isAnomalous && $0.kind == .level })
        let settled = scores[faultAt...].firstIndex(where: \.settledAtNewLevel)
        // The default: two hours, or 200 usual intervals (here 200 minutes), the second half steady.
        #expect(
            settled != nil && settled! - faultAt >= 200 && settled! - faultAt <= 480,
            "\(String(describing: settled.map { $0 - faultAt }))")
        if let settled {
            #expect(!scores[settled].isAnomalous)
            let after = scores[(settled + 1)...].filter(\.isAnomalous)
            #expect(
                after.count <= 2,
                "the new level is normal: \(after.count) anomalous in \((scores.count - settled) / 60) h")
        }
    }

    @Test("The new normal can be sooner: relearn_after of 30 minutes")
    func configuredRelearn() {
        var series = SyntheticSeries(seed: 22)
        let settings = DetectorSettings(resolution: 0.1, relearnAfter: 30 * 60_000_000_000)
        let scores = run(&series, count: faultAt + day, settings: settings) { index, value in
            index >= faultAt ? value + 4 : value
        }
        let settled = scores[faultAt...].firstIndex(where: \.settledAtNewLevel)
        #expect(
            settled != nil && settled! - faultAt >= 30 && settled! - faultAt < 120,
            "\(String(describing: settled.map { $0 - faultAt }))")
    }

    @Test("A ramp that settles: drift while it moves, the new normal once it has stopped and lasted")
    func rampThatSettles() {
        var series = SyntheticSeries(seed: 23)
        let ramp = faultAt..<(faultAt + 600)  // 12 noise units over ten hours, then it stays
        let scores = run(&series, count: faultAt + 3 * day) { index, value in
            index < ramp.lowerBound
                ? value : value + 6 * Double(min(index - ramp.lowerBound, ramp.count)) / Double(ramp.count)
        }
        let first = scores[ramp].firstIndex(where: \.isAnomalous)
        #expect(first != nil && scores[first!].kind == .drift, "\(String(describing: first.map { scores[$0] }))")
        let settled = scores[ramp.lowerBound...].firstIndex(where: \.settledAtNewLevel)
        #expect(
            settled != nil && settled! >= ramp.upperBound,
            "not accepted while it still moves: \(String(describing: settled.map { $0 - faultAt }))")
        if let settled { #expect(scores[(settled + 1)...].filter(\.isAnomalous).count <= 2) }
    }

    /// 0 or 50 with noise: on at 08:00, off at 18:00, from midnight.
    func squareWave(interval: Int64, days: Int) -> [AnomalyScore] {
        var series = SyntheticSeries(seed: 24)
        var detector = SeriesDetector(settings: DetectorSettings(resolution: 0.1))
        let perDay = Int(86_400 / interval)
        return (0..<(days * perDay)).map { index in
            let hour = Double(index % perDay) * 24 / Double(perDay)
            let value = series.quantised((hour >= 8 && hour < 18 ? 50 : 5) + 0.2 * series.gaussian())
            return detector.score(value, at: series.start + Int64(index) * interval * 1_000_000_000)
        }
    }

    @Test(
        "A machine on from 08:00 to 18:00 every day, one sample a minute: normal once its days are learned (from the third)"
    )
    func dailyOnOffEveryMinute() {
        let scores = squareWave(interval: 60, days: 10)
        let late = scores[(3 * day)...].filter(\.isAnomalous)
        #expect(late.isEmpty, "\(late.count) anomalous after day 3: \(late.map { $0.kind?.rawValue ?? "" })")
        // Before, its first switches are news: the first 'on' is a change of level, taken as
        // the new normal once it has lasted; it is not anomalous all day long.
        #expect(scores[..<(3 * day)].filter(\.isAnomalous).count < day, "not every sample of the first days")
    }

    @Test("The same machine read every second: normal from the fourth day")
    func dailyOnOffEverySecond() {
        let perDay = 86_400
        let scores = squareWave(interval: 1, days: 6)
        let late = scores[(4 * perDay)...].filter(\.isAnomalous)
        #expect(late.isEmpty, "\(late.count) anomalous after day 4: \(late.map { $0.kind?.rawValue ?? "" })")
    }

    @Test("A pump cycling on demand (on 20-40 min, off 30-60 min, at random): never an anomaly")
    func pumpCycling() {
        var series = SyntheticSeries(seed: 25)
        var detector = SeriesDetector(settings: DetectorSettings(resolution: 0.1))
        var on = false
        var left = 30
        var anomalous: [AnomalyScore] = []
        for index in 0..<(8 * day) {
            left -= 1
            if left <= 0 {
                on.toggle()
                left = on ? 20 + Int(series.uniform() * 20) : 30 + Int(series.uniform() * 30)
            }
            let score = detector.score(
                series.quantised((on ? 40 : 2) + 0.3 * series.gaussian()), at: series.timestamp(index))
            if score.isAnomalous { anomalous.append(score) }
        }
        #expect(
            anomalous.isEmpty, "\(anomalous.count) anomalous: \(anomalous.prefix(10).map { $0.kind?.rawValue ?? "" })")
    }

    @Test(
        "What a hostile or broken source sends: times at the ends of Int64 and going back, NaN, ±1e308, a stuck zero: no trap, every score in [0, 1]"
    )
    func hostileValuesAndTimes() {
        var detector = SeriesDetector(settings: DetectorSettings(learningSamples: 10, relearnAfter: 1))
        let times: [Int64] = [.min, .min + 1, -1, 0, 1, .max - 1, .max, 0, .min, 1_790_000_000_000_000_000]
        let values: [Double] = [0, .nan, 1e308, -1e308, .infinity, -.greatestFiniteMagnitude, 5e-324, 0, 1, -1]
        var scores: [AnomalyScore] = []
        for round in 0..<60 {
            for (index, time) in times.enumerated() {
                scores.append(detector.score(values[(index + round) % values.count], at: time &+ Int64(round)))
                scores.append(detector.scoreLate(values[index], at: time))
            }
        }
        #expect(
            scores.allSatisfy { $0.value >= 0 && $0.value <= 1 && !$0.value.isNaN },
            "\(scores.filter { !($0.value >= 0 && $0.value <= 1) }.prefix(3))")
        #expect(scores.contains { $0.isAnomalous }, "1e308 after zeros is anomalous")
    }

    @Test("Scores are graded: a bigger spike scores higher, and normal samples spread over the low scores, not 0 or 1")
    func gradedScores() {
        var sizes: [Double] = []
        for size in [2.0, 3, 4, 5, 6, 8] {
            var series = SyntheticSeries(seed: 26)
            let noise = series.noise
            let scores = run(&series, count: faultAt + 1) { index, value in
                index == faultAt ? value + size * noise : value
            }
            sizes.append(scores[faultAt].value)
        }
        #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0.0 < $0.1 }, "\(sizes)")
        #expect(sizes[0] > 0 && sizes[0] < 0.5 && sizes[5] >= 0.5, "2σ is unusual but normal, 8σ an anomaly: \(sizes)")

        var series = SyntheticSeries(seed: 27)
        let scores = run(&series, count: 7 * day).filter { !$0.learning }
        let exact = scores.filter { $0.value == 0 || $0.value == 1 }.count
        #expect(Double(exact) / Double(scores.count) < 0.1, "\(exact) of \(scores.count) scores are exactly 0 or 1")
        let sorted = scores.map(\.value).sorted()
        let median = sorted[sorted.count / 2]
        let high = sorted[sorted.count * 999 / 1000]
        #expect(median > 0.02 && median < 0.2 && high > median && high < 0.5, "median \(median), 99.9th \(high)")
    }
}
