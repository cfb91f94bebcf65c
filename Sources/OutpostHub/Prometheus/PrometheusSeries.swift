import OutpostWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A stored series as Prometheus sees it: the metric `__name__` is its name with every
/// character Prometheus does not allow made `_` (`room.temperature` → `room_temperature`), and
/// its labels are `gateway`, `series` (the name as it is), `kind` and `unit` (when it has one).
struct PrometheusSeries: Sendable {
    let key: SeriesKey
    let labels: Labels
    let kind: SeriesKind
    let unit: String

    init(_ record: SeriesRecord) {
        key = record.key
        kind = record.kind
        unit = record.unit
        var pairs = [
            ("__name__", Self.metricName(record.key.name)), ("gateway", record.key.gateway),
            ("series", record.key.name), ("kind", record.kind.name),
        ]
        if !record.unit.isEmpty { pairs.append(("unit", record.unit)) }
        labels = Labels(pairs)
    }

    /// `name` as a Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func metricName(_ name: String) -> String {
        var bytes = Array(name.utf8).map { byte -> UInt8 in
            let allowed =
                (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x5F || byte == 0x3A
            return allowed ? byte : 0x5F
        }
        if let first = bytes.first, first >= 0x30, first <= 0x39 { bytes.insert(0x5F, at: 0) }
        return bytes.isEmpty ? "_" : String(decoding: bytes, as: UTF8.self)
    }

    /// A set of labels, sorted by name: a series' identity in an answer.
    struct Labels: Hashable, Comparable, Sendable {
        let pairs: [(name: String, value: String)]

        init(_ pairs: [(String, String)]) {
            self.pairs = pairs.sorted { $0.0 < $1.0 }.map { (name: $0.0, value: $0.1) }
        }

        subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

        /// Without `__name__`: what functions, arithmetic and aggregations give.
        var droppingName: Labels { Labels(pairs.filter { $0.name != "__name__" }.map { ($0.name, $0.value) }) }

        /// Only the labels in `names`: an aggregation's group.
        func keeping(_ names: [String]) -> Labels {
            Labels(pairs.filter { names.contains($0.name) && $0.name != "__name__" }.map { ($0.name, $0.value) })
        }

        var dictionary: [String: String] { Dictionary(pairs.map { ($0.name, $0.value) }) { first, _ in first } }

        /// Label by label, name then value: the order answers list series in.
        static func < (a: Labels, b: Labels) -> Bool {
            for (x, y) in zip(a.pairs, b.pairs) {
                if x.name != y.name { return x.name < y.name }
                if x.value != y.value { return x.value < y.value }
            }
            return a.pairs.count < b.pairs.count
        }

        static func == (a: Labels, b: Labels) -> Bool {
            a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0 == $1 }
        }

        func hash(into hasher: inout Hasher) {
            for pair in pairs {
                hasher.combine(pair.name)
                hasher.combine(pair.value)
            }
        }
    }

    /// A label matcher, its regular expression compiled and anchored as Prometheus's (RE2) are.
    struct Matcher: @unchecked Sendable {
        let matcher: PromQL.Matcher
        let regex: Regex<AnyRegexOutput>?

        init(_ matcher: PromQL.Matcher) throws(PromQLError) {
            self.matcher = matcher
            guard matcher.kind == .matches || matcher.kind == .notMatches else {
                regex = nil
                return
            }
            let pattern = matcher.value
            // Swift's regular expressions backtrack: a nested quantifier could take exponential
            // time on a long label. Such patterns are refused, and patterns kept short.
            guard pattern.utf8.count <= 256 else { throw PromQLError("a regular expression over 256 bytes") }
            if pattern.contains(/\([^)]*[+*][^)]*\)[+*{]/) {
                throw PromQLError("the regular expression '\(pattern)' nests quantifiers, which is not supported")
            }
            do {
                regex = try Regex("^(?:" + pattern + ")$")
            } catch {
                throw PromQLError("'\(pattern)' is not a regular expression this hub reads")
            }
        }

        /// Whether `labels` pass; an absent label is the empty string, as in Prometheus.
        func matches(_ labels: Labels) -> Bool {
            let value = labels[matcher.label] ?? ""
            switch matcher.kind {
            case .equal: return value == matcher.value
            case .notEqual: return value != matcher.value
            case .matches: return regex.map { (try? $0.wholeMatch(in: value)) != nil } ?? false
            case .notMatches: return regex.map { (try? $0.wholeMatch(in: value)) == nil } ?? true
            }
        }
    }
}
