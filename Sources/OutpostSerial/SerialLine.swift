/// How a serial port is set up: device, speed and framing. Parsed once from
/// `?baud=9600&parity=N&data=8&stop=1&rs485=true` (a URL's query or a config's fields).
package struct SerialLine: Hashable, Sendable, CustomStringConvertible {
    /// The device path, e.g. `/dev/ttyUSB0` or a stable `/dev/serial/by-id/…` link.
    package var device: String
    /// Bits per second. Default 9600.
    package var baud: Int
    /// `N`, `E` or `O`. Default `N`.
    package var parity: Character
    /// 7 or 8. Default 8.
    package var dataBits: Int
    /// 1 or 2. Default 1.
    package var stopBits: Int
    /// Switch the port to RS-485 mode (where the driver supports it; fails soft otherwise).
    package var rs485: Bool

    /// The baud rates this build can set (termios constants exist for each).
    package static let baudRates = [1200, 2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200, 230_400]

    /// Creates settings with the usual defaults (9600 8N1).
    package init(
        device: String, baud: Int = 9600, parity: Character = "N", dataBits: Int = 8, stopBits: Int = 1,
        rs485: Bool = false
    ) {
        self.device = device
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
        self.rs485 = rs485
    }

    /// Sets one option by name (`baud`, `parity`, `data`, `stop`, `rs485`); the error says what
    /// values are allowed.
    package mutating func set(_ key: some StringProtocol, to value: String) throws(SerialLineError) {
        switch key {
        case "baud":
            guard let baud = Int(value), Self.baudRates.contains(baud) else {
                throw SerialLineError("baud must be one of \(Self.baudRates.map(String.init).joined(separator: ", "))")
            }
            self.baud = baud
        case "parity":
            guard ["N", "E", "O"].contains(value.uppercased()) else {
                throw SerialLineError("parity must be N, E or O")
            }
            parity = Character(value.uppercased())
        case "data":
            guard let bits = Int(value), [7, 8].contains(bits) else { throw SerialLineError("data must be 7 or 8") }
            dataBits = bits
        case "stop":
            guard let bits = Int(value), [1, 2].contains(bits) else { throw SerialLineError("stop must be 1 or 2") }
            stopBits = bits
        case "rs485":
            guard let flag = Bool(value) else { throw SerialLineError("rs485 must be true or false") }
            rs485 = flag
        default:
            throw SerialLineError("unknown option '\(key)' (baud, parity, data, stop, rs485)")
        }
    }

    /// Parses `DEVICE[?key=value&…]`; the device must be an absolute path.
    package init(parsing text: some StringProtocol) throws(SerialLineError) {
        let parts = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let device = String(parts[0])
        guard device.hasPrefix("/") else { throw SerialLineError("the serial device must be an absolute path") }
        self.init(device: device)
        guard parts.count == 2 else { return }
        for pair in parts[1].split(separator: "&") {
            let keyValue = pair.split(separator: "=", maxSplits: 1)
            guard keyValue.count == 2 else { throw SerialLineError("'\(pair)' is not key=value") }
            try set(keyValue[0], to: String(keyValue[1]))
        }
    }

    /// `DEVICE?baud=…&parity=…&data=…&stop=…[&rs485=true]`.
    package var description: String {
        "\(device)?baud=\(baud)&parity=\(parity)&data=\(dataBits)&stop=\(stopBits)" + (rs485 ? "&rs485=true" : "")
    }
}

/// Why serial line settings are not valid.
package struct SerialLineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong and what is allowed.
    package let description: String

    init(_ description: String) { self.description = description }
}
