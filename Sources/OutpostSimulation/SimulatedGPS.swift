import OutpostWire

/// A GPS receiver driving a loop: GGA and RMC sentences of a moving position, now and then a
/// corrupt one (a flipped character under an unchanged checksum, a line cut short, line noise),
/// as field wiring produces them. Pure and deterministic for a seed: the track and the faults are
/// functions of the seed and the sentence number.
package struct SimulatedGPS: Sendable {
    /// Where the loop is centred, in degrees.
    package var centre: (latitude: Double, longitude: Double)
    /// The loop's radius in metres.
    package var radius: Double
    /// The speed in metres per second.
    package var speed: Double
    /// On average one sentence in this many is damaged; 0 for none.
    package var corruptOneIn: Int
    /// The seed.
    package let seed: UInt64

    /// Creates a receiver circling `centre`.
    package init(
        seed: UInt64 = 1, centre: (latitude: Double, longitude: Double) = (46.947_9, 7.447_4), radius: Double = 500,
        speed: Double = 12, corruptOneIn: Int = 20
    ) {
        self.seed = seed
        self.centre = centre
        self.radius = radius
        self.speed = speed
        self.corruptOneIn = corruptOneIn
    }

    /// The true position and course (degrees) at `elapsed` seconds.
    package func position(at elapsed: Double) -> (latitude: Double, longitude: Double, course: Double) {
        let angle = elapsed * speed / radius
        let north = radius * sin(angle)
        let east = radius * cos(angle)
        let latitude = centre.latitude + north / 111_320
        let longitude = centre.longitude + east / (111_320 * cos(centre.latitude * .pi / 180))
        // Moving counter-clockwise: heading is the angle plus a quarter turn, as a compass bearing.
        var course = (90 - (angle * 180 / .pi + 90)).truncatingRemainder(dividingBy: 360)
        if course < 0 { course += 360 }
        return (latitude, longitude, course)
    }

    /// The two sentences (GGA then RMC, each ending CR LF) of fix number `index`, taken
    /// `elapsed` seconds after start at wall time `unixTime`; one may be damaged.
    package func sentences(index: UInt64, elapsed: Double, unixTime: Double) -> [UInt8] {
        let fix = position(at: elapsed)
        let clock = Self.utc(unixTime)
        let latitude = Self.angle(fix.latitude, degreeDigits: 2, positive: "N", negative: "S")
        let longitude = Self.angle(fix.longitude, degreeDigits: 3, positive: "E", negative: "W")
        let satellites = 7 + Int(mix(index, 1) % 5)
        let hdop = 0.8 + Double(mix(index, 2) % 8) / 10
        let altitude = 540 + Double(mix(index, 3) % 40) / 10
        let knots = speed * 3600 / 1852
        let course = (fix.course * 10).rounded() >= 3600 ? 0 : fix.course
        let gga =
            "GPGGA,\(clock.time),\(latitude),\(longitude),1,\(Self.pad(satellites, 2)),\(Self.fixed(hdop, 1)),"
            + "\(Self.fixed(altitude, 1)),M,47.3,M,,"
        let rmc =
            "GPRMC,\(clock.time),A,\(latitude),\(longitude),\(Self.fixed(knots, 1)),\(Self.fixed(course, 1)),\(clock.date),,,A"
        var bytes = Self.sentence(gga) + Self.sentence(rmc)
        guard corruptOneIn > 0, mix(index, 4) % UInt64(corruptOneIn) == 0 else { return bytes }
        switch mix(index, 5) % 3 {
        case 0:  // A flipped character; the checksum no longer matches.
            let at = 8 + Int(mix(index, 6) % 20)
            bytes[at] = bytes[at] == UInt8(ascii: "5") ? UInt8(ascii: "6") : UInt8(ascii: "5")
        case 1:  // The first sentence cut short (a dropped tail), the second intact.
            let cut = Self.sentence(gga).count / 2
            bytes.removeSubrange(cut..<(Self.sentence(gga).count - 2))
        default:  // Line noise between the sentences.
            bytes.insert(contentsOf: [0xFF, 0x00, 0x13, 0xFE, 0x7F], at: Self.sentence(gga).count)
        }
        return bytes
    }

    /// `$BODY*HH\r\n` with the XOR checksum of BODY.
    package static func sentence(_ body: String) -> [UInt8] {
        let checksum = body.utf8.reduce(UInt8(0), ^)
        return Array("$\(body)*\(hex(checksum))\r\n".utf8)
    }

    private func mix(_ index: UInt64, _ salt: UInt64) -> UInt64 {
        var x = seed &* 0x9E37_79B9_7F4A_7C15 &+ index &* 0xBF58_476D_1CE4_E5B9 &+ salt &* 0x94D0_49BB_1331_11EB
        x ^= x >> 31
        x = x &* 0xD6E8_FEB8_6659_FD93
        x ^= x >> 32
        return x
    }

    private static func hex(_ byte: UInt8) -> String { Hex.digits(byte, uppercase: true) }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// A non-negative number with `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int((abs(value) * scale).rounded())
        let whole = String(scaled / Int(scale))
        guard digits > 0 else { return (value < 0 ? "-" : "") + whole }
        return (value < 0 ? "-" : "") + whole + "." + pad(scaled % Int(scale), digits)
    }

    /// `ddmm.mmmm,N` (or `dddmm.mmmm,E`).
    private static func angle(_ degrees: Double, degreeDigits: Int, positive: String, negative: String) -> String {
        let magnitude = abs(degrees)
        var whole = Int(magnitude)
        var minutes = ((magnitude - Double(whole)) * 60 * 10_000).rounded() / 10_000
        if minutes >= 60 {
            whole += 1
            minutes -= 60
        }
        let minuteText = fixed(minutes, 4)
        return pad(whole, degreeDigits) + (minutes < 10 ? "0" : "") + minuteText + ","
            + (degrees < 0 ? negative : positive)
    }

    /// `hhmmss.ss` and `ddmmyy` in UTC.
    private static func utc(_ unixTime: Double) -> (time: String, date: String) {
        let seconds = Int(unixTime.rounded(.down))
        let centiseconds = Int((unixTime - Double(seconds)) * 100)
        let day = seconds / 86_400
        let inDay = seconds % 86_400
        let (year, month, dayOfMonth) = CivilDate.date(days: day)
        let time = pad(inDay / 3600, 2) + pad(inDay / 60 % 60, 2) + pad(inDay % 60, 2) + "." + pad(centiseconds, 2)
        return (time, pad(dayOfMonth, 2) + pad(month, 2) + pad(year % 100, 2))
    }
}

#if canImport(Glibc)
    import Glibc
#endif
