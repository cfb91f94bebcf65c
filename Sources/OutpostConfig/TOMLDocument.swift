import TOMLKit

/// A parsed TOML file whose values are read with errors that name the file, line and key.
///
/// Not `Sendable` (TOMLKit's tables are classes): read what you need into plain structs during
/// loading, then let it go.
package final class TOMLDocument {
    /// The file name used in messages.
    package let file: String
    let root: TOMLTable
    let locator: TOMLLocator

    /// Parses `text`; a syntax error names the line and column.
    package init(text: String, file: String) throws(ConfigError) {
        self.file = file
        // TOML allows no control character but tab (and CR LF line ends); toml++ asserts on some
        // of them instead of reporting them, so they are found here first.
        if let (line, column, scalar) = Self.controlCharacter(in: text) {
            let code = String(scalar.value, radix: 16, uppercase: true)
            let what =
                scalar == "\u{FFFD}"
                ? "bytes that are not UTF-8"
                : "control character U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code)"
            throw ConfigError(
                file: file, line: line, path: "",
                message: "\(what) at column \(column): the file is damaged or not text")
        }
        if let (line, column) = TOMLHeaderCheck.badTableHeader(in: text) {
            throw ConfigError(
                file: file, line: line, path: "",
                message:
                    "not valid TOML (column \(column)): a table header starts with a name: letters, digits, _ or -, or a quoted name"
            )
        }
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: file, line: error.source.begin.line, path: "",
                message: "not valid TOML (column \(error.source.begin.column)): \(error.description)")
        } catch {
            throw ConfigError(file: file, line: nil, path: "", message: "not valid TOML: \(error)")
        }
        locator = TOMLLocator(text)
    }

    /// The line and column (1-based) of the first control character other than tab, CR and LF,
    /// or of U+FFFD, which reading stands in for bytes that are not UTF-8 (and toml++ asserts
    /// on in a key).
    static func controlCharacter(in text: String) -> (Int, Int, Unicode.Scalar)? {
        var line = 1
        var column = 0
        for scalar in text.unicodeScalars {
            column += 1
            if scalar == "\n" {
                line += 1
                column = 0
            } else if (scalar.value < 0x20 && scalar != "\t" && scalar != "\r") || scalar.value == 0x7F
                || scalar == "\u{FFFD}"
            {
                return (line, column, scalar)
            }
        }
        return nil
    }

    /// The top-level table.
    package var top: TOMLSection { TOMLSection(document: self, table: root, path: "") }

    func error(_ path: String, _ message: String) -> ConfigError {
        ConfigError(file: file, line: locator.line(of: path), path: path, message: message)
    }
}

/// One table of a `TOMLDocument`, with typed accessors that throw `ConfigError`.
package struct TOMLSection {
    let document: TOMLDocument
    let table: TOMLTable
    /// The key path of this table: `points[2]`.
    package let path: String

    /// The path of `key` in this table.
    package func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error located at `key` of this table.
    package func error(_ key: String, _ message: String) -> ConfigError { document.error(path(key), message) }

    /// An error located at this table.
    package func error(_ message: String) -> ConfigError { document.error(path, message) }

    /// The keys present.
    package var keys: [String] { table.keys }

    /// Whether `key` is present.
    package func has(_ key: String) -> Bool { table[key] != nil }

    /// Refuses keys outside `allowed`, suggesting the closest allowed one (typos are the most
    /// common configuration mistake, and an ignored misspelt key is a silent wrong setting).
    package func rejectUnknownKeys(_ allowed: Set<String>) throws(ConfigError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            let suggestion = allowed.min { editDistance(key, $0) < editDistance(key, $1) }
            let hint = suggestion.map { editDistance(key, $0) <= 3 ? " (did you mean '\($0)'?)" : "" } ?? ""
            throw error(key, "unknown key '\(key)'\(hint); allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// A string; nil when absent.
    package func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw error(key, "expected a string, found \(describe(value))") }
        return text
    }

    /// A string or an integer, as text (header pins are `11` on one board and `P8_12` on another).
    package func stringOrInteger(_ key: String) throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        if let text = value.string { return text }
        if let number = value.int { return String(number) }
        throw error(key, "expected a string or an integer, found \(describe(value))")
    }

    /// A string that must be present.
    package func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let text = try string(key) else { throw error(key, "missing; '\(key)' is required") }
        return text
    }

    /// An integer; nil when absent.
    package func int(_ key: String) throws(ConfigError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int else { throw error(key, "expected an integer, found \(describe(value))") }
        return number
    }

    /// An integer that must be present.
    package func requiredInt(_ key: String) throws(ConfigError) -> Int {
        guard let number = try int(key) else { throw error(key, "missing; '\(key)' is required") }
        return number
    }

    /// A number (integer or float); nil when absent.
    package func double(_ key: String) throws(ConfigError) -> Double? {
        guard let value = table[key] else { return nil }
        if let number = value.double { return number }
        if let number = value.int { return Double(number) }
        throw error(key, "expected a number, found \(describe(value))")
    }

    /// A boolean; nil when absent.
    package func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.bool else { throw error(key, "expected true or false, found \(describe(value))") }
        return flag
    }

    /// A sub-table; nil when absent.
    package func section(_ key: String) throws(ConfigError) -> TOMLSection? {
        guard let value = table[key] else { return nil }
        guard let sub = value.table else { throw error(key, "expected a table, found \(describe(value))") }
        return TOMLSection(document: document, table: sub, path: path(key))
    }

    /// An array of tables (`[[key]]`); empty when absent.
    package func sections(_ key: String) throws(ConfigError) -> [TOMLSection] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else {
            throw error(key, "expected an array of tables ([[\(key)]]), found \(describe(value))")
        }
        var result: [TOMLSection] = []
        for index in 0..<array.count {
            guard let sub = array[index].table else {
                throw document.error("\(path(key))[\(index)]", "expected a table")
            }
            result.append(TOMLSection(document: document, table: sub, path: "\(path(key))[\(index)]"))
        }
        return result
    }

    /// An array of integers; nil when absent.
    package func ints(_ key: String) throws(ConfigError) -> [Int]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else {
            throw error(key, "expected an array of integers, found \(describe(value))")
        }
        var result: [Int] = []
        for index in 0..<array.count {
            guard let number = array[index].int else {
                throw document.error("\(path(key))[\(index)]", "expected an integer")
            }
            result.append(number)
        }
        return result
    }

    /// An array of strings; nil when absent.
    package func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = table[key] else { return nil }
        guard let array = value.array else {
            throw error(key, "expected an array of strings, found \(describe(value))")
        }
        var result: [String] = []
        for index in 0..<array.count {
            guard let text = array[index].string else {
                throw document.error("\(path(key))[\(index)]", "expected a string")
            }
            result.append(text)
        }
        return result
    }

    private func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: "the string \"\(value.string?.prefix(40) ?? "")\""
        case .int: "the integer \(value.int ?? 0)"
        case .double: "the number \(value.double ?? 0)"
        case .bool: "\(value.bool ?? false)"
        case .table: "a table"
        case .array: "an array"
        default: "a date or time"
        }
    }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in stride(from: 1, through: b.count, by: 1) {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
