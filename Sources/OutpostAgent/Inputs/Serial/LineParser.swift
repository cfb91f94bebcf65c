import OutpostWire

/// How the lines of a serial device map to fields.
package enum LineFormat: Sendable, Hashable {
    /// NMEA 0183 (GGA and RMC read; other sentences ignored; bad checksums rejected).
    case nmea
    /// A regular expression whose named groups are the fields: `T=(?<temperature>-?[0-9.]+)`.
    case regex(String)
    /// `key=value` pairs separated by spaces, commas or semicolons: `T=21.5 RH=40`.
    case keyValue(separator: Character)
    /// Delimited columns, named in order; an empty name skips its column: `21.5,40,1013`.
    case columns(delimiter: Character, names: [String])
}

/// Why a line format cannot be used.
package struct LineFormatError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong with the format.
    package let description: String
}

/// What one line said.
package enum LineOutcome: Sendable, Hashable {
    /// Field name → value.
    case values([String: Double])
    /// Nothing to read and nothing wrong (an NMEA sentence this parser does not read).
    case ignored
    /// Not a reading: counted with `code`, logged with `reason`.
    case rejected(code: String, reason: String)
}

/// Turns one line into field values, by a `LineFormat` compiled once.
package struct LineParser: @unchecked Sendable {
    // @unchecked: Regex<AnyRegexOutput> is an immutable compiled program once built; it is only
    // read by `parse`.
    private let format: LineFormat
    private let regex: Regex<AnyRegexOutput>?

    /// Compiles `format`; a regular expression must compile and have at least one named group.
    package init(_ format: LineFormat) throws(LineFormatError) {
        self.format = format
        switch format {
        case .regex(let pattern):
            do {
                regex = try Regex(pattern)
            } catch {
                throw LineFormatError(description: "'\(pattern)' is not a regular expression: \(error)")
            }
            guard pattern.contains("(?<") else {
                throw LineFormatError(
                    description: "'\(pattern)' has no named group; name each field, e.g. (?<temperature>-?[0-9.]+)")
            }
        case .columns(_, let names):
            regex = nil
            guard names.contains(where: { !$0.isEmpty }) else {
                throw LineFormatError(description: "columns need at least one name")
            }
        case .nmea, .keyValue:
            regex = nil
        }
    }

    /// Reads one line (without its end).
    package func parse(_ line: String) -> LineOutcome {
        switch format {
        case .nmea: return nmea(line)
        case .regex: return matchRegex(line)
        case .keyValue(let separator): return keyValues(line, separator: separator)
        case .columns(let delimiter, let names): return columns(line, delimiter: delimiter, names: names)
        }
    }

    private func nmea(_ line: String) -> LineOutcome {
        do throws(NMEAProblem) {
            let report = try NMEAParser.parse(Substring(line))
            return report.values.isEmpty ? .ignored : .values(report.values)
        } catch {
            switch error {
            case .unsupported: return .ignored
            case .badChecksum(let expected, let found):
                return .rejected(code: "bad_checksum", reason: "checksum \(hex(found)), computed \(hex(expected))")
            case .notASentence: return .rejected(code: "garbage", reason: "not an NMEA sentence")
            case .malformedField(let sentence, let index):
                return .rejected(code: "malformed", reason: "\(sentence) field \(index) is malformed")
            }
        }
    }

    private func hex(_ byte: UInt8) -> String { Hex.digits(byte, uppercase: true) }

    private func matchRegex(_ line: String) -> LineOutcome {
        guard let regex, let match = try? regex.firstMatch(in: line) else {
            return .rejected(code: "no_match", reason: "the line does not match the pattern")
        }
        var values: [String: Double] = [:]
        for capture in match.output {
            guard let name = capture.name, let text = capture.substring else { continue }
            guard let value = Double(text.trimmingSpaces), value.isFinite else {
                return .rejected(code: "not_a_number", reason: "field \(name): '\(text)' is not a number")
            }
            values[name] = value
        }
        return values.isEmpty ? .rejected(code: "no_match", reason: "no named group matched") : .values(values)
    }

    private func keyValues(_ line: String, separator: Character) -> LineOutcome {
        var values: [String: Double] = [:]
        for pair in line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0 == "\t" }) {
            let parts = pair.split(separator: separator, maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else { continue }
            // A text field (an id, a status word) is not a series; only numbers are read.
            guard let value = Double(parts[1]), value.isFinite else { continue }
            values[String(parts[0])] = value
        }
        return values.isEmpty ? .rejected(code: "no_fields", reason: "no key\(separator)number pair") : .values(values)
    }

    private func columns(_ line: String, delimiter: Character, names: [String]) -> LineOutcome {
        let fields = line.split(separator: delimiter, omittingEmptySubsequences: false)
        guard fields.count >= names.count else {
            return .rejected(code: "short_line", reason: "\(fields.count) columns, expected \(names.count)")
        }
        var values: [String: Double] = [:]
        for (name, field) in zip(names, fields) where !name.isEmpty {
            guard let value = Double(field.trimmingSpaces), value.isFinite else {
                return .rejected(code: "not_a_number", reason: "column \(name): '\(field)' is not a number")
            }
            values[name] = value
        }
        return .values(values)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
