import OutpostWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reads a user's `timestamp,value` CSV into a one-series dataset for `outpost-bench codec --csv`.
///
/// Timestamps are integers in nanoseconds (16 digits or more), or seconds since the Unix epoch
/// (integer or decimal). A first line that does not parse is taken as a header.
public enum CSVSeries {
    /// Why a CSV could not be read: the file, line and problem.
    public struct Problem: Error, CustomStringConvertible {
        /// The message, with file and line.
        public let description: String
    }

    /// Reads `path` as one series.
    public static func load(path: String, resolution: Resolution?) throws -> DatasetSeries {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem(description: "\(path): cannot read: \(error)")
        }
        var timestamps: [Int64] = []
        var values: [Double] = []
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2, let time = parseTimestamp(fields[0]),
                let value = Double(fields[1].trimmingCharacters(in: .whitespaces))
            else {
                if timestamps.isEmpty, index == 0 { continue }
                throw Problem(
                    description: "\(path):\(index + 1): expected 'timestamp,value', found '\(trimmed.prefix(60))'")
            }
            timestamps.append(time)
            values.append(value)
        }
        guard !timestamps.isEmpty else { throw Problem(description: "\(path): no readings") }
        return DatasetSeries(
            name: "csv", unit: "", kind: .gauge, resolution: resolution,
            columns: SampleColumns(timestamps: timestamps, values: values))
    }

    private static func parseTimestamp(_ field: Substring) -> Int64? {
        let text = field.trimmingCharacters(in: .whitespaces)
        if text.count >= 16, let nanoseconds = Int64(text) { return nanoseconds }
        guard let seconds = Double(text), seconds.isFinite, abs(seconds) < 9e9 else { return nil }
        return Int64((seconds * 1e9).rounded())
    }
}
