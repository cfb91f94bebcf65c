/// The cycle a series follows, as far as its history shows.
package enum SeriesCycle: String, Sendable, Hashable, CaseIterable {
    /// No cycle worth subtracting (yet).
    case none
    /// The same shape every day.
    case daily
    /// A shape that repeats every week (weekdays unlike weekends, a weekly shift pattern).
    case weekly
}

/// What a series normally does at each time of day, or of the week, once it has shown that it
/// has such a cycle. Hourly means are folded into a daily profile (24 bins, the last week
/// weighing most) and a weekly one (168 bins, each the median of its last three weeks, so a
/// fault in one week does not become that hour's normal). A weekly expectation is the week's
/// hour as it is, plus the movement within the hour from the daily profile.
///
/// A cycle is used only when it is real, judged by how well it predicts each new hour's mean
/// before that hour is folded in:
/// - daily, after two full days: the squared prediction error is under half the spread of the
///   hourly means around their average (R² > 0.5), and the profile's range is more than three
///   times the series' short-term spread. A drifting series without a cycle fails the first
///   test; a flat one fails the second;
/// - weekly, after three full weeks (three of each hour for the median): the weekly profile's
///   prediction error, over the last two weeks, is under half of both the daily profile's and
///   the spread of the hourly means, and its range passes the same test. A daily cycle that does not change with the day of the
///   week never passes: with a seventh of the data per bin, the weekly profile predicts it worse.
///
/// While no cycle is in use the expected offset is 0 (no adjustment).
struct SeasonalProfile: Sendable {
    static let hour: Int64 = 3_600_000_000_000
    static let day = 24 * hour
    static let week = 7 * day
    /// 1970-01-01 was a Thursday: the week's bins start on Monday 00:00 UTC.
    static let weekStart = 3 * day

    private var daily = CycleProfile(bins: 24, memory: 7)
    private var weekly = CycleProfile(bins: 168, memory: 3, medianOfThree: true)
    /// The hour being accumulated, in hours since the epoch.
    private var hourIndex = Int64.min
    private var hourSum = 0.0
    private var hourCount = 0
    /// Daily decision, about two days of memory: prediction error and spread of hourly means.
    private var dailyError = 0.0
    private var variation = 0.0
    private var dailyFolds = 0
    /// Weekly decision, two weeks of memory, over the same hours for both profiles.
    private var weeklyError = 0.0
    private var longDailyError = 0.0
    private var longVariation = 0.0
    private var weeklyFolds = 0
    private var firstTimestamp: Int64?
    private var lastTimestamp: Int64 = 0
    /// The cycle in use.
    private(set) var cycle = SeriesCycle.none
    /// Whether two full days have been seen, so whether there is a daily cycle has been decided.
    private(set) var settled = false

    /// The expected offset from the series' mean level at `timestamp` (0 while no cycle is used).
    func expected(at timestamp: Int64) -> Double {
        switch cycle {
        case .none: 0
        case .daily: daily.offset(at: Double(Self.remainder(timestamp, Self.day)) / Double(Self.hour))
        case .weekly:
            // The week's hour as it is (a plant that closes at midnight on Friday steps at
            // midnight, not over the hour either side), and the movement within the hour from
            // the daily profile, which sees seven times more of each hour.
            weekly.binOffset(at: Double(Self.remainder(timestamp &- Self.weekStart, Self.week)) / Double(Self.hour))
                + daily.withinHour(at: Double(Self.remainder(timestamp, Self.day)) / Double(Self.hour))
        }
    }

    /// Takes in a sample; `spread` is the series' normal short-term spread, used to judge
    /// whether a cycle is worth using. Samples come in time order.
    mutating func update(_ value: Double, at timestamp: Int64, spread: Double) {
        let index = Self.floorDivide(timestamp, Self.hour)
        if firstTimestamp == nil { firstTimestamp = timestamp }
        lastTimestamp = max(lastTimestamp, timestamp)
        if index != hourIndex {
            if hourCount > 0 {
                fold(hourIndex, hourMean: hourSum / Double(hourCount))
                decide(spread: spread)
            }
            hourIndex = index
            hourSum = 0
            hourCount = 0
        }
        hourSum += value
        hourCount += 1
    }

