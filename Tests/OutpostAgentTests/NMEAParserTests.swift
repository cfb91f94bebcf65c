import OutpostAgent
import Testing

@Suite("NMEA 0183")
struct NMEAParserTests {
    @Test("GGA from the NMEA reference example")
    func gga() throws {
        let report = try NMEAParser.parse("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n")
        #expect(report.sentence == "GGA")
        #expect(abs((report.values["latitude"] ?? 0) - 48.1173) < 1e-9)
        #expect(abs((report.values["longitude"] ?? 0) - 11.516_666_666_666_667) < 1e-9)
        #expect(report.values["fix_quality"] == 1 && report.values["satellites"] == 8)
        #expect(report.values["hdop"] == 0.9 && report.values["altitude"] == 545.4)
    }

    @Test("RMC: validity, speed in m/s, course")
    func rmc() throws {
        let report = try NMEAParser.parse("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A")
        #expect(report.values["valid"] == 1)
        #expect(abs((report.values["speed"] ?? 0) - 22.4 * 1852 / 3600) < 1e-9)
        #expect(report.values["course"] == 84.4)
    }

    @Test("Multi-constellation talkers (u-blox receivers), western hemisphere, empty course")
    func combinedTalker() throws {
        let fix = try NMEAParser.parse("$GNGGA,001043.00,4404.14036,N,12118.85961,W,1,12,0.98,1113.0,M,-21.3,M,,*47")
        #expect((fix.values["longitude"] ?? 0) < -121)
        let motion = try NMEAParser.parse("$GNRMC,001031.00,A,4404.13993,N,12118.86023,W,0.146,,100117,,,A*7B")
        #expect(motion.values["course"] == nil && motion.values["speed"] != nil)
    }

    @Test("No fix yet: fix quality 0 and no position")
    func noFix() throws {
        let report = try NMEAParser.parse("$GPGGA,002153.000,3342.6618,N,11751.3858,W,0,00,,,M,,M,,*5E")
        #expect(report.values["fix_quality"] == 0 && report.values["satellites"] == 0 && report.values["hdop"] == nil)
    }

    @Test("Corrupt, partial and foreign lines are refused, never read")
    func corrupt() {
        #expect(throws: NMEAProblem.badChecksum(expected: 0x47, found: 0x48)) {
            try NMEAParser.parse("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48")
        }
        // One character changed in transit.
        #expect(throws: NMEAProblem.self) {
            try NMEAParser.parse("$GPGGA,123519,4807.038,N,01131.000,E,1,09,0.9,545.4,M,46.9,M,,*47")
        }
        for garbage in ["", "$GPGGA,123519,4807.0", "\u{00}\u{FF}garbage", "$*00", "GPGGA,1*47", "$GPGGA,1*4"] {
            #expect(throws: NMEAProblem.self, "\(garbage)") { try NMEAParser.parse(Substring(garbage)) }
        }
        #expect(throws: NMEAProblem.unsupported("GSV")) { try NMEAParser.parse("$GPGSV,1,1,00*79") }
    }
}
