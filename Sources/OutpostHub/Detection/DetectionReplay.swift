import OutpostDetect
import OutpostWire

/// `outpost-hub detect`: a CSV through exactly the detectors ingest uses, one output row per
/// input row, in input order: `timestamp,value,score,anomaly`. `anomaly` is the detector's kind
/// when the score is 0.5 or more, `learning` during the learning period, empty otherwise. The
/// file is read by `CSVTable` (the times, separators and columns `outpost-hub import` takes);
/// rows are scored in file order, so a clock that steps back once is scored as ingest would
/// score it, not refused. An engineer tunes a series' settings with it before switching alerts on.
package enum DetectionReplay {
    /// The whole input refused: every problem, by line.
    package struct Problem: Error, Sendable, CustomStringConvertible {
        /// What is wrong, with the lines.
        package let description: String
    }

    /// Scores `input` with `settings`, reading the value from `column` (see `CSVReadings`);
    /// returns the output text.
    package static func run(
        _ input: [UInt8], settings: DetectorSettings, column: String? = nil, timeZone: LocalTimeZone = .utc
    ) throws(Problem) -> String {
        let table = CSVTable(input, timeZone: timeZone)
        var detector = SeriesDetector(settings: settings)
        var output = "timestamp,value,score,anomaly\n"
        do throws(CSVReadings.ProblemList) {
            let (field, _) = try CSVReadings.fields(of: table, column: column)
            try table.forEachRow(input) { row throws(CSVReadings.Problem) in
                guard field < row.fields.count else {
                    throw CSVReadings.Problem(line: row.line, message: "no value in column '\(table.names[field + 1])'")
                }
                guard let value = table.value(row.fields[field]) else {
                    throw CSVReadings.Problem(
                        line: row.line, message: "'\(row.fields[field].prefix(60))' is not a number")
                }
                let score = detector.score(value, at: row.timestamp)
                let anomaly = score.learning ? "learning" : score.isAnomalous ? score.kind?.rawValue ?? "" : ""
                // The value as read (a decimal comma would split the output's columns).
                let text = row.fields[field].contains(",") ? "\(value)" : row.fields[field]
                output += "\(row.time),\(text),\(formatted(score.value)),\(anomaly)\n"
            }
        } catch {
            throw Problem(description: error.description)
        }
        guard output.utf8.count > 30 else {
            throw Problem(description: "no readings: the file holds no rows after its header")
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
