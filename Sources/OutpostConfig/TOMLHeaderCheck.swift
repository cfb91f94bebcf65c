/// Finds a table header whose name does not start as a key can (`[(`, `[.a]`, `[#`): toml++
/// 3 (inside TOMLKit) stops the process with an assertion on those instead of reporting them,
/// so they are found before it sees the text. A small lexer: strings, comments and the brackets
/// of values are skipped, so a line of a multi-line array that starts with `[` is no header.
enum TOMLHeaderCheck {
    /// The line and column (1-based) of the first bad header, if any.
    static func badTableHeader(in text: String) -> (line: Int, column: Int)? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var line = 1
        var lineStart = 0
        var depth = 0  // open `[` and `{` of values
        var atLineStart = true
        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }
        func skipToEndOfLine() { while index < scalars.count, scalars[index] != "\n" { index += 1 } }
        /// Skips a string opened at `index` by `quote` (one or three of them).
        func skipString(_ quote: Unicode.Scalar) {
            let triple = peek(1) == quote && peek(2) == quote
            index += triple ? 3 : 1
            while index < scalars.count {
                let scalar = scalars[index]
                if scalar == "\\", quote == "\"" {
                    index += 2
                    continue
                }
                if scalar == "\n" {
                    guard triple else { return }  // an unterminated string: toml++ reports it
                    line += 1
                    lineStart = index + 1
                } else if scalar == quote, !triple || (peek(1) == quote && peek(2) == quote) {
                    index += triple ? 3 : 1
                    return
                }
                index += 1
            }
        }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\n" {
                line += 1
                lineStart = index + 1
                atLineStart = true
                index += 1
                continue
            }
            if atLineStart, scalar == " " || scalar == "\t" || scalar == "\r" {
                index += 1
                continue
            }
            if atLineStart, depth == 0, scalar == "[" {
                var name = index + 1
                if name < scalars.count, scalars[name] == "[" { name += 1 }
                while name < scalars.count, scalars[name] == " " || scalars[name] == "\t" { name += 1 }
                guard name < scalars.count, isKeyStart(scalars[name]) else { return (line, name - lineStart + 1) }
                skipToEndOfLine()
                continue
            }
            atLineStart = false
            switch scalar {
            case "#": skipToEndOfLine()
            case "\"", "'": skipString(scalar)
            case "[", "{":
                depth += 1
                index += 1
            case "]", "}":
                depth = max(0, depth - 1)
                index += 1
            default: index += 1
            }
        }
        return nil
    }

    private static func isKeyStart(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-", "\"", "'": true
        default: false
        }
    }
}
