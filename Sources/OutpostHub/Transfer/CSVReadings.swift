import OutpostWire

/// Readings of one series as CSV: `timestamp,value[,quality]`, one per line, as data loggers
/// export them and `outpost-hub export` writes them; read by `CSVTable`, so every time form and
/// separator it takes is taken here. Values are decimal numbers, `nan`, `inf` or `-inf`; quality
/// is `good` (the default) or as `Quality` prints it (`bad/5`). In a file of several columns,
/// `column` names the one to read (default: the one named `value`, else the second); a column
/// named `quality` (or a third of three, without a header) gives the quality.
package enum CSVReadings {
    /// A line that is not a reading.
    package struct Problem: Error, Sendable, CustomStringConvertible {
        /// The 1-based line.
        package let line: Int
        /// What is wrong.
        package let message: String
        package var description: String { "line \(line): \(message)" }

        /// A problem with line `line`.
        package init(line: Int, message: String) {
            self.line = line
            self.message = message
        }
    }

    /// Parses `bytes`; throws every problem found (at most `maxProblems`), so one pass shows what to fix.
    package static func parse(
        _ bytes: [UInt8], column: String? = nil, timeZone: LocalTimeZone = .utc, maxProblems: Int = 20
    ) throws(ProblemList) -> [Sample] {
        let table = CSVTable(bytes, timeZone: timeZone)
        let (valueField, qualityField) = try fields(of: table, column: column)
        var samples: [Sample] = []
        // time,value may be followed by a quality on any row, as `export` writes it.
        let allowed = max(table.names.count, table.names.count == 2 ? 3 : 0)
        try table.forEachRow(bytes, maxProblems: maxProblems) { row throws(Problem) in
            if let problem = table.fieldCountProblem(row.fields.count + 1, allowed: allowed) {
                throw Problem(line: row.line, message: problem)
            }
            guard valueField < row.fields.count else {
                throw Problem(line: row.line, message: "no value: the row has only its time")
            }
            guard let value = table.value(row.fields[valueField]) else {
                throw Problem(line: row.line, message: "'\(row.fields[valueField].prefix(60))' is not a number")
            }
            var quality = Quality.good
            let qualityField = qualityField ?? (table.names.count == 2 && row.fields.count == 2 ? 1 : nil)
            if let qualityField, qualityField < row.fields.count, !row.fields[qualityField].isEmpty,
                row.fields[qualityField] != "good"
            {
                guard let parsed = Quality(parsing: String(row.fields[qualityField])) else {
                    throw Problem(
                        line: row.line,
                        message:
                            "'\(row.fields[qualityField].prefix(60))' is not a quality; use good, uncertain/N or bad/N")
                }
                quality = parsed
            }
            samples.append(Sample(timestamp: row.timestamp, value: value, quality: quality))
        }
        return samples
    }

    /// Which fields hold the value and the quality.
    static func fields(of table: CSVTable, column: String?) throws(ProblemList) -> (Int, Int?) {
        let line = table.hasHeader ? 1 : 0
        guard table.names.count >= 2 else {
            if table.names.isEmpty { return (0, nil) }
            throw ProblemList(problems: [
                Problem(line: max(line, 1), message: "expected a time and a value, found one field")
            ])
        }
        if let column {
            guard let index = table.field(named: column) else {
                throw ProblemList(problems: [
                    Problem(
                        line: max(line, 1),
                        message: "no column '\(column.prefix(60))'; the file has \(table.valueColumns)")
                ])
            }
            return (index, nil)
        }
        if table.hasHeader, let value = table.field(named: "value") {
            return (value, table.field(named: "quality"))
        }
        // time,value; or, without a header, time,value,quality as `export` writes it.
        if table.names.count == 2 || (table.names.count == 3 && !table.hasHeader) {
            return (0, table.names.count == 3 ? 1 : nil)
        }
        throw ProblemList(problems: [
            Problem(
                line: max(line, 1),
                message: "the file has several columns (\(table.valueColumns)): choose one with --column")
        ])
    }

    /// Several problems.
    package struct ProblemList: Error, Sendable, CustomStringConvertible {
        /// The problems, in line order.
        package let problems: [Problem]
        package var description: String { problems.map(\.description).joined(separator: "\n") }
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
    package static func line(_ sample: Sample) -> String {
        let value =
            sample.value.isNaN
            ? "nan" : sample.value.isInfinite ? (sample.value > 0 ? "inf" : "-inf") : "\(sample.value)"
        return
            "\(TimeArgument.format(sample.timestamp)),\(value),\(sample.quality == .good ? "good" : "\(sample.quality)")"
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
