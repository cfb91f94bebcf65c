/// A configuration or profile problem, saying what and where: file, line and key path.
///
/// Rendered as `agent.toml: line 14, modbus[2].interval: '5 sec' is not a duration; use e.g. "5s"`.
package struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file, as given.
    package let file: String
    /// The 1-based line, when known.
    package let line: Int?
    /// The key path: `points[3].address`.
    package let path: String
    /// What is wrong and, where possible, what to write instead.
    package let message: String

    /// Creates an error.
    package init(file: String, line: Int?, path: String, message: String) {
        self.file = file
        self.line = line
        self.path = path
        self.message = message
    }

    package var description: String {
        var text = file
        if let line { text += ": line \(line)" }
        if !path.isEmpty { text += line == nil ? ": \(path)" : ", \(path)" }
        return text + ": " + message
    }
}
