import Foundation

/// The zone a file's times without an offset were written in (`--timezone`): `UTC` (the
/// default), a fixed offset (`+02:00`, `-0530`) or a zone name from the system's time-zone
/// database (`Europe/Moscow`), whose daylight-saving changes are followed.
package struct LocalTimeZone: Sendable, CustomStringConvertible {
    private let fixed: Int?
    private let zone: TimeZone?
    package let description: String

    /// UTC.
    package static let utc = LocalTimeZone(fixed: 0, zone: nil, description: "UTC")

    private init(fixed: Int?, zone: TimeZone?, description: String) {
        self.fixed = fixed
        self.zone = zone
        self.description = description
    }

    /// Reads a `--timezone` value; nil when it is neither an offset nor a known zone name.
    package init?(_ text: String) {
        if text == "UTC" || text == "Z" || text == "utc" {
            self = .utc
            return
        }
        let bytes = Array(text.utf8)
        if let sign = bytes.first, sign == 0x2B || sign == 0x2D {
            let digits = bytes.dropFirst().filter { $0 != 0x3A }
            guard digits.count == 4 || digits.count == 2, digits.allSatisfy({ (0x30...0x39).contains($0) }),
                bytes.count <= 6
            else { return nil }
            let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            let hours = digits.count == 2 ? value : value / 100
            let minutes = digits.count == 2 ? 0 : value % 100
            guard hours <= 14, minutes < 60 else { return nil }
            let seconds = (hours * 3600 + minutes * 60) * (sign == 0x2D ? -1 : 1)
            self.init(fixed: seconds, zone: nil, description: text)
            return
        }
        guard !text.isEmpty, text.count <= 64, let zone = TimeZone(identifier: text) else { return nil }
        self.init(fixed: nil, zone: zone, description: text)
    }

    /// Seconds east of UTC in force at the wall-clock time `wallClock` (seconds since 1970 as if
    /// it were UTC): the zone's offset at that instant, found in two steps (the second corrects
    /// the first across a daylight-saving change).
    func offset(atWallClock wallClock: Int64) -> Int {
        if let fixed { return fixed }
        guard let zone else { return 0 }
        let first = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wallClock)))
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wallClock - Int64(first))))
    }
}
