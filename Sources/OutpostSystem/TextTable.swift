/// Rows of text in columns, two spaces apart, as the command-line tools and the remote
/// diagnostics print them: `render([["point", "value"], ["temperature", "21.5"]])`.
package enum TextTable {
    /// The rows, each column as wide as its widest cell, trailing spaces trimmed, one per line.
    package static func render(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                if column > 0 { line += "  " }
                line += cell + String(repeating: " ", count: max(0, widths[column] - cell.count))
            }
            while line.last == " " { line.removeLast() }
            return line + "\n"
        }.joined()
    }
}
