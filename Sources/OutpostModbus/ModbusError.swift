import CModbus

#if canImport(Glibc)
    import Glibc
#endif

/// Why a Modbus operation failed, with where: the endpoint, unit and register.
///
/// `isRetryable` classifies at the boundary: a timeout or a dropped connection is worth another
/// try (after reconnecting); an exception response or a bad argument is not.
package struct ModbusError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable code.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Value: Hashable, Sendable {
            case timeout, connectionFailed, connectionLost, exception(UInt8), invalidResponse, invalidArgument, io
        }
        let value: Value
        /// No answer within the response timeout.
        package static let timeout = Code(value: .timeout)
        /// The connection could not be made (refused, no such host, no such serial port).
        package static let connectionFailed = Code(value: .connectionFailed)
        /// The connection broke during a request.
        package static let connectionLost = Code(value: .connectionLost)
        /// The device answered with a Modbus exception (1 illegal function, 2 illegal address, …).
        package static func exception(_ code: UInt8) -> Code { Code(value: .exception(code)) }
        /// The answer was malformed (bad CRC, wrong length, wrong unit).
        package static let invalidResponse = Code(value: .invalidResponse)
        /// The request itself was not valid (count too large, bad unit id).
        package static let invalidArgument = Code(value: .invalidArgument)
        /// Any other system error.
        package static let io = Code(value: .io)

        /// The Modbus exception code, when the device answered with one.
        package var exceptionCode: UInt8? {
            if case .exception(let code) = value { return code }
            return nil
        }

        package var description: String {
            switch value {
            case .timeout: "timeout"
            case .connectionFailed: "connection_failed"
            case .connectionLost: "connection_lost"
            case .exception(let code): "exception_\(code)"
            case .invalidResponse: "invalid_response"
            case .invalidArgument: "invalid_argument"
            case .io: "io"
            }
        }
    }

    /// The code.
    package let code: Code
    /// The library's text (`modbus_strerror`) or our own.
    package let message: String
    /// The errno behind it, when there is one.
    package let errno: Int32?
    /// Where: `tcp://10.0.0.5:502 unit 1 holding 3100+4`.
    package let location: String

    /// Creates an error.
    package init(_ code: Code, _ message: String, errno: Int32? = nil, location: String) {
        self.code = code
        self.message = message
        self.errno = errno
        self.location = location
    }

    /// Whether trying again (after reconnecting) may help.
    package var isRetryable: Bool {
        switch code.value {
        case .timeout, .connectionFailed, .connectionLost, .invalidResponse, .io: true
        case .exception(let code): code == 5 || code == 6  // acknowledge, device busy
        case .invalidArgument: false
        }
    }

    /// A small number for a sample's quality code: 1 timeout, 2 connection, 3 invalid response,
    /// 4 invalid argument, 5 other I/O; 0x80 + n for Modbus exception n.
    package var qualityCode: UInt8 {
        switch code.value {
        case .timeout: 1
        case .connectionFailed, .connectionLost: 2
        case .invalidResponse: 3
        case .invalidArgument: 4
        case .io: 5
        case .exception(let code): 0x80 | (code & 0x7F)
        }
    }

    package var description: String { "\(location): \(message)" }

    /// Turns the errno a libmodbus call left behind into an error. Call right after the call.
    static func fromErrno(_ number: Int32, location: String, connecting: Bool = false) -> ModbusError {
        let text = String(cString: modbus_strerror(number))
        let base = Int32(MODBUS_ENOBASE)
        if number > base, number <= base + 11 {
            return ModbusError(.exception(UInt8(number - base)), text, errno: number, location: location)
        }
        switch number {
        case ETIMEDOUT, EAGAIN:
            return ModbusError(.timeout, "no answer within the response timeout", errno: number, location: location)
        case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ENOENT, EACCES, ENXIO, ENODEV:
            return ModbusError(.connectionFailed, text, errno: number, location: location)
        case ECONNRESET, EPIPE, EBADF, EIO:
            return ModbusError(
                connecting ? .connectionFailed : .connectionLost, text, errno: number, location: location)
        case EINVAL:
            return ModbusError(.invalidArgument, text, errno: number, location: location)
        case base + 12...base + 17:  // EMBBADCRC, EMBBADDATA, EMBBADEXC, EMBUNKEXC, EMBMDATA, EMBBADSLAVE
            // libmodbus's words are terse ("Invalid data"); say what a technician can check.
            let meaning =
                number == base + 13
                ? "the answer does not match the request (its length, function code or transaction id)"
                : number == base + 12 ? "the answer's CRC is wrong (noise on the line, or a wrong baud rate)" : text
            return ModbusError(.invalidResponse, "\(meaning): \(text)", errno: number, location: location)
        default:
            return ModbusError(connecting ? .connectionFailed : .io, text, errno: number, location: location)
        }
    }
}
