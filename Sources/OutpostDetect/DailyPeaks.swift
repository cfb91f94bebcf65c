/// The largest event of a statistic (a spike, a rate, a burst of spread near or beyond its
/// threshold) seen at each hour of the day on earlier days: a switch that happens at 08:00
/// every day is expected at 08:00 once it has happened on an earlier day, though it is far
/// rarer than the threshold. Only events are recorded, so ordinary days teach nothing here.
/// The memory fades by 30 % a day: a pattern that stops is forgotten within a week or two.
struct DailyPeaks: Sendable {
    private var past = [Float](repeating: 0, count: 24)
    /// Per hour, how many earlier days had an event then (fading by 30 % a day).
    private var days = [Float](repeating: 0, count: 24)
    private var today = [Float](repeating: 0, count: 24)
    private var day = Int64.min

    /// Whether `value` at `timestamp` is no larger than 1.5 times what earlier days showed in
    /// the same hour or the hours either side, on at least two days lately: one bad day (a
    /// fault) is not a routine.
    private mutating func expected(_ value: Double, at timestamp: Int64) -> Bool {
        roll(to: timestamp)
        let hour = Self.hour(of: timestamp)
        var peak: Float = 0
        for near in [hour, (hour + 1) % 24, (hour + 23) % 24] where days[near] >= 1.5 { peak = max(peak, past[near]) }
        return peak > 0 && value <= 1.5 * Double(peak)
    }

    /// `decades`, the rarity of `value` at `timestamp`, or less when it is an event (60 % of
    /// `threshold` or more) no larger than what earlier days showed at this hour: then at most
    /// half the threshold. Every event is recorded.
    mutating func routine(_ value: Double, decades: Double, threshold: Double, at timestamp: Int64) -> Double {
        guard decades >= 0.6 * threshold else { return decades }
        let expected = expected(value, at: timestamp)
        record(value, at: timestamp)
        return expected ? min(decades, 0.5 * threshold) : decades
    }

    /// Records `value` at `timestamp` (samples in time order).
    private mutating func record(_ value: Double, at timestamp: Int64) {
        roll(to: timestamp)
        let hour = Self.hour(of: timestamp)
        if value.isFinite { today[hour] = max(today[hour], Float(min(value, Double(Float.greatestFiniteMagnitude)))) }
    }

    /// Folds the days before `timestamp`'s into the past.
    private mutating func roll(to timestamp: Int64) {
        let now = SeasonalProfile.floorDivide(timestamp, SeasonalProfile.day)
        if now > day {
            if day != .min {
                for hour in 0..<24 {
                    past[hour] = max(past[hour] * 0.7, today[hour])
                    days[hour] = days[hour] * 0.7 + (today[hour] > 0 ? 1 : 0)
                }
            }
            today = [Float](repeating: 0, count: 24)
            day = now
        }
    }

    static func hour(of timestamp: Int64) -> Int {
        Int(SeasonalProfile.remainder(timestamp, SeasonalProfile.day) / SeasonalProfile.hour)
    }
}
