import OutpostWire

/// The error codes bad samples carry, the same for every source (Modbus uses the same numbers in
/// `ModbusError.qualityCode`, plus 0x80 + n for exception n). The hub and docs/agent.md list them.
package enum SourceQuality {
    /// No answer within the timeout.
    package static let timeout = Quality(.bad, code: 1)
    /// The device, port or chip is not there or went away.
    package static let disconnected = Quality(.bad, code: 2)
    /// An answer that could not be understood.
    package static let invalidResponse = Quality(.bad, code: 3)
    /// Another I/O error.
    package static let io = Quality(.bad, code: 5)
    /// Not attempted: the device is in reconnect backoff.
    package static let backoff = Quality(.bad, code: 6)
}