    /// Scores the finished hour's mean against both profiles' predictions, then folds it in.
    private mutating func fold(_ index: Int64, hourMean: Double) {
        let dayBin = Int(Self.remainder(index, 24))
        let weekBin = Int(Self.remainder(index - Self.weekStart / Self.hour, 168))
        // Once the prediction error is known, each hour counts at most nine times it (three
        // typical errors, squared), and folds in at most three typical errors: a fault's hours
        // neither switch a real cycle off nor teach the profile to expect the fault again.
        let dailyLimit = dailyFolds >= 24 ? 3 * dailyError.squareRoot() : .infinity
        let weeklyLimit = weeklyFolds >= 168 ? 3 * weeklyError.squareRoot() : .infinity
        if let predicted = daily.prediction(dayBin) {
            let error = min((hourMean - predicted) * (hourMean - predicted), dailyLimit * dailyLimit)
            let spread = (hourMean - daily.mean) * (hourMean - daily.mean)
            let weight = max(1 / Double(dailyFolds + 1), 0.02)
            dailyError += weight * (error - dailyError)
            variation += weight * (spread - variation)
            dailyFolds += 1
            if let weeklyPrediction = weekly.prediction(weekBin) {
                let longWeight = max(1 / Double(weeklyFolds + 1), 1.0 / 336)
                let weeklyMiss = min(
                    (hourMean - weeklyPrediction) * (hourMean - weeklyPrediction), weeklyLimit * weeklyLimit)
                weeklyError += longWeight * (weeklyMiss - weeklyError)
                longDailyError += longWeight * (error - longDailyError)
                longVariation += longWeight * (spread - longVariation)
                weeklyFolds += 1
            }
        }
        daily.fold(dayBin, hourMean: hourMean, limit: dailyLimit)
        weekly.fold(weekBin, hourMean: hourMean)  // a median needs no clipping
    }

    /// Decides, once an hour, which cycle to use. A cycle in use is kept until it clearly fails
    /// (error above three quarters instead of half, range under twice the spread instead of
    /// three times), so a borderline one does not flap on and off with every fault or weekend.
    private mutating func decide(spread: Double) {
        guard let first = firstTimestamp, Self.span(from: first, to: lastTimestamp) >= 2 * Self.day, daily.known else {
            return
        }
        settled = true
        let dailyInUse = cycle != .none
        let dailyHolds =
            dailyFolds >= 24 && dailyError < (dailyInUse ? 0.75 : 0.5) * variation
            && daily.range > (dailyInUse ? 2 : 3) * spread
        let weeklyInUse = cycle == .weekly
        let weeklyHolds =
            Self.span(from: first, to: lastTimestamp) >= 3 * Self.week && weekly.known && weeklyFolds >= 168
            && weeklyError < (weeklyInUse ? 0.75 : 0.5) * min(longDailyError, longVariation)
            && weekly.range > (weeklyInUse ? 2 : 3) * spread
        cycle = weeklyHolds ? .weekly : dailyHolds ? .daily : .none
    }

    /// `value` modulo `divisor`, never negative.
    static func remainder(_ value: Int64, _ divisor: Int64) -> Int64 { ((value % divisor) + divisor) % divisor }

    /// `to - from`, held at `Int64.max` where times at the ends of the range would overflow it.
    static func span(from: Int64, to: Int64) -> Int64 {
        let (difference, overflow) = to.subtractingReportingOverflow(from)
        return overflow ? (to > from ? .max : .min) : difference
    }

    /// `value` divided by `divisor`, rounded down, for every `Int64` (no subtraction to overflow).
    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value % divisor < 0 ? value / divisor - 1 : value / divisor
    }
}
