import Foundation
import OutpostConfig
import OutpostWire

/// Times as operators type them on the command line and in API queries: `now`, `now-24h`,
/// `-30d`, RFC 3339 (`2026-11-23T08:00:00Z`, fractions to the nanosecond) or nanoseconds since
/// the epoch. Timestamps in exports use RFC 3339 with nine fractional digits, which reads back exactly.
package enum TimeArgument {
    /// Parses `text` relative to `now` (ns); nil when it is none of the accepted forms.
    package static func parse(_ text: String, now: Int64) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "now" { return now }
        if let integer = Int64(trimmed) { return integer }
        var relative = Substring(trimmed)
        if relative.hasPrefix("now") { relative = relative.dropFirst(3) }
        if relative.hasPrefix("-"), let duration = parseDuration(String(relative.dropFirst())) {
            return now &- duration.nanoseconds
        }
        return parseRFC3339(trimmed)
    }

    /// Parses `2026-11-23T08:00:00.123456789Z` or with an offset (`+01:00`); fractions to 9 digits.
    package static func parseRFC3339(_ text: String) -> Int64? { parseDateTime(text, local: nil) }

    /// Parses RFC 3339 and, when `local` is given, also a date and time without a zone
    /// (`2014-01-07 02:45:00`, `2014-01-07T02:45:00.5`), read as the wall-clock time of `local`.
    package static func parseDateTime(_ text: String, local: LocalTimeZone?) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= (local == nil ? 20 : 19) else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), bytes[4] == 0x2D, let month = number(5..<7), bytes[7] == 0x2D,
            let day = number(8..<10), bytes[10] == 0x54 || bytes[10] == 0x20, let hour = number(11..<13),
            bytes[13] == 0x3A, let minute = number(14..<16), bytes[16] == 0x3A, let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction: Int64 = 0
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            var digits = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                if digits < 9 { fraction = fraction * 10 + Int64(bytes[index] - 0x30) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 9)..<9 { fraction *= 10 }
        }
        var offsetSeconds = 0
        let days = CivilDate.days(year: year, month: month, day: day)
        let wallClock = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        if index == bytes.count, let local {
            offsetSeconds = local.offset(atWallClock: wallClock)
        } else if index >= bytes.count {
            return nil
        } else if bytes[index] == 0x5A || bytes[index] == 0x7A {
            index += 1
        } else if bytes[index] == 0x2B || bytes[index] == 0x2D, let hours = number(index + 1..<index + 3),
            index + 3 < bytes.count, bytes[index + 3] == 0x3A, let minutes = number(index + 4..<index + 6)
        {
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == 0x2D ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        // Nanoseconds since the epoch reach years 1677-2262; a time outside is not an error to
        // trap on (it comes from a query or a file), only not a time.
        let seconds = wallClock - Int64(offsetSeconds)
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (timestamp, overflowAgain) = nanoseconds.addingReportingOverflow(fraction)
        return overflow || overflowAgain ? nil : timestamp
    }

    /// `2026-11-23T08:00:00.000000000Z`; any `Int64` (1677 to 2262) formats without a trap.
    package static func format(_ timestamp: Int64) -> String {
        let (seconds, nanos) = timestamp.flooredDivision(by: 1_000_000_000)
        let (days, secondOfDay) = seconds.flooredDivision(by: 86_400)
        let (year, month, day) = CivilDate.date(days: Int(days))
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(Int64(year), 4))-\(pad(Int64(month), 2))-\(pad(Int64(day), 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))."
            + "\(pad(nanos, 9))Z"
    }
}
