import OutpostWire

/// The error codes bad samples carry, the same for every source (Modbus uses the same numbers in
/// `ModbusError.qualityCode`, plus 0x80 + n for exception n). The hub and docs/agent.md list them.
public enum SourceQuality {
    /// No answer within the timeout.
    public static let timeout = Quality(.bad, code: 1)
    /// The device, port or chip is not there or went away.
    public static let disconnected = Quality(.bad, code: 2)
    /// An answer that could not be understood.
    public static let invalidResponse = Quality(.bad, code: 3)
    /// Another I/O error.
    public static let io = Quality(.bad, code: 5)
    /// Not attempted: the device is in reconnect backoff.
    public static let backoff = Quality(.bad, code: 6)
}
