/// Where a Modbus device is: TCP `tcp://host:port`, or RTU over a serial line
/// `rtu:///dev/ttyUSB0?baud=9600&parity=N&data=8&stop=1`.
public enum ModbusEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// Modbus TCP. Port 502 when the URL gives none.
    case tcp(host: String, port: Int)
    /// Modbus RTU on a serial device.
    case rtu(SerialLine)

    /// Serial line settings for RTU.
    public struct SerialLine: Hashable, Sendable {
        /// The device path, e.g. `/dev/ttyUSB0` or a stable `/dev/serial/by-id/…` link.
        public var device: String
        /// Bits per second. Default 9600.
        public var baud: Int
        /// `N`, `E` or `O`. Default `N`.
        public var parity: Character
        /// 7 or 8. Default 8.
        public var dataBits: Int
        /// 1 or 2. Default 1.
        public var stopBits: Int
        /// Switch the port to RS-485 mode (where the driver supports it; fails soft otherwise).
        public var rs485: Bool

        /// Creates serial settings with the usual defaults.
        public init(
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
    }

    /// Why a URL is not a Modbus endpoint.
    public struct ParseError: Error, Hashable, CustomStringConvertible {
        /// What is wrong, naming the URL.
        public let description: String
    }

    /// The baud rates termios supports.
    public static let baudRates = [1200, 2400, 4800, 9600, 19_200, 38_400, 57_600, 115_200, 230_400]

    /// Parses `tcp://host[:port]` or `rtu://DEVICE[?baud=…&parity=N|E|O&data=7|8&stop=1|2&rs485=true]`.
    public init(parsing url: String) throws(ParseError) {
        func fail(_ reason: String) -> ParseError {
            ParseError(description: "'\(url)' is not a Modbus endpoint: \(reason)")
        }
        if url.hasPrefix("tcp://") {
            var hostPort = url.dropFirst("tcp://".count)
            if hostPort.hasSuffix("/") { hostPort = hostPort.dropLast() }
            guard !hostPort.isEmpty, !hostPort.contains("/") else {
                throw fail("expected tcp://host:port, e.g. tcp://192.168.1.50:502")
            }
            var host = String(hostPort)
            var port = 502
            if hostPort.hasPrefix("[") {  // [IPv6]:port
                guard let close = hostPort.firstIndex(of: "]") else { throw fail("unclosed IPv6 bracket") }
                host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
                let tail = hostPort[hostPort.index(after: close)...]
                if !tail.isEmpty {
                    guard tail.hasPrefix(":"), let parsed = Int(tail.dropFirst()) else { throw fail("bad port") }
                    port = parsed
                }
            } else if let colon = hostPort.lastIndex(of: ":") {
                host = String(hostPort[..<colon])
                guard let parsed = Int(hostPort[hostPort.index(after: colon)...]) else { throw fail("bad port") }
                port = parsed
            }
            guard !host.isEmpty else { throw fail("no host") }
            guard (1...65_535).contains(port) else { throw fail("port \(port) is not in 1-65535") }
            self = .tcp(host: host, port: port)
            return
        }
        guard url.hasPrefix("rtu://") else { throw fail("use tcp://host:port or rtu:///dev/ttyX?baud=9600") }
        let rest = url.dropFirst("rtu://".count)
        let parts = rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let device = String(parts[0])
        guard device.hasPrefix("/") else { throw fail("the serial device must be an absolute path") }
        var line = SerialLine(device: device)
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1)
                guard keyValue.count == 2 else { throw fail("'\(pair)' is not key=value") }
                let value = String(keyValue[1])
                switch keyValue[0] {
                case "baud":
                    guard let baud = Int(value), Self.baudRates.contains(baud) else {
                        throw fail("baud must be one of \(Self.baudRates.map(String.init).joined(separator: ", "))")
                    }
                    line.baud = baud
                case "parity":
                    guard ["N", "E", "O"].contains(value.uppercased()) else { throw fail("parity must be N, E or O") }
                    line.parity = Character(value.uppercased())
                case "data":
                    guard let bits = Int(value), [7, 8].contains(bits) else { throw fail("data must be 7 or 8") }
                    line.dataBits = bits
                case "stop":
                    guard let bits = Int(value), [1, 2].contains(bits) else { throw fail("stop must be 1 or 2") }
                    line.stopBits = bits
                case "rs485":
                    guard let flag = Bool(value) else { throw fail("rs485 must be true or false") }
                    line.rs485 = flag
                default:
                    throw fail("unknown option '\(keyValue[0])' (baud, parity, data, stop, rs485)")
                }
            }
        }
        self = .rtu(line)
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        case .rtu(let line):
            "rtu://\(line.device)?baud=\(line.baud)&parity=\(line.parity)&data=\(line.dataBits)&stop=\(line.stopBits)"
                + (line.rs485 ? "&rs485=true" : "")
        }
    }
}
