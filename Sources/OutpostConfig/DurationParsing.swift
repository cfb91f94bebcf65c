/// Parses durations written as configuration values: `500ms`, `5s`, `1.5s`, `2m`, `1h`, `1d`,
/// or combinations such as `1m30s`. A bare number is refused: the unit must be explicit.
package func parseDuration(_ text: String) -> Duration? {
    let units: [(String, Double)] = [
        ("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400),
    ]
    var rest = Substring(text.trimmingWhitespace())
    guard !rest.isEmpty else { return nil }
    var total = 0.0
    while !rest.isEmpty {
        let number = rest.prefix { $0.isNumber || $0 == "." }
        guard !number.isEmpty, let value = Double(number) else { return nil }
        rest = rest.dropFirst(number.count)
        guard let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
        rest = rest.dropFirst(unit.count)
        total += value * scale
    }
    // Durations are kept in Int64 nanoseconds: up to about 292 years. 9e9 s (285 years) is
    // beyond any retention or query; above it, not a duration rather than a trap.
    guard total.isFinite, total < 9e9 else { return nil }
    return .nanoseconds(Int64((total * 1e9).rounded()))
}

extension TOMLSection {
    /// A duration such as `"5s"`; nil when absent.
    package func duration(_ key: String) throws(ConfigError) -> Duration? {
        guard let text = try string(key) else {
            if has(key) { throw error(key, "expected a duration in quotes, e.g. \"5s\"") }
            return nil
        }
        guard let duration = parseDuration(text) else {
            throw error(key, "'\(text)' is not a duration; use e.g. \"5s\", \"500ms\", \"2m\"")
        }
        return duration
    }
}

extension Duration {
    /// The shortest configuration form that `parseDuration` reads back: `50ms`, `10s`, `2m`, `1h30m`.
    package var configurationText: String {
        let (seconds, attoseconds) = components
        if attoseconds != 0 || seconds == 0 {
            let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
            if milliseconds == milliseconds.rounded() { return "\(Int64(milliseconds))ms" }
            return "\(Double(seconds) + Double(attoseconds) / 1e18)s"
        }
        var rest = seconds
        var text = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating at `Int64.max`.
    package var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}
