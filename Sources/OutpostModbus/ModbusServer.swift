import CModbus

#if canImport(Glibc)
    import Glibc
#endif

/// A request a `ModbusServer` received, already parsed.
package struct ModbusRequest: Sendable, Hashable {
    /// The unit id the request is addressed to.
    package var unit: UInt8
    /// The function code (1-4 are reads; others are answered "illegal function" by default).
    package var function: UInt8
    /// The first address.
    package var address: Int
    /// How many registers or bits.
    package var count: Int

    /// Creates a request (the server parses them; tests and simulators make them).
    package init(unit: UInt8, function: UInt8, address: Int, count: Int) {
        self.unit = unit
        self.function = function
        self.address = address
        self.count = count
    }
}

/// How a `ModbusServer` answers one request.
package enum ModbusResponse: Sendable, Hashable {
    /// Registers for functions 3 and 4 (exactly `count` of them).
    case registers([UInt16])
    /// Bits for functions 1 and 2 (exactly `count` of them).
    case bits([Bool])
    /// A Modbus exception (1 illegal function, 2 illegal address, 4 device failure, 6 busy…).
    case exception(UInt8)
    /// No answer at all: the device is silent.
    case silence
}

/// A Modbus server (slave) over TCP or an RTU serial line, for the simulator and tests.
///
/// `serve` blocks its thread: it waits for requests with `select`, answers each through the
/// handler and returns when `stop()` is called (from any thread) or the line fails. One client
/// is served at a time, in arrival order, as a real single-threaded device would.
package final class ModbusServer: @unchecked Sendable {
    // @unchecked Sendable: `handle`, `listener` and `clients` are touched only by the thread in
    // `serve`; `stop()` only writes to the wake-up pipe, which is safe from any thread.
    private let handle: OpaquePointer
    private let listener: Int32
    private let rtuDescriptor: Int32
    private var clients: [Int32] = []
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// The TCP port actually bound (useful when 0 was asked for); nil for RTU.
    package let port: Int?

    /// Listens on `host:port` (port 0 picks a free one; see `port`).
    package init(tcpHost host: String, port requested: Int) throws(ModbusError) {
        let location = "tcp://\(host):\(requested)"
        guard let created = modbus_new_tcp_pi(host, String(requested)) else {
            throw ModbusError.fromErrno(errno, location: location)
        }
        let socket = modbus_tcp_pi_listen(created, 16)
        guard socket >= 0 else {
            let error = ModbusError.fromErrno(errno, location: location, connecting: true)
            modbus_free(created)
            throw error
        }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        let bound =
            address.ss_family == sa_family_t(AF_INET6)
            ? withUnsafeBytes(of: &address) { $0.load(as: sockaddr_in6.self).sin6_port.bigEndian }
            : withUnsafeBytes(of: &address) { $0.load(as: sockaddr_in.self).sin_port.bigEndian }
        handle = created
        listener = socket
        rtuDescriptor = -1
        port = Int(bound)
        (wakeRead, wakeWrite) = Self.makePipe()
    }

    /// Serves RTU on an already open serial descriptor (a pty master, say). The server takes
    /// ownership of the descriptor.
    package init(rtuDescriptor descriptor: Int32, unit: UInt8) throws(ModbusError) {
        guard let created = modbus_new_rtu("/dev/null", 9600, CChar(UInt8(ascii: "N")), 8, 1) else {
            throw ModbusError.fromErrno(errno, location: "rtu fd \(descriptor)")
        }
        modbus_set_slave(created, Int32(unit))
        modbus_set_socket(created, descriptor)
        handle = created
        listener = -1
        rtuDescriptor = descriptor
        port = nil
        (wakeRead, wakeWrite) = Self.makePipe()
    }

    /// Serves RTU on a serial device path with the given line settings.
    package convenience init(rtu line: ModbusEndpoint.SerialLine, unit: UInt8) throws(ModbusError) {
        let descriptor = open(line.device, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ModbusError.fromErrno(errno, location: line.device, connecting: true) }
        var settings = termios()
        tcgetattr(descriptor, &settings)
        cfmakeraw(&settings)
        tcsetattr(descriptor, TCSANOW, &settings)
        try self.init(rtuDescriptor: descriptor, unit: unit)
    }

    deinit {
        for client in clients { Glibc.close(client) }
        if listener >= 0 { Glibc.close(listener) }
        if rtuDescriptor >= 0 { Glibc.close(rtuDescriptor) }
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
        modbus_free(handle)
    }

    private static func makePipe() -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        pipe(&fds)
        return (fds[0], fds[1])
    }

    /// Makes `serve` return soon; safe from any thread.
    package func stop() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Answers requests until `stop()`.
    package func serve(_ handler: (ModbusRequest) -> ModbusResponse) {
        var query = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
        let headerLength = Int(modbus_get_header_length(handle))
        while true {
            var readable = fd_set()
            fdZero(&readable)
            fdSet(wakeRead, &readable)
            var highest = wakeRead
            let watched = listener >= 0 ? [listener] + clients : [rtuDescriptor]
            for descriptor in watched {
                fdSet(descriptor, &readable)
                highest = max(highest, descriptor)
            }
            let ready = select(highest + 1, &readable, nil, nil, nil)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if fdIsSet(wakeRead, &readable) { return }
            if listener >= 0, fdIsSet(listener, &readable) {
                let client = accept(listener, nil, nil)
                if client >= 0 { clients.append(client) }
            }
            for descriptor in watched where descriptor != listener && fdIsSet(descriptor, &readable) {
                modbus_set_socket(handle, descriptor)
                let length = query.withUnsafeMutableBufferPointer { modbus_receive(handle, $0.baseAddress) }
                if length < 0 {
                    if listener >= 0 {
                        Glibc.close(descriptor)
                        clients.removeAll { $0 == descriptor }
                    } else {
                        modbus_flush(handle)
                    }
                    continue
                }
                if length == 0 { continue }  // addressed to another unit
                answer(query, length: Int(length), headerLength: headerLength, handler)
            }
        }
    }

    private func answer(_ query: [UInt8], length: Int, headerLength: Int, _ handler: (ModbusRequest) -> ModbusResponse)
    {
        guard length >= headerLength + 5 else { return }
        let request = ModbusRequest(
            unit: query[headerLength - 1], function: query[headerLength],
            address: Int(query[headerLength + 1]) << 8 | Int(query[headerLength + 2]),
            count: Int(query[headerLength + 3]) << 8 | Int(query[headerLength + 4]))
        let response: ModbusResponse = (1...4).contains(request.function) ? handler(request) : .exception(1)
        query.withUnsafeBufferPointer { raw in
            guard let base = raw.baseAddress else { return }
            switch response {
            case .silence:
                return
            case .exception(let code):
                modbus_reply_exception(handle, base, UInt32(code))
            case .registers(let values):
                guard values.count == request.count else {
                    modbus_reply_exception(handle, base, 4)
                    return
                }
                let inputs = request.function == 4
                guard
                    let mapping = modbus_mapping_new_start_address(
                        0, 0, 0, 0, inputs ? 0 : UInt32(request.address), inputs ? 0 : UInt32(request.count),
                        inputs ? UInt32(request.address) : 0, inputs ? UInt32(request.count) : 0)
                else { return }
                defer { modbus_mapping_free(mapping) }
                let target = inputs ? mapping.pointee.tab_input_registers : mapping.pointee.tab_registers
                for (index, value) in values.enumerated() { target?[index] = value }
                modbus_reply(handle, base, Int32(length), mapping)
            case .bits(let values):
                guard values.count == request.count else {
                    modbus_reply_exception(handle, base, 4)
                    return
                }
                let coils = request.function == 1
                guard
                    let mapping = modbus_mapping_new_start_address(
                        coils ? UInt32(request.address) : 0, coils ? UInt32(request.count) : 0,
                        coils ? 0 : UInt32(request.address), coils ? 0 : UInt32(request.count), 0, 0, 0, 0)
                else { return }
                defer { modbus_mapping_free(mapping) }
                let target = coils ? mapping.pointee.tab_bits : mapping.pointee.tab_input_bits
                for (index, value) in values.enumerated() { target?[index] = value ? 1 : 0 }
                modbus_reply(handle, base, Int32(length), mapping)
            }
        }
    }
}

private func fdZero(_ set: inout fd_set) {
    withUnsafeMutableBytes(of: &set) { raw in
        for index in raw.indices { raw[index] = 0 }
    }
}

private func fdSet(_ descriptor: Int32, _ set: inout fd_set) {
    let bits = MemoryLayout<Int>.size * 8
    withUnsafeMutableBytes(of: &set) { raw in
        let words = raw.bindMemory(to: Int.self)
        words[Int(descriptor) / bits] |= 1 << (Int(descriptor) % bits)
    }
}

private func fdIsSet(_ descriptor: Int32, _ set: inout fd_set) -> Bool {
    let bits = MemoryLayout<Int>.size * 8
    return withUnsafeMutableBytes(of: &set) { raw in
        raw.bindMemory(to: Int.self)[Int(descriptor) / bits] & (1 << (Int(descriptor) % bits)) != 0
    }
}
