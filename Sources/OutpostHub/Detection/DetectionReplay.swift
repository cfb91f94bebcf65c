import OutpostDetect
import OutpostWire

/// `outpost-hub detect`: a CSV of `timestamp,value` through exactly the detectors ingest uses,
/// one output row per input row, in input order: `timestamp,value,score,anomaly`. `anomaly` is
/// the detector's kind when the score is 0.5 or more, `learning` during the learning period,
/// empty otherwise. An engineer tunes a series' settings with it before switching alerts on.
public enum DetectionReplay {
    /// The whole input refused, or a line of it.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// What is wrong, with the line.
        public let description: String
    }

    /// Scores `input` (header line required) with `settings`; returns the output text.
    public static func run(_ input: [UInt8], settings: DetectorSettings) throws(Problem) -> String {
        var lines = input.split(separator: 0x0A, omittingEmptySubsequences: false).map {
            var line = String(decoding: $0, as: UTF8.self)
            if line.hasSuffix("\r") { line.removeLast() }
            return line
        }
        if lines.last?.isEmpty ?? false { lines.removeLast() }
        guard let header = lines.first, header.split(separator: ",").count >= 2 else {
            throw Problem(description: "line 1: expected a header such as timestamp,value")
        }
        guard CSVReadings.timestamp(String(header.split(separator: ",")[0]).trimmingSpaces) == nil else {
            throw Problem(description: "line 1: the first line must be a header (timestamp,value), not a reading")
        }
        var detector = SeriesDetector(settings: settings)
        var output = "timestamp,value,score,anomaly\n"
        var lastTimestamp = Int64.min
        for (index, line) in lines.enumerated().dropFirst() {
            let number = index + 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
            guard fields.count >= 2, let timestamp = CSVReadings.timestamp(fields[0]) else {
                throw Problem(description: "line \(number): '\(line)' is not timestamp,value (ISO 8601 or Unix seconds)")
            }
            guard let value = CSVReadings.value(fields[1]) else {
                throw Problem(description: "line \(number): '\(fields[1])' is not a number")
            }
            guard timestamp >= lastTimestamp else {
                throw Problem(description: "line \(number): timestamps must not go backwards (\(fields[0]))")
            }
            lastTimestamp = timestamp
            let score = detector.score(value, at: timestamp)
            let anomaly = score.learning ? "learning" : score.isAnomalous ? score.kind?.rawValue ?? "" : ""
            output += "\(fields[0]),\(fields[1]),\(formatted(score.value)),\(anomaly)\n"
        }
        return output
    }

    /// A score with four decimals: `0.0000` to `1.0000`.
    static func formatted(_ score: Double) -> String {
        let scaled = Int((score * 10_000).rounded())
        let whole = scaled / 10_000
        let fraction = String(scaled % 10_000)
        return "\(whole).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
    }
}
