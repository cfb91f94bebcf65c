/// Splits a PromQL query into tokens: names, numbers, quoted strings, durations (inside `[ ]`),
/// operators and punctuation. Refuses what it cannot read with the offending text.
enum PromQLLexer {
    struct Token: Sendable, Hashable {
        enum Kind: Sendable, Hashable {
            case identifier, number(Double), string(String), duration(Int64), `operator`, punctuation
        }
        var kind: Kind
        var text: String
    }

    /// The most tokens a query may have.
    static let maxTokens = 4_096

    static func tokens(of text: String) throws(PromQLError) -> [Token] {
        let bytes = Array(text.utf8)
        var tokens: [Token] = []
        var index = 0
        var inBrackets = false
        while index < bytes.count {
            guard tokens.count < maxTokens else { throw PromQLError("the query has more than \(maxTokens) tokens") }
            let byte = bytes[index]
            let start = index
            func slice() -> String { String(decoding: bytes[start..<index], as: UTF8.self) }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D:
                index += 1
            case 0x23:  // a comment, to the end of the line
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            case _ where inBrackets && isDigit(byte):
                while index < bytes.count, isDigit(bytes[index]) || isLetter(bytes[index]) { index += 1 }
                guard let nanoseconds = duration(slice()) else {
                    throw PromQLError("'\(slice())' is not a duration (such as 30s, 5m, 1h30m)")
                }
                tokens.append(Token(kind: .duration(nanoseconds), text: slice()))
            case _ where isLetter(byte) || byte == 0x5F || byte == 0x3A:
                while index < bytes.count,
                    isLetter(bytes[index]) || isDigit(bytes[index]) || bytes[index] == 0x5F || bytes[index] == 0x3A
                {
                    index += 1
                }
                let word = slice()
                switch word.lowercased() {
                case "inf": tokens.append(Token(kind: .number(.infinity), text: word))
                case "nan": tokens.append(Token(kind: .number(.nan), text: word))
                default: tokens.append(Token(kind: .identifier, text: word))
                }
            case _ where isDigit(byte) || byte == 0x2E:
                while index < bytes.count,
                    isDigit(bytes[index]) || isLetter(bytes[index]) || bytes[index] == 0x2E
                        || ((bytes[index] == 0x2B || bytes[index] == 0x2D) && (bytes[index - 1] | 0x20) == 0x65)
                {
                    index += 1
                }
                if let nanoseconds = duration(slice()) {  // as after offset
                    tokens.append(Token(kind: .duration(nanoseconds), text: slice()))
                    continue
                }
                guard let value = Double(slice()), !slice().lowercased().hasPrefix("0x") || value.isFinite else {
                    throw PromQLError("'\(slice())' is not a number")
                }
                tokens.append(Token(kind: .number(value), text: slice()))
            case 0x22, 0x27, 0x60:
                let (value, end) = try string(bytes, from: index)
                index = end
                tokens.append(Token(kind: .string(value), text: String(decoding: bytes[start..<end], as: UTF8.self)))
            case 0x28, 0x29, 0x7B, 0x7D, 0x2C, 0x5B, 0x5D, 0x3A:
                index += 1
                if byte == 0x5B { inBrackets = true }
                if byte == 0x5D { inBrackets = false }
                tokens.append(Token(kind: .punctuation, text: slice()))
            default:
                // Operators and matchers: the longest of = == != =~ !~ > >= < <= + - * / % ^ @.
                let two = index + 1 < bytes.count ? String(decoding: bytes[index...(index + 1)], as: UTF8.self) : ""
                if ["==", "!=", "=~", "!~", ">=", "<="].contains(two) {
                    index += 2
                } else if [0x3D, 0x3E, 0x3C, 0x2B, 0x2D, 0x2A, 0x2F, 0x25, 0x5E].contains(byte) {
                    index += 1
                } else if byte == 0x40 {
                    throw PromQLError("the @ modifier is not supported")
                } else {
                    throw PromQLError("unexpected character at byte \(index)")
                }
                tokens.append(Token(kind: .operator, text: slice()))
            }
        }
        return tokens
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    /// A quoted string with Go's escapes (`\"`, `\\`, `\n`, `\t`); backquotes take it raw.
    private static func string(_ bytes: [UInt8], from start: Int) throws(PromQLError) -> (String, Int) {
        let quote = bytes[start]
        var index = start + 1
        var value: [UInt8] = []
        while index < bytes.count, bytes[index] != quote {
            if bytes[index] == 0x5C, quote != 0x60, index + 1 < bytes.count {
                index += 1
                switch bytes[index] {
                case 0x6E: value.append(0x0A)
                case 0x74: value.append(0x09)
                case 0x72: value.append(0x0D)
                default: value.append(bytes[index])
                }
            } else {
                value.append(bytes[index])
            }
            index += 1
        }
        guard index < bytes.count else { throw PromQLError("a string is not closed") }
        return (String(decoding: value, as: UTF8.self), index + 1)
    }

    /// `1h30m`, `5m`, `30s`, `250ms`, `2d`, `1w`, `1y`: Prometheus's durations, in ns; nil when
    /// not one, or beyond a hundred years.
    static func duration(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [
            ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
            ("d", 86_400_000_000_000), ("w", 604_800_000_000_000), ("y", 31_536_000_000_000_000),
        ]
        var rest = Substring(text)
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 12, let amount = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(rest.hasPrefix("ms") && $0.0 == "m") })
            else { return nil }
            rest = rest.dropFirst(unit.0.count)
            let (product, overflow) = amount.multipliedReportingOverflow(by: unit.1)
            guard !overflow else { return nil }
            total = total.addingSaturating(product)
        }
        return total > 0 && total <= 100 * 31_536_000_000_000_000 ? total : nil
    }
}
