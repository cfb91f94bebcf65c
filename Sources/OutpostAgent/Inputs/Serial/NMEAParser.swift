/// What one NMEA 0183 sentence says, as readings named after the fields.
package struct NMEAReport: Sendable, Hashable {
    /// The sentence type: `GGA` or `RMC` (the talker, `GP`/`GN`/`GL`/…, is dropped).
    package var sentence: String
    /// Point name → value: `latitude` and `longitude` (degrees, south and west negative),
    /// `fix_quality`, `satellites`, `hdop`, `altitude` (m) from GGA; `valid` (1/0), `speed`
    /// (m/s) and `course` (degrees) from RMC. Empty fields are left out.
    package var values: [String: Double]
}

/// Why a line is not a usable sentence: counted as a bad line, never turned into a reading.
package enum NMEAProblem: Error, Hashable, Sendable {
    /// Not `$…*hh`: garbage, a partial line, another protocol.
    case notASentence
    /// The checksum does not match: corrupted on the wire.
    case badChecksum(expected: UInt8, found: UInt8)
    /// A sentence this parser does not read (GSV, VTG, …); not an error, simply ignored.
    case unsupported(String)
    /// A field that must hold a number does not.
    case malformedField(sentence: String, index: Int)
}

/// Parses NMEA 0183 GGA and RMC sentences (GPS, GLONASS, Galileo and combined talkers).
package enum NMEAParser {
    /// Parses one line (with or without the trailing CR LF).
    package static func parse(_ line: Substring) throws(NMEAProblem) -> NMEAReport {
        var text = line
        while let last = text.last, last.isNewline || last == " " { text = text.dropLast() }
        guard text.first == "$", let star = text.lastIndex(of: "*"), text.distance(from: star, to: text.endIndex) == 3
        else {
            throw .notASentence
        }
        let body = text[text.index(after: text.startIndex)..<star]
        guard let found = UInt8(text[text.index(after: star)...], radix: 16) else { throw .notASentence }
        let expected = body.utf8.reduce(UInt8(0), ^)
        guard expected == found else { throw .badChecksum(expected: expected, found: found) }
        let fields = body.split(separator: ",", omittingEmptySubsequences: false)
        guard let address = fields.first, address.count == 5, address.allSatisfy({ $0.isUppercase || $0.isNumber })
        else {
            throw .notASentence
        }
        let sentence = String(address.suffix(3))
        switch sentence {
        case "GGA": return NMEAReport(sentence: sentence, values: try gga(fields))
        case "RMC": return NMEAReport(sentence: sentence, values: try rmc(fields))
        default: throw .unsupported(sentence)
        }
    }

    private static func gga(_ fields: [Substring]) throws(NMEAProblem) -> [String: Double] {
        guard fields.count >= 10 else { throw .malformedField(sentence: "GGA", index: fields.count) }
        var values: [String: Double] = [:]
        try position(fields, latitude: 2, longitude: 4, into: &values, sentence: "GGA")
        try number(fields, 6, "fix_quality", into: &values, sentence: "GGA")
        try number(fields, 7, "satellites", into: &values, sentence: "GGA")
        try number(fields, 8, "hdop", into: &values, sentence: "GGA")
        try number(fields, 9, "altitude", into: &values, sentence: "GGA")
        return values
    }

    private static func rmc(_ fields: [Substring]) throws(NMEAProblem) -> [String: Double] {
        guard fields.count >= 9 else { throw .malformedField(sentence: "RMC", index: fields.count) }
        var values: [String: Double] = [:]
        switch fields[2] {
        case "A": values["valid"] = 1
        case "V": values["valid"] = 0
        default: throw .malformedField(sentence: "RMC", index: 2)
        }
        try position(fields, latitude: 3, longitude: 5, into: &values, sentence: "RMC")
        try number(fields, 7, "speed", scale: 1852.0 / 3600.0, into: &values, sentence: "RMC")
        try number(fields, 8, "course", into: &values, sentence: "RMC")
        return values
    }

    private static func number(
        _ fields: [Substring], _ index: Int, _ name: String, scale: Double = 1, into values: inout [String: Double],
        sentence: String
    ) throws(NMEAProblem) {
        guard !fields[index].isEmpty else { return }
        guard let value = Double(fields[index]), value.isFinite else {
            throw .malformedField(sentence: sentence, index: index)
        }
        values[name] = value * scale
    }

    /// `ddmm.mmmm,N,dddmm.mmmm,E` → signed decimal degrees.
    private static func position(
        _ fields: [Substring], latitude: Int, longitude: Int, into values: inout [String: Double], sentence: String
    ) throws(NMEAProblem) {
        guard !fields[latitude].isEmpty, !fields[longitude].isEmpty else { return }
        guard let lat = degrees(fields[latitude], degreeDigits: 2), lat <= 90,
            let hemisphere = fields[latitude + 1].first, hemisphere == "N" || hemisphere == "S"
        else { throw .malformedField(sentence: sentence, index: latitude) }
        guard let lon = degrees(fields[longitude], degreeDigits: 3), lon <= 180,
            let side = fields[longitude + 1].first, side == "E" || side == "W"
        else { throw .malformedField(sentence: sentence, index: longitude) }
        values["latitude"] = hemisphere == "S" ? -lat : lat
        values["longitude"] = side == "W" ? -lon : lon
    }

    private static func degrees(_ field: Substring, degreeDigits: Int) -> Double? {
        guard field.count > degreeDigits + 1, field.allSatisfy({ $0 == "." || ("0"..."9").contains($0) }),
            let whole = Double(field.prefix(degreeDigits)),
            let minutes = Double(field.dropFirst(degreeDigits)), minutes < 60, minutes >= 0
        else { return nil }
        return whole + minutes / 60
    }
}
