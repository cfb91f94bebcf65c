import OutpostWire

/// The bytes a gateway may put on its link per day or per calendar month (UTC), and what it
/// has used. Pure: the caller passes the wall time and the rates it measured.
///
/// Readings go as long as what is left also covers, until the budget renews, the minute
/// summaries, status and keepalives that the rest of the period needs (`reserve`); after
/// that a sealed batch goes as minute summaries and its readings wait for the next period.
/// Nothing is ever sent that would take the count past the limit.
package struct DataBudget: Sendable, Hashable {
    /// How often the budget renews.
    package enum Period: String, Sendable, Hashable {
        case day, month
    }

    /// The configured limit.
    package struct Limit: Sendable, Hashable {
        package var bytes: Int64
        package var period: Period

        package init(bytes: Int64, period: Period) {
            self.bytes = bytes
            self.period = period
        }
    }

    /// What the gateway sends now, for the status.
    package enum Sending: String, Sendable, Hashable {
        /// Readings as they are sealed.
        case readings
        /// Minute summaries; the readings wait for the budget to renew.
        case summaries
        /// Nothing: the budget is spent.
        case nothing
    }

    package let limit: Limit
    /// The period the count belongs to: days or months since 1970 (UTC).
    package private(set) var period: Int64
    /// Bytes counted in `period`.
    package private(set) var used: Int64

    /// A budget with `used` bytes counted in `period` (as persisted), or a fresh one.
    package init(limit: Limit, period: Int64, used: Int64) {
        self.limit = limit
        self.period = period
        self.used = max(0, used)
    }

    /// The period holding wall time `wall` (ns since the epoch).
    package static func period(of wall: Int64, _ kind: Period) -> Int64 {
        let day = wall.quotientAndRemainder(dividingBy: 86_400_000_000_000)
        let days = day.remainder < 0 ? day.quotient - 1 : day.quotient
        switch kind {
        case .day: return days
        case .month:
            let date = CivilDate.date(days: Int(days))
            return Int64(date.year - 1970) * 12 + Int64(date.month - 1)
        }
    }

    /// When `period` ends (ns since the epoch, saturating).
    package static func end(of period: Int64, _ kind: Period) -> Int64 {
        switch kind {
        case .day:
            return period.addingSaturating(1).multipliedSaturating(by: 86_400_000_000_000)
        case .month:
            let next = period.addingSaturating(1)
            let (years, months) = next.quotientAndRemainder(dividingBy: 12)
            let year = months < 0 ? years - 1 : years
            let month = months < 0 ? months + 12 : months
            guard let civilYear = Int(exactly: year.addingSaturating(1970)), abs(civilYear) < 1_000_000 else {
                return next < 0 ? .min : .max
            }
            let days = CivilDate.days(year: civilYear, month: Int(month) + 1, day: 1)
            return Int64(days).multipliedSaturating(by: 86_400_000_000_000)
        }
    }

    /// Moves to the period of `wall`. A later period starts at zero (the budget renewed); an
    /// earlier one (the clock was set back) keeps the count, so a clock that jumps cannot
    /// hand out a second budget within one period. Returns whether the budget renewed.
    @discardableResult
    package mutating func roll(to wall: Int64) -> Bool {
        let now = Self.period(of: wall, limit.period)
        guard now != period else { return false }
        defer { period = now }
        guard now > period else { return false }
        used = 0
        return true
    }

    /// Counts `bytes` sent or received.
    package mutating func charge(_ bytes: Int) {
        used = used.addingSaturating(Int64(max(0, bytes)))
    }

    /// Bytes the rest of the period needs at `rate` bytes a second, from `wall` on.
    package func reserve(rate: Double, at wall: Int64) -> Int64 {
        let remaining = Double(Self.end(of: period, limit.period).subtractingSaturating(wall)) / 1e9
        let bytes = max(0, remaining) * max(0, rate)
        return bytes.isFinite && bytes < 9e18 ? Int64(bytes) : .max
    }

    /// Whether `bytes` more may go now, leaving `reserve` for the rest of the period.
    package func fits(_ bytes: Int, reserve: Int64 = 0) -> Bool {
        used.addingSaturating(Int64(max(0, bytes))).addingSaturating(reserve) <= limit.bytes
    }

    /// The share of the limit used, 0…1 (more when keepalives overran it).
    package var fraction: Double { limit.bytes > 0 ? Double(used) / Double(limit.bytes) : 1 }
}
