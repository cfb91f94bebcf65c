import OutpostAgent
import Testing

@Suite("Cutting serial bytes into lines and lines into fields")
struct LineParsingTests {
    @Test("Lines end at LF, CR or CR LF, may arrive in pieces, and empty lines are skipped")
    func splitting() {
        var splitter = LineSplitter()
        #expect(splitter.feed(Array("a=1\r".utf8)) == ["a=1"])
        #expect(splitter.feed(Array("\nb=".utf8)).isEmpty)
        #expect(splitter.feed(Array("2\nc=3\n\n\r\n".utf8)) == ["b=2", "c=3"])
        #expect(splitter.garbage == 0)
    }

    @Test("Bytes that are not UTF-8, NULs and over-long runs are garbage, counted and dropped")
    func garbage() {
        var splitter = LineSplitter(maximumLength: 16)
        #expect(splitter.feed([0xFF, 0xFE, 0x41, 0x0A]).isEmpty)
        #expect(splitter.feed([0x41, 0x00, 0x42, 0x0A]).isEmpty)
        #expect(splitter.feed(Array(String(repeating: "z", count: 40).utf8)).isEmpty)
        #expect(splitter.feed(Array("zz\nok=1\n".utf8)) == ["ok=1"])
        #expect(splitter.garbage == 3)
    }

    @Test("A regular expression's named groups are the fields")
    func regex() throws {
        let parser = try LineParser(.regex(#"^TEMP (?<temperature>-?[0-9.]+)C HUM (?<humidity>[0-9.]+)%"#))
        #expect(parser.parse("TEMP -4.5C HUM 81%") == .values(["temperature": -4.5, "humidity": 81]))
        guard case .rejected(let code, _) = parser.parse("PRESSURE 1013") else {
            Issue.record("a line that does not match was accepted")
            return
        }
        #expect(code == "no_match")
    }

    @Test("Patterns that cannot work are refused when the source is made")
    func badPatterns() {
        #expect(throws: LineFormatError.self) { try LineParser(.regex("T=([0-9")) }
        #expect(throws: LineFormatError.self) { try LineParser(.regex("T=([0-9]+)")) }
        #expect(throws: LineFormatError.self) { try LineParser(.columns(delimiter: ",", names: ["", ""])) }
    }

    @Test("key=value keeps the numbers and leaves text fields out")
    func keyValue() throws {
        let parser = try LineParser(.keyValue(separator: "="))
        #expect(parser.parse("id=AB12 T=21.5, RH=40;P=1013.2") == .values(["T": 21.5, "RH": 40, "P": 1013.2]))
        #expect(parser.parse("status=ok") == .rejected(code: "no_fields", reason: "no key=number pair"))
        let colon = try LineParser(.keyValue(separator: ":"))
        #expect(colon.parse("wind:3.5 gust:7") == .values(["wind": 3.5, "gust": 7]))
    }

    @Test("Columns are named in order, empty names skip, short lines and text are refused")
    func columns() throws {
        let parser = try LineParser(.columns(delimiter: ";", names: ["level", "", "flow"]))
        #expect(parser.parse("1.25; OK ;7") == .values(["level": 1.25, "flow": 7]))
        #expect(parser.parse("1.25;OK") == .rejected(code: "short_line", reason: "2 columns, expected 3"))
        guard case .rejected(let code, let reason) = parser.parse("x;OK;7") else {
            Issue.record("text in a numeric column was accepted")
            return
        }
        #expect(code == "not_a_number")
        #expect(reason.contains("level"))
    }

    @Test("NMEA: readings, ignored sentences, and corrupt ones refused with their reason")
    func nmea() throws {
        let parser = try LineParser(.nmea)
        guard
            case .values(let values) = parser.parse("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47")
        else {
            Issue.record("a valid GGA was not read")
            return
        }
        #expect(values["satellites"] == 8)
        #expect(parser.parse("$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74") == .ignored)
        guard
            case .rejected(let code, _) = parser.parse(
                "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48")
        else {
            Issue.record("a bad checksum was accepted")
            return
        }
        #expect(code == "bad_checksum")
    }
}
