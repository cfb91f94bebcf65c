import OutpostSerial

/// Where a Modbus device is: TCP `tcp://host:port`, or RTU over a serial line
/// `rtu:///dev/ttyUSB0?baud=9600&parity=N&data=8&stop=1`.
package enum ModbusEndpoint: Hashable, Sendable, CustomStringConvertible {
    /// Modbus TCP. Port 502 when the URL gives none.
    case tcp(host: String, port: Int)
    /// Modbus RTU on a serial device.
    case rtu(SerialLine)

    /// Serial line settings for RTU.
    package typealias SerialLine = OutpostSerial.SerialLine

    /// Why a URL is not a Modbus endpoint.
    package struct ParseError: Error, Hashable, CustomStringConvertible {
        /// What is wrong, naming the URL.
        package let description: String
    }

    /// Parses `tcp://host[:port]` or `rtu://DEVICE[?baud=…&parity=N|E|O&data=7|8&stop=1|2&rs485=true]`.
    package init(parsing url: String) throws(ParseError) {
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
        do throws(SerialLineError) {
            self = .rtu(try SerialLine(parsing: url.dropFirst("rtu://".count)))
        } catch {
            throw fail(error.description)
        }
    }

    package var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
        case .rtu(let line): "rtu://\(line)"
        }
    }
}

extension ModbusEndpoint {
    /// Why `unit` cannot be polled on this endpoint, or nil when it can. Unit ids 1-247 address
    /// a device; 0 is broadcast, which no device answers, so a poll of it can only time out;
    /// 248-254 are reserved. Over TCP, 255 also works: the Modbus/TCP specification gives it to a
    /// device reached directly rather than through a serial gateway.
    package func unitProblem(_ unit: Int) -> String? {
        if (1...247).contains(unit) { return nil }
        if unit == 255, case .tcp = self { return nil }
        let range = if case .tcp = self { "1-247, or 255 for a TCP device reached directly" } else { "1-247" }
        let why =
            switch unit {
            case 0: "0 is the broadcast address: every device listens, none answers, so a poll would only time out"
            case 248...255: "\(unit) is reserved by the Modbus specification"
            default: "\(unit) is not a unit id"
            }
        return "\(why); use the device's address, \(range)"
    }
}
