/// How much a sample can be trusted: a level and a small device- or source-specific code.
///
/// A meter that timed out is recorded as a `bad` sample with an error code rather than silently
/// skipped, so the hub can tell "no data" from "sensor failing". On the wire a quality is ten bits:
/// two for the level, eight for the code.
package struct Quality: Hashable, Sendable {
    /// The trust level of a sample.
    package enum Level: UInt8, Sendable, CaseIterable {
        /// The value was read and is believed correct.
        case good = 0
        /// The value was read but may be wrong (out of range, stale, estimated).
        case uncertain = 1
        /// No usable value: the read failed; the value is usually NaN.
        case bad = 2
    }

    /// The trust level.
    package var level: Level
    /// A source-specific reason code; 0 means none.
    package var code: UInt8

    /// Creates a quality from a level and a code.
    package init(_ level: Level, code: UInt8 = 0) {
        self.level = level
        self.code = code
    }

    /// A good sample with no code.
    package static let good = Quality(.good)

    /// The ten-bit wire representation: level in bits 9-8, code in bits 7-0.
    var wireBits: UInt64 { UInt64(level.rawValue) << 8 | UInt64(code) }

    /// Reads the ten-bit wire representation; nil for the reserved level 3.
    init?(wireBits: UInt64) {
        guard let level = Level(rawValue: UInt8(truncatingIfNeeded: wireBits >> 8)) else { return nil }
        self.init(level, code: UInt8(truncatingIfNeeded: wireBits))
    }
}

extension Quality: CustomStringConvertible {
    /// `good`, `bad/3`, `uncertain/1`: the form used in the JSON rendering.
    package var description: String {
        let name: String
        switch level {
        case .good: name = "good"
        case .uncertain: name = "uncertain"
        case .bad: name = "bad"
        }
        return code == 0 ? name : "\(name)/\(code)"
    }

    /// Parses the form produced by `description`.
    package init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let level: Level
        switch parts[0] {
        case "good": level = .good
        case "uncertain": level = .uncertain
        case "bad": level = .bad
        default: return nil
        }
        var code: UInt8 = 0
        if parts.count == 2 {
            guard let parsed = UInt8(parts[1]), parsed != 0 else { return nil }
            code = parsed
        }
        self.init(level, code: code)
    }
}
