import ArgumentParser

/// The one check of a number given on the command line: options take negative numbers (`--expect
/// -17.1`, `--latitude -33.9`), so each command says which values make sense, and anything else
/// (a negative count, NaN, a port of 70000) is a usage error naming the option and the range.
package enum OptionRange {
    /// Throws a `ValidationError` when `value` is given and outside `range`.
    package static func check<T: Comparable>(_ value: T?, _ range: ClosedRange<T>, _ option: String) throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError("\(option) \(value) is outside \(range.lowerBound)-\(range.upperBound)")
    }
}
