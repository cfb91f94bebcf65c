#if canImport(Glibc)
    import Glibc
#endif

/// The one owner of an open serial port's descriptor, set up raw with the line's speed and framing.
///
/// Not thread-safe: owned by one source's reader thread. `deinit` closes the descriptor. Reads wait
/// with `poll`, so they never block longer than asked, and a port that went away is reported as
/// `.disconnected` rather than read as endless empty data.
package final class SerialPort {
    /// The settings it was opened with.
    package let line: SerialLine
    private let descriptor: Int32

    /// Opens and configures `line.device`.
    package init(_ line: SerialLine) throws(SerialError) {
        self.line = line
        let opened = open(line.device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard opened >= 0 else { throw SerialError(device: line.device, errno: errno, doing: "opening") }
        do throws(SerialError) {
            try Self.configure(opened, line)
        } catch {
            close(opened)
            throw error
        }
        descriptor = opened
    }

    /// Takes ownership of an already open descriptor (one end of a pty, say) and makes it
    /// non-blocking, as every port this type owns is.
    package init(adopting descriptor: Int32, line: SerialLine) {
        self.line = line
        self.descriptor = descriptor
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(descriptor) }

    /// Reads what is there, waiting up to `timeout` for the first byte; returns an empty array on
    /// timeout. Throws `.disconnected` when the port went away.
    package func read(upTo count: Int = 4096, timeout: Duration) throws(SerialError) -> [UInt8] {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(
            clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let ready = poll(&request, 1, milliseconds)
        if ready < 0 {
            if errno == EINTR { return [] }
            throw SerialError(device: line.device, errno: errno, doing: "waiting for data")
        }
        if ready == 0 { return [] }
        if request.revents & Int16(POLLIN) == 0, request.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
            throw SerialError(.disconnected, device: line.device, "the port went away (hang-up)")
        }
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, count) }
        if got < 0 {
            if errno == EAGAIN || errno == EINTR { return [] }
            throw SerialError(device: line.device, errno: errno, doing: "reading")
        }
        // Readable but nothing to read: the other end hung up.
        if got == 0 { throw SerialError(.disconnected, device: line.device, "the port went away (end of file)") }
        return Array(buffer[..<got])
    }

    /// Writes all of `bytes`, waiting up to `timeout` in all for room; returns false when the
    /// time ran out with bytes unwritten (nobody is reading the other end).
    @discardableResult
    package func write(_ bytes: [UInt8], waitingUpTo timeout: Duration = .seconds(5)) throws(SerialError) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written >= 0 {
                offset += written
                continue
            }
            if errno == EINTR { continue }
            guard errno == EAGAIN else { throw SerialError(device: line.device, errno: errno, doing: "writing") }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return false }
            var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            _ = poll(&request, 1, Int32(clamping: left.components.seconds * 1000 + 1))
        }
        return true
    }

    private static func configure(_ descriptor: Int32, _ line: SerialLine) throws(SerialError) {
        var settings = termios()
        guard tcgetattr(descriptor, &settings) == 0 else {
            throw SerialError(
                .invalidSettings, device: line.device,
                "not a serial port (\(String(cString: strerror(errno))))")
        }
        cfmakeraw(&settings)
        let speed = Self.speed(line.baud)
        cfsetispeed(&settings, speed)
        cfsetospeed(&settings, speed)
        settings.c_cflag &= ~(tcflag_t(CSIZE | PARENB | PARODD | CSTOPB) | tcflag_t(CRTSCTS))
        settings.c_cflag |= tcflag_t(CLOCAL | CREAD) | tcflag_t(line.dataBits == 7 ? CS7 : CS8)
        if line.parity != "N" { settings.c_cflag |= tcflag_t(PARENB) }
        if line.parity == "O" { settings.c_cflag |= tcflag_t(PARODD) }
        if line.stopBits == 2 { settings.c_cflag |= tcflag_t(CSTOPB) }
        guard tcsetattr(descriptor, TCSANOW, &settings) == 0 else {
            throw SerialError(device: line.device, errno: errno, doing: "applying \(line)")
        }
        tcflush(descriptor, TCIOFLUSH)
    }

    private static func speed(_ baud: Int) -> speed_t {
        switch baud {
        case 1200: speed_t(B1200)
        case 2400: speed_t(B2400)
        case 4800: speed_t(B4800)
        case 19_200: speed_t(B19200)
        case 38_400: speed_t(B38400)
        case 57_600: speed_t(B57600)
        case 115_200: speed_t(B115200)
        case 230_400: speed_t(B230400)
        default: speed_t(B9600)
        }
    }
}

@available(*, unavailable)
extension SerialPort: Sendable {}
