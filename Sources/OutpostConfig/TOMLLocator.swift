/// Finds the line a key path was written on, so errors found after parsing can name it.
///
/// TOMLKit reports positions only for syntax errors; this scans the text the way TOML is laid
/// out (`[table]`, `[[array.of.tables]]`, `key = value`, dotted and quoted keys) and records the
/// first line of every path it sees: `points[2].address` → 31.
struct TOMLLocator {
    private var lines: [String: Int] = [:]

    init(_ text: String) {
        var current = ""
        var arrayCounts: [String: Int] = [:]
        var lineNumber = 0
        var insideMultilineString = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingWhitespace()
            if insideMultilineString {
                if line.contains("\"\"\"") || line.contains("'''") { insideMultilineString = false }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[[") {
                let name = Self.key(line.dropFirst(2).prefix { $0 != "]" })
                let index = arrayCounts[name, default: 0]
                arrayCounts[name] = index + 1
                current = "\(name)[\(index)]"
                record(current, lineNumber)
            } else if line.hasPrefix("[") {
                current = Self.key(line.dropFirst().prefix { $0 != "]" })
                record(current, lineNumber)
            } else if let equals = line.firstIndex(of: "=") {
                let key = Self.key(line[..<equals])
                record(current.isEmpty ? key : "\(current).\(key)", lineNumber)
                let value = line[line.index(after: equals)...]
                let triple = value.components(of: "\"\"\"") + value.components(of: "'''")
                if triple % 2 == 1 { insideMultilineString = true }
            }
        }
    }

    private mutating func record(_ path: String, _ line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    /// Normalises a key as written (`"quoted".plain . x`) to a dotted path.
    private static func key(_ raw: Substring) -> String {
        raw.split(separator: ".").map { part in
            var text = part.trimmingWhitespace()
            if text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first {
                text = String(text.dropFirst().dropLast())
            }
            return text
        }.joined(separator: ".")
    }

    /// The line of `path`, or of its nearest written parent.
    func line(of path: String) -> Int? {
        var candidate = path
        while !candidate.isEmpty {
            if let line = lines[candidate] { return line }
            guard let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            candidate = String(candidate[..<cut])
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let characters = Array(self)
        guard let first = characters.firstIndex(where: { !$0.isWhitespace }),
            let last = characters.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(characters[first...last])
    }

    func components(of needle: String) -> Int {
        var count = 0
        var rest = self[...]
        while let range = rest.firstRange(of: needle) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }
}
