/// Levels a series has been normal at before: when a shift that lasted is accepted as the new
/// normal, the old normal is remembered here, so that going back to it (an on/off machine, a
/// valve open or closed, a pump on its other speed) is a return, not a new shift. At most four,
/// the least recently seen forgotten first.
struct KnownLevels: Sendable {
    static let capacity = 4
    private var levels: [(location: Double, seen: Int64)] = []

    /// Remembers `location` (deseasonalised), seen at `time`; one within `tolerance` of it is
    /// the same level.
    mutating func remember(_ location: Double, at time: Int64, tolerance: Double) {
        if let index = levels.firstIndex(where: { abs($0.location - location) <= tolerance }) {
            levels[index] = (location, time)
            return
        }
        if levels.count >= Self.capacity, let oldest = levels.indices.min(by: { levels[$0].seen < levels[$1].seen }) {
            levels.remove(at: oldest)
        }
        levels.append((location, time))
    }

    /// The known level nearest `value`, if one lies within `tolerance`.
    func nearest(to value: Double, within tolerance: Double) -> Double? {
        var best: Double?
        for level in levels where abs(level.location - value) <= tolerance {
            if best.map({ abs(level.location - value) < abs($0 - value) }) ?? true { best = level.location }
        }
        return best
    }

    /// Marks the level nearest `value` as seen now.
    mutating func touch(_ value: Double, at time: Int64) {
        guard let index = levels.indices.min(by: { abs(levels[$0].location - value) < abs(levels[$1].location - value) })
        else { return }
        levels[index].seen = time
    }
}

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
    mutating func expected(_ value: Double, at timestamp: Int64) -> Bool {
        roll(to: timestamp)
        let hour = Self.hour(of: timestamp)
        var peak: Float = 0
        for near in [hour, (hour + 1) % 24, (hour + 23) % 24] where days[near] >= 1.5 { peak = max(peak, past[near]) }
        return peak > 0 && value <= 1.5 * Double(peak)
    }

    /// Records `value` at `timestamp` (samples in time order).
    mutating func record(_ value: Double, at timestamp: Int64) {
        roll(to: timestamp)
        let hour = Self.hour(of: timestamp)
        if value.isFinite { today[hour] = max(today[hour], Float(value)) }
    }

    /// Folds the days before `timestamp`'s into the past.
    private mutating func roll(to timestamp: Int64) {
        let now = (timestamp - SeasonalProfile.remainder(timestamp, SeasonalProfile.day)) / SeasonalProfile.day
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
