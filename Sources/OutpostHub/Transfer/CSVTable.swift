import OutpostWire

/// The one reader of readings in CSV, for `outpost-hub import`, `outpost-hub detect` and the
/// benchmarks: files as data loggers, spreadsheets and pandas write them.
///
/// - The time is the first column: RFC 3339 (`2026-11-23T08:00:00Z`, any offset), a date and
///   time without a zone (`2014-01-07 02:45:00[.fff]`, read in `timeZone`, UTC by default), or
///   a Unix time whose size says its unit (below 10^11 seconds, with an optional fraction;
///   below 10^14 milliseconds; below 10^17 microseconds; else nanoseconds).
/// - Fields are separated by `,`, `;` or a tab: the first line that is not a comment says which.
///   With `;`, a decimal comma (`93,9`) reads as a decimal point.
/// - A first line whose first field is not a time is a header naming the columns; without
///   one, columns are known by their number (1 is the time).
/// - Empty lines and lines starting with `#` are skipped. Rows are given in file order: a clock
///   that steps back is the file's business, not an error.
package struct CSVTable: Sendable {
    /// Column names: the header's, else "1", "2", ...
    package private(set) var names: [String]
    /// Whether the file has a header.
    package private(set) var hasHeader: Bool
    /// The field separator found.
    package private(set) var separator: UInt8

    /// One row: its line, its time and its fields after the time (index 0 is column 2).
    package struct Row {
        /// The 1-based line.
        package let line: Int
        /// Nanoseconds since 1970, within `TimeWindow`.
        package let timestamp: Int64
        /// The time field as written.
        package let time: Substring
        /// The other fields, trimmed.
        package let fields: [Substring]
    }

    /// The time zone of times written without an offset.
    package let timeZone: LocalTimeZone

    /// Looks at the first line of `bytes` that is not empty or a comment: its separator, and
    /// whether it is a header.
    package init(_ bytes: [UInt8], timeZone: LocalTimeZone = .utc) {
        self.timeZone = timeZone
        for line in Self.lines(bytes) {
            separator = Self.separator(of: line.bytes)
            let fields = Self.fields(line.text, separator)
            hasHeader = Self.parseTime(String(fields[0]), zone: timeZone) == nil
            names = hasHeader ? fields.map { $0.unquoted } : (1...fields.count).map(String.init)
            return
        }
        separator = 0x2C
        hasHeader = false
        names = []
    }

    /// Gives each row to `each` (which throws a `CSVReadings.Problem` for a row it cannot
    /// use); collects every problem, at most `maxProblems`, and throws them all at the end, so
    /// one pass shows what to fix.
    package func forEachRow(
        _ bytes: [UInt8], maxProblems: Int = 20, _ each: (Row) throws(CSVReadings.Problem) -> Void
    ) throws(CSVReadings.ProblemList) {
        var problems: [CSVReadings.Problem] = []
        var first = true
        for line in Self.lines(bytes) {
            if first, hasHeader {
                first = false
                continue
            }
            first = false
            do throws(CSVReadings.Problem) {
                // How many fields a row may have is the reader's to say (`fieldCountProblem`).
                let fields = Self.fields(line.text, separator)
                guard let time = Self.parseTime(String(fields[0]), zone: timeZone) else {
                    throw CSVReadings.Problem(
                        line: line.number,
                        message: "'\(fields[0].prefix(60))' is not a time; use RFC 3339 (2026-11-23T08:00:00Z), "
                            + "YYYY-MM-DD HH:MM:SS (in --timezone, UTC by default) or Unix seconds, ms or ns")
                }
                guard TimeWindow.contains(time) else {
                    throw CSVReadings.Problem(
                        line: line.number,
                        message:
                            "'\(fields[0].prefix(60))' lies outside the times readings can have (\(TimeWindow.text))")
                }
                try each(Row(line: line.number, timestamp: time, time: fields[0], fields: Array(fields.dropFirst())))
            } catch {
                problems.append(error)
                if problems.count >= maxProblems { break }
            }
        }
        guard problems.isEmpty else { throw CSVReadings.ProblemList(problems: problems) }
    }

    /// The lines worth reading: numbered from 1, without `\r`, a byte-order mark, empty lines
    /// or `#` comments.
    private static func lines(_ bytes: [UInt8]) -> some Sequence<(number: Int, bytes: ArraySlice<UInt8>, text: String)>
    {
        bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated().lazy.compactMap { index, raw in
            var line = raw
            if line.last == 0x0D { line = line.dropLast() }
            if index == 0, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
            let text = String(decoding: line, as: UTF8.self)
            if text.trimmingSpaces.isEmpty || text.hasPrefix("#") { return nil }
            return (index + 1, line, text)
        }
    }

    private static func fields(_ text: String, _ separator: UInt8) -> [Substring] {
        text.split(separator: Character(UnicodeScalar(separator)), omittingEmptySubsequences: false)
            .map { Substring(String($0).trimmingSpaces) }
    }

    /// The index in `Row.fields` of the column `name` (a header's name, or a column number from
    /// 2), or nil.
    package func field(named name: String) -> Int? {
        if let index = names.firstIndex(of: name), index > 0 { return index - 1 }
        if let number = Int(name), number >= 2, number <= names.count { return number - 2 }
        return nil
    }

    /// What is wrong with a row of `count` fields (the time included) when at most `allowed`
    /// make sense, or nil.
    package func fieldCountProblem(_ count: Int, allowed: Int) -> String? {
        guard count > allowed else { return nil }
        return "\(count) fields where the \(hasHeader ? "header has" : "first row had") \(names.count)"
    }

    /// The columns a value can be taken from, for messages.
    /// (At most 20, each cut to 40 characters: a header is whatever the file says.)
    package var valueColumns: String {
        let shown = names.dropFirst().prefix(20).map { "'\($0.prefix(40))'" }.joined(separator: ", ")
        return names.count > 21 ? shown + " and \(names.count - 21) more" : shown
    }

    /// A decimal number, `nan`, `inf` or `-inf`; with `;` separators, a decimal comma too.
    package func value(_ text: Substring) -> Double? {
        if separator == 0x3B, text.contains(","), !text.contains(".") {
            return CSVReadings.value(String(text.map { $0 == "," ? "." : $0 }))
        }
        return CSVReadings.value(String(text))
    }

    /// The separator a line uses: `;` or a tab when it has one and no `,` ... in that order.
    static func separator(of line: ArraySlice<UInt8>) -> UInt8 {
        if line.contains(0x3B) { return 0x3B }
        if line.contains(0x09), !line.contains(0x2C) { return 0x09 }
        return 0x2C
    }

    /// A time in any of the accepted forms, or nil.
    package static func parseTime(_ text: String, zone: LocalTimeZone) -> Int64? {
        let trimmed = Substring(text).unquoted
        if let parsed = TimeArgument.parseDateTime(trimmed, local: zone) { return parsed }
        return unixTime(trimmed)
    }

    /// Unix time, its unit from its size (see the type's comment).
    static func unixTime(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = parts[0].hasPrefix("-") ? parts[0].dropFirst() : parts[0]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let whole = Int64(parts[0]) else {
            return nil
        }
        let magnitude = whole.magnitude
        let scale: Int64 =
            magnitude < 100_000_000_000
            ? 1_000_000_000
            : magnitude < 100_000_000_000_000
                ? 1_000_000
                : magnitude < 100_000_000_000_000_000 ? 1_000 : 1
        var fraction: Int64 = 0
        if parts.count == 2 {
            let decimals = parts[1]
            guard scale == 1_000_000_000, !decimals.isEmpty, decimals.count <= 9,
                decimals.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(decimals)
            else { return nil }
            fraction = value
            for _ in decimals.count..<9 { fraction *= 10 }
        }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: scale)
        let (timestamp, overflowAgain) =
            whole < 0 || parts[0].hasPrefix("-")
            ? scaled.subtractingReportingOverflow(fraction) : scaled.addingReportingOverflow(fraction)
        return overflow || overflowAgain ? nil : timestamp
    }
}

extension Substring {
    /// Without the double quotes a spreadsheet puts around a field.
    fileprivate var unquoted: String {
        count >= 2 && first == "\"" && last == "\"" ? String(dropFirst().dropLast()) : String(self)
    }
}
