import CModbus

#if canImport(Glibc)
    import Glibc
#endif

/// The one owner of a libmodbus client context (`modbus_t`).
///
/// Not thread-safe and every call blocks: a context belongs to exactly one `ModbusBus`, which
/// runs it on its own serial queue, never on the concurrency pool. `deinit` closes and frees it.
package final class ModbusContext {
    private let handle: OpaquePointer
    /// Where the device is.
    package let endpoint: ModbusEndpoint
    private var connected = false
    private var unit: UInt8 = 1

    /// Creates a context for `endpoint`; nothing is opened until `connect()`.
    package init(endpoint: ModbusEndpoint) throws(ModbusError) {
        self.endpoint = endpoint
        let created: OpaquePointer?
        switch endpoint {
        case .tcp(let host, let port):
            created = modbus_new_tcp_pi(host, String(port))
        case .rtu(let line):
            created = modbus_new_rtu(
                line.device, Int32(line.baud), CChar(UInt8(ascii: line.parity.unicodeScalars.first ?? "N")),
                Int32(line.dataBits), Int32(line.stopBits))
        }
        guard let created else {
            throw ModbusError.fromErrno(errno, location: endpoint.description)
        }
        handle = created
        setResponseTimeout(.seconds(1))
    }

    deinit {
        if connected { modbus_close(handle) }
        modbus_free(handle)
    }

    /// Whether `connect()` succeeded and no error has closed the connection since.
    package var isConnected: Bool { connected }

    /// Opens the TCP connection or the serial port. RS-485 mode, when asked for, is set here and
    /// fails soft: ports that do not support it (USB adapters with automatic direction, ptys)
    /// keep working; the returned note says so.
    @discardableResult
    package func connect() throws(ModbusError) -> String? {
        if connected { return nil }
        guard modbus_connect(handle) == 0 else {
            throw ModbusError.fromErrno(errno, location: endpoint.description, connecting: true)
        }
        connected = true
        if case .rtu(let line) = endpoint, line.rs485 {
            if modbus_rtu_set_serial_mode(handle, Int32(MODBUS_RTU_RS485)) != 0 {
                return
                    "RS-485 mode not available on \(line.device) (\(String(cString: modbus_strerror(errno)))); using the port as is"
            }
        }
        return nil
    }

    /// Closes the connection; the next request needs `connect()` again.
    package func close() {
        if connected { modbus_close(handle) }
        connected = false
    }

    /// Sets how long to wait for an answer.
    package func setResponseTimeout(_ timeout: Duration) {
        let parts = timeout.components
        let microseconds = max(1, parts.attoseconds / 1_000_000_000_000)
        modbus_set_response_timeout(handle, UInt32(clamping: parts.seconds), UInt32(clamping: microseconds % 1_000_000))
    }

    /// Addresses requests to `unit` (1-247 on RTU; TCP gateways also use 0 and 255).
    package func setUnit(_ unit: UInt8) throws(ModbusError) {
        guard modbus_set_slave(handle, Int32(unit)) == 0 else {
            throw ModbusError.fromErrno(errno, location: "\(endpoint) unit \(unit)")
        }
        self.unit = unit
    }

    /// Reads `count` (1-125) holding registers (function 3).
    package func readHoldingRegisters(address: UInt16, count: Int) throws(ModbusError) -> [UInt16] {
        try readRegisters(address: address, count: count, table: "holding") {
            modbus_read_registers(handle, Int32(address), Int32(count), $0)
        }
    }

    /// Reads `count` (1-125) input registers (function 4).
    package func readInputRegisters(address: UInt16, count: Int) throws(ModbusError) -> [UInt16] {
        try readRegisters(address: address, count: count, table: "input") {
            modbus_read_input_registers(handle, Int32(address), Int32(count), $0)
        }
    }

    /// Reads `count` (1-2000) coils (function 1).
    package func readCoils(address: UInt16, count: Int) throws(ModbusError) -> [Bool] {
        try readBits(address: address, count: count, table: "coil") {
            modbus_read_bits(handle, Int32(address), Int32(count), $0)
        }
    }

    /// Reads `count` (1-2000) discrete inputs (function 2).
    package func readDiscreteInputs(address: UInt16, count: Int) throws(ModbusError) -> [Bool] {
        try readBits(address: address, count: count, table: "discrete input") {
            modbus_read_input_bits(handle, Int32(address), Int32(count), $0)
        }
    }

    private func location(_ table: String, _ address: UInt16, _ count: Int) -> String {
        "\(endpoint) unit \(unit) \(table) \(address)+\(count)"
    }

    private func readRegisters(
        address: UInt16, count: Int, table: String, _ call: (UnsafeMutablePointer<UInt16>) -> Int32
    ) throws(ModbusError) -> [UInt16] {
        guard (1...125).contains(count), Int(address) + count <= 65_536 else {
            throw ModbusError(
                .invalidArgument, "register count \(count) at \(address) is outside 1-125 or past 65535",
                location: location(table, address, count))
        }
        try connectIfNeeded()
        var values = [UInt16](repeating: 0, count: count)
        let result = values.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map(call) ?? -1 }
        guard result == count else {
            throw failure(result < 0 ? errno : Int32(MODBUS_ENOBASE) + 13, location(table, address, count))
        }
        return values
    }

    private func readBits(
        address: UInt16, count: Int, table: String, _ call: (UnsafeMutablePointer<UInt8>) -> Int32
    ) throws(ModbusError) -> [Bool] {
        guard (1...2000).contains(count), Int(address) + count <= 65_536 else {
            throw ModbusError(
                .invalidArgument, "bit count \(count) at \(address) is outside 1-2000 or past 65535",
                location: location(table, address, count))
        }
        try connectIfNeeded()
        var values = [UInt8](repeating: 0, count: count)
        let result = values.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map(call) ?? -1 }
        guard result == count else {
            throw failure(result < 0 ? errno : Int32(MODBUS_ENOBASE) + 13, location(table, address, count))
        }
        return values.map { $0 != 0 }
    }

    private func connectIfNeeded() throws(ModbusError) {
        if !connected { try connect() }
    }

    /// Classifies a failed request; a broken or timed-out link is closed so the next request
    /// reconnects (a late answer must never be taken for the next request's).
    private func failure(_ number: Int32, _ location: String) -> ModbusError {
        let error = ModbusError.fromErrno(number, location: location)
        if error.code.exceptionCode == nil {
            if case .tcp = endpoint { close() } else { modbus_flush(handle) }
        }
        return error
    }
}

@available(*, unavailable)
extension ModbusContext: Sendable {}
