/// A series name or glob from a configuration file: `meter-*.voltage_*`, `gps.?`, `pump.current`.
/// `*` stands for any run of characters, `?` for one.
package struct SeriesPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    package let pattern: String

    /// Creates a pattern.
    package init(_ pattern: String) { self.pattern = pattern }

    package var description: String { pattern }

    /// Whether `series` matches.
    package func matches(_ series: String) -> Bool {
        Self.glob(Array(pattern.utf8)[...], Array(series.utf8)[...])
    }

    private static func glob(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var p = pattern.startIndex
        var t = text.startIndex
        var star: (p: Int, t: Int)?
        while t < text.endIndex {
            if p < pattern.endIndex, pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") {
                star = (p, t)
                p += 1
            } else if let last = star {
                p = last.p + 1
                t = last.t + 1
                star = (last.p, last.t + 1)
            } else {
                return false
            }
        }
        while p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.endIndex
    }
}
