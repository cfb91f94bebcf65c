import Foundation
import Testing

@testable import OutpostDetect

@Suite("Streaming detectors: each finds its fault and stays quiet on normal data")
struct DetectorTests {
    let days = 1440  // samples per day at one a minute
    let faultAt = 5 * 1440 + 600  // day 6, 10:00, after the daily cycle is learned

    @Test("Seven days of a daily cycle with noise: quiet (at most a handful of anomalous minutes)")
    func quietOnNormalData() {
        for seed in [1, 2, 3] as [UInt64] {
            var series = SyntheticSeries(seed: seed)
            let scores = run(&series, count: 7 * days)
            let anomalous = scores.filter(\.isAnomalous)
            #expect(
                anomalous.count <= 2,
                "seed \(seed): \(anomalous.count) anomalous, kinds \(anomalous.map { $0.kind?.rawValue ?? "" })")
            #expect(scores.prefix(500).allSatisfy { $0.learning && $0.value == 0 }, "the learning period is quiet")
        }
    }

    @Test("Noise without a cycle, and a slow random walk: quiet too")
    func quietWithoutCycle() {
        var flat = SyntheticSeries(seed: 4, amplitude: 0)
        #expect(run(&flat, count: 4 * days).filter(\.isAnomalous).count <= 2)
        var walk = SyntheticSeries(seed: 5, amplitude: 0)
        var level = 0.0
        var steps = SyntheticSeries(seed: 105)
        let scores = run(&walk, count: 4 * days) { _, value in
            level += 0.05 * steps.gaussian()
            return steps.quantised(value + level)
        }
        #expect(
            scores.filter(\.isAnomalous).count <= 3, "\(scores.filter(\.isAnomalous).map { $0.kind?.rawValue ?? "" })")
    }

    @Test("A spike of 15 noise units is one anomalous sample, called a spike")
    func spike() {
        var series = SyntheticSeries(seed: 6)
        let scores = run(&series, count: faultAt + 100) { index, value in index == faultAt ? value + 7.5 : value }
        #expect(scores[faultAt].isAnomalous && scores[faultAt].kind == .spike, "\(scores[faultAt])")
        #expect(scores[(faultAt + 1)...].filter(\.isAnomalous).count <= 1, "no echo after the spike")
    }

    @Test("A step of 8 noise units that stays: found within a few samples as a change of level, and it persists")
    func levelChange() {
        var series = SyntheticSeries(seed: 7)
        let scores = run(&series, count: faultAt + 300) { index, value in index >= faultAt ? value + 4 : value }
        let first = scores[faultAt...].firstIndex(where: \.isAnomalous)
        #expect(first.map { $0 - faultAt } ?? 99 <= 5)
        #expect(scores[(faultAt + 10)..<(faultAt + 120)].allSatisfy { $0.isAnomalous && $0.kind == .level })
    }

    @Test(
        "A small step hidden in a half-hour oscillation (smaller than the swing, lasting six hours): found, and called a change of level by the four-hour model; the oscillation alone is quiet"
    )
    func smallStepInOscillation() {
        // A daily cycle, little noise, and a ±1 swing every 30 minutes; the step is +1.5.
        func value(_ series: inout SyntheticSeries, _ index: Int, step: Bool) -> Double {
            let swing = sin(2 * Double.pi * Double(index) / 30)
            return series.quantised(series.cycle(index) + swing + 0.1 * series.gaussian() + (step ? 1.5 : 0))
        }
        let step = faultAt..<(faultAt + 360)
        for seed in [17, 18, 19] as [UInt64] {
            var series = SyntheticSeries(seed: seed)
            var detector = SeriesDetector(settings: DetectorSettings(resolution: 0.1))
            let scores = (0..<(faultAt + 480)).map { index in
                detector.score(value(&series, index, step: step.contains(index)), at: series.timestamp(index))
            }
            let found = scores[step].firstIndex(where: \.isAnomalous)
            #expect(found != nil, "seed \(seed): the step is found")
            // Its first sample may be a fast change (rate); while it lasts, it is a change of level.
            let level = scores[step].firstIndex { $0.isAnomalous && $0.kind == .level }
            #expect(level != nil && level! < step.lowerBound + 240, "seed \(seed): \(found.map { scores[$0] } as Any)")
            var quiet = SyntheticSeries(seed: seed)
            var calm = SeriesDetector(settings: DetectorSettings(resolution: 0.1))
            let normal = (0..<(8 * days)).map { index in
                calm.score(value(&quiet, index, step: false), at: quiet.timestamp(index))
            }
            #expect(
                normal.filter(\.isAnomalous).count <= 2,
                "seed \(seed): \(normal.filter(\.isAnomalous).count) anomalous: \(normal.enumerated().filter { $0.element.isAnomalous }.prefix(40).map { "\($0.offset) \($0.element.kind?.rawValue ?? "")" })"
            )
        }
    }

    @Test("A slow drift of 12 noise units over ten hours is found before it ends, as drift")
    func drift() {
        var series = SyntheticSeries(seed: 8)
        let scores = run(&series, count: faultAt + 600) { index, value in
            index >= faultAt ? value + 6 * Double(index - faultAt) / 600 : value
        }
        let first = scores[faultAt...].firstIndex(where: \.isAnomalous)
        #expect(first != nil && first! < faultAt + 600)
        #expect(first.map { scores[$0].kind == .drift } ?? false, "\(first.map { scores[$0] } as Any)")
    }

    @Test("A probe stuck at one value for an hour where the series moves: stuck")
    func stuck() {
        var series = SyntheticSeries(seed: 9)
        var frozen = 0.0
        let scores = run(&series, count: faultAt + 120) { index, value in
            if index == faultAt { frozen = value }
            return index >= faultAt && index < faultAt + 60 ? frozen : value
        }
        let found = scores[faultAt..<(faultAt + 60)].firstIndex { $0.isAnomalous && $0.kind == .stuck }
        #expect(found != nil && found! < faultAt + 30, "\(String(describing: found))")
        #expect(scores[(faultAt + 70)...].filter(\.isAnomalous).count <= 1, "quiet again once it moves")
    }

    @Test(
        "A setting that never moves (a unit id, a calibration offset) is not stuck, however long it stays put, learned from its first sample"
    )
    func settingNeverStuck() {
        var detector = SeriesDetector(settings: DetectorSettings(learningSamples: 300, resolution: 1))
        let scores = (0..<20_000).map { detector.score(17, at: Int64($0) * 1_000_000_000) }
        #expect(scores.allSatisfy { $0.value == 0 }, "\(scores.first { $0.value > 0 } as Any)")
    }

    @Test(
        "A device silent for 90 s of a 1 Hz series that moves on meanwhile: no spike when it answers again; a step over the silence still shows as a level"
    )
    func gapIsNoSpike() {
        func scores(stepAfterGap: Double, silent: Range<Int> = 3_000..<3_090) -> [AnomalyScore] {
            var noise = SyntheticSeries(seed: 12)
            var detector = SeriesDetector(settings: DetectorSettings(learningSamples: 500, resolution: 0.001))
            return (0..<3_400).filter { !silent.contains($0) }.map { second in
                let wave = 20 + 2 * sin(2 * Double.pi * Double(second) / 1_800)
                let value = wave + 0.05 * noise.gaussian() + (second >= silent.upperBound ? stepAfterGap : 0)
                return detector.score((value * 1_000).rounded() / 1_000, at: Int64(second) * 1_000_000_000)
            }
        }
        let resumed = 3_000  // the first sample after the silence, in the scored list
        let quiet = scores(stepAfterGap: 0)
        #expect(
            quiet[resumed...].allSatisfy { !$0.isAnomalous }, "\(quiet[resumed...].first(where: \.isAnomalous) as Any)")
        let stepped = scores(stepAfterGap: 30)
        let found = stepped[resumed...].firstIndex { $0.isAnomalous && $0.kind == .level }
        #expect(found.map { $0 < resumed + 30 } ?? false, "\(String(describing: found))")
    }

    @Test("Noise five times larger for three hours: variance")
    func variance() {
        var series = SyntheticSeries(seed: 10)
        var extra = SyntheticSeries(seed: 110)
        let scores = run(&series, count: faultAt + 180) { index, value in
            index >= faultAt ? extra.quantised(value + 2 * extra.gaussian()) : value
        }
        #expect(scores[faultAt...].contains { $0.isAnomalous && $0.kind == .variance })
    }

    @Test(
        "Once the daily cycle is learned, the afternoon's level at 02:00 is anomalous; with no cycle learned it is not")
    func dailyCycle() {
        // Day 6, 02:00 to 03:00: the value sits at the 14:00 level (about 20 above its night level,
        // 40 noise units).
        let night = 5 * days + 120
        var series = SyntheticSeries(seed: 11)
        let afternoonLevel = SyntheticSeries(seed: 11).cycle(5 * days + 840) - SyntheticSeries(seed: 11).cycle(night)
        let scores = run(&series, count: night + 60) { index, value in
            index >= night ? value + afternoonLevel : value
        }
        #expect(scores[night..<(night + 60)].filter(\.isAnomalous).count >= 50)
        // The same afternoon level at 14:00 is normal.
        let afternoon = 5 * days + 840
        var again = SyntheticSeries(seed: 11)
        let normal = run(&again, count: afternoon + 60)
        #expect(normal[afternoon..<(afternoon + 60)].filter(\.isAnomalous).count <= 1)
    }

    @Test(
        "A weekly cycle (a plant closed at weekends): learned after three weeks, then a weekday's afternoon on a Saturday is anomalous and normal weekends and weekdays are quiet; a daily cycle alone never passes for weekly"
    )
    func weeklyCycle() {
        // Day 0 is a Monday. Weekdays follow the daily cycle (10 to 30); Saturdays and Sundays
        // stay near 12 all day.
        let weeks = 5 * 7 * days
        let saturdayAfternoon = (4 * 7 + 5) * days + 840  // week 5, Saturday 14:00
        func closed(_ index: Int) -> Bool { (index / days) % 7 >= 5 }
        func week(_ series: inout SyntheticSeries, fault: Range<Int>?) -> [AnomalyScore] {
            let cycle = SyntheticSeries(seed: 0)
            return run(&series, count: weeks) { index, value in
                let weekday = closed(index) ? value - cycle.cycle(index) + 12 : value
                return fault?.contains(index) == true ? weekday - 12 + cycle.cycle(index) : weekday
            }
        }
        var series = SyntheticSeries(seed: 14)
        let fault = saturdayAfternoon..<(saturdayAfternoon + 60)
        let scores = week(&series, fault: fault)
        #expect(scores[fault].filter(\.isAnomalous).count >= 50, "a weekday's level on a Saturday afternoon")
        // Out of the fault and the hour after it (the return to normal is a change too).
        let event = fault.lowerBound..<(fault.upperBound + 60)
        let settled = scores[(22 * days)...].enumerated().filter {
            !event.contains($0.offset + 22 * days) && $0.element.isAnomalous
        }
        #expect(
            settled.count <= 3,
            "normal weeks once the weekly cycle is learned: \(settled.map { ($0.offset + 15 * days, $0.element.kind?.rawValue ?? "") })"
        )

        var detector = SeriesDetector(settings: DetectorSettings(resolution: 0.1))
        var replay = SyntheticSeries(seed: 14)
        let cycle = SyntheticSeries(seed: 0)
        for index in 0..<(22 * days) {
            let value = replay.value(index)
            _ = detector.score(closed(index) ? value - cycle.cycle(index) + 12 : value, at: replay.timestamp(index))
        }
        #expect(detector.cycle == .weekly)
        var daily = SyntheticSeries(seed: 15)
        var dailyDetector = SeriesDetector(settings: DetectorSettings(resolution: 0.1))
        for index in 0..<(4 * 7 * days) { _ = dailyDetector.score(daily.value(index), at: daily.timestamp(index)) }
        #expect(dailyDetector.cycle == .daily)
    }

    @Test(
        "A weekly bin is the median of its last three weeks: one bad week does not set it, and it keeps rotating after years"
    )
    func weeklyMedian() {
        var profile = CycleProfile(bins: 2, memory: 3, medianOfThree: true)
        profile.fold(0, hourMean: 100)  // a fault on the bin's first sight
        #expect(profile.prediction(0) == nil, "one week predicts nothing")
        profile.fold(0, hourMean: 10)
        #expect(profile.prediction(0) == 55, "two weeks: their mean")
        profile.fold(0, hourMean: 12)
        #expect(profile.prediction(0) == 12, "three weeks: the median, the fault outvoted")
        #expect(!profile.known, "bin 1 has not had its three weeks")
        for week in 4...400 {
            profile.fold(0, hourMean: Double(week))
            profile.fold(1, hourMean: 0)
        }
        #expect(profile.prediction(0) == 399, "still the last three weeks after 400 of them")
        #expect(profile.known)
    }

    @Test(
        "A late sample is scored against the normal for its time: the afternoon's level is normal at 14:00 and anomalous at 02:00 of a past day"
    )
    func lateSample() {
        var series = SyntheticSeries(seed: 16)
        var detector = SeriesDetector(settings: DetectorSettings(resolution: 0.1))
        let count = 6 * days
        for index in 0..<count { _ = detector.score(series.value(index), at: series.timestamp(index)) }
        let afternoon = 4 * days + 840
        let night = 4 * days + 120
        let level = series.cycle(afternoon)
        #expect(detector.scoreLate(level, at: series.timestamp(afternoon)).isAnomalous == false)
        let late = detector.scoreLate(level, at: series.timestamp(night))
        #expect(late.isAnomalous && late.kind == .spike, "\(late)")
        #expect(
            detector.scoreLate(.nan, at: series.timestamp(night)) == AnomalyScore(value: 0, kind: nil, learning: false))
        var young = SeriesDetector()
        _ = young.score(1, at: 0)
        #expect(young.scoreLate(1_000, at: -1).learning, "nothing is judged during the learning period")
    }

    @Test("An impossible jump is called a rate anomaly; a value beyond the profile's limit, a limit anomaly")
    func rateAndLimits() {
        var series = SyntheticSeries(seed: 12)
        let scores = run(&series, count: faultAt + 10) { index, value in index == faultAt ? value + 400 : value }
        #expect(scores[faultAt].isAnomalous && (scores[faultAt].kind == .rate || scores[faultAt].kind == .spike))
        #expect(scores[faultAt].value > 0.99)
        var limited = SyntheticSeries(seed: 13)
        let settings = DetectorSettings(resolution: 0.1, upperLimit: 29)
        let bounded = run(&limited, count: faultAt + 10, settings: settings) { index, value in
            index == faultAt ? 31 : value
        }
        #expect(bounded[faultAt].kind == .limit && bounded[faultAt].value == 1)
    }
}
