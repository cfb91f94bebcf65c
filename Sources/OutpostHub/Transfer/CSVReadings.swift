import OutpostWire

/// Readings of one series as CSV: `timestamp,value[,quality]`, one per line, as data loggers
/// export them and `outpost-hub export` writes them. Timestamps are RFC 3339 (fractions to the
/// nanosecond) or Unix seconds with an optional fraction; values are decimal numbers, `nan`, `inf`
/// or `-inf`; quality is `good` (the default) or as `Quality` prints it (`bad/5`). A first line
/// that is not a reading is a header and skipped.
public enum CSVReadings {
    /// A line that is not a reading.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// The 1-based line.
        public let line: Int
        /// What is wrong.
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Parses `bytes`; throws every problem found (at most `maxProblems`), so one pass shows what to fix.
    public static func parse(_ bytes: [UInt8], maxProblems: Int = 20) throws(ProblemList) -> [Sample] {
        var samples: [Sample] = []
        var problems: [Problem] = []
        var lineNumber = 0
        for rawLine in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = String(decoding: rawLine, as: UTF8.self)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.trimmingSpaces.isEmpty || line.hasPrefix("#") { continue }
            do throws(Problem) {
                samples.append(try sample(line, line: lineNumber))
            } catch {
                if lineNumber == 1 { continue }  // a header
                problems.append(error)
                if problems.count >= maxProblems { break }
            }
        }
        guard problems.isEmpty else { throw ProblemList(problems: problems) }
        return samples
    }

    /// Several problems.
    public struct ProblemList: Error, Sendable, CustomStringConvertible {
        /// The problems, in line order.
        public let problems: [Problem]
        public var description: String { problems.map(\.description).joined(separator: "\n") }
    }

    static func sample(_ line: String, line number: Int) throws(Problem) -> Sample {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        guard fields.count == 2 || fields.count == 3 else {
            throw Problem(line: number, message: "expected timestamp,value[,quality], found \(fields.count) fields")
        }
        guard let timestamp = timestamp(fields[0]) else {
            throw Problem(
                line: number,
                message: "'\(fields[0])' is not a timestamp; use RFC 3339 (2026-11-23T08:00:00Z) or Unix seconds")
        }
        guard TimeWindow.contains(timestamp) else {
            throw Problem(
                line: number,
                message: "'\(fields[0])' lies outside the times readings can have (\(TimeWindow.text))")
        }
        guard let value = value(fields[1]) else {
            throw Problem(line: number, message: "'\(fields[1])' is not a number")
        }
        var quality = Quality.good
        if fields.count == 3, !fields[2].isEmpty, fields[2] != "good" {
            guard let parsed = Quality(parsing: fields[2]) else {
                throw Problem(line: number, message: "'\(fields[2])' is not a quality; use good, uncertain/N or bad/N")
            }
            quality = parsed
        }
        return Sample(timestamp: timestamp, value: value, quality: quality)
    }

    static func timestamp(_ text: String) -> Int64? {
        if let parsed = TimeArgument.parseRFC3339(text) { return parsed }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = Int64(parts[0]), parts[0].allSatisfy({ $0.isNumber || $0 == "-" }) else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isNumber), let value = Int64(digits) else {
                return nil
            }
            fraction = value
            for _ in digits.count..<9 { fraction *= 10 }
        }
        let (seconds, overflow) = whole.multipliedReportingOverflow(by: 1_000_000_000)
        let negative = whole < 0 || parts[0].hasPrefix("-")
        let (timestamp, overflowAgain) =
            negative ? seconds.subtractingReportingOverflow(fraction) : seconds.addingReportingOverflow(fraction)
        return overflow || overflowAgain ? nil : timestamp
    }

    static func value(_ text: String) -> Double? {
        switch text.lowercased() {
        case "nan": return .nan
        case "inf", "+inf", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: return Double(text)
        }
    }

    /// One line of an export: `timestamp,value,quality`.
    public static func line(_ sample: Sample) -> String {
        let value =
            sample.value.isNaN ? "nan" : sample.value.isInfinite ? (sample.value > 0 ? "inf" : "-inf") : "\(sample.value)"
        return "\(TimeArgument.format(sample.timestamp)),\(value),\(sample.quality == .good ? "good" : "\(sample.quality)")"
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}
