import OutpostModbus

#if canImport(Glibc)
    import Glibc
#endif

/// A new pseudo-terminal pair: the simulator keeps the master, a client opens the slave path.
public enum PseudoTerminal {
    /// Opens a pty pair in raw mode; returns the master descriptor and the slave's path.
    public static func open() throws(ModbusError) -> (master: Int32, path: String) {
        // posix_openpt/grantpt/unlockpt/ptsname are hidden from Swift's Glibc module; these are
        // the ioctls they wrap on Linux.
        let master = Glibc.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, ptyUnlock, &unlock) == 0, ioctl(master, ptyNumber, &number) == 0 else {
            let error = ModbusError(
                .io, "cannot create a pty: \(String(cString: strerror(errno)))", errno: errno, location: "/dev/ptmx")
            if master >= 0 { close(master) }
            throw error
        }
        let name = "/dev/pts/\(number)"
        var settings = termios()
        tcgetattr(master, &settings)
        cfmakeraw(&settings)
        tcsetattr(master, TCSANOW, &settings)
        return (master, name)
    }
}

/// Stops a serving simulator cleanly on SIGTERM and SIGINT.
public enum SimulatorSignals {
    nonisolated(unsafe) private static var server: ModbusServer?

    /// Routes SIGTERM and SIGINT to `server.stop()`. Call once, before serving.
    public static func install(_ server: ModbusServer) {
        // Written once before the handler is installed and only read by it afterwards.
        Self.server = server
        signal(SIGTERM) { _ in SimulatorSignals.server?.stop() }
        signal(SIGINT) { _ in SimulatorSignals.server?.stop() }
        signal(SIGPIPE, SIG_IGN)
    }
}

/// `TIOCSPTLCK`, `_IOW('T', 0x31, int)`: the same value on every Linux architecture with the generic ioctl layout.
private let ptyUnlock: UInt = 0x4004_5431
/// `TIOCGPTN`, `_IOR('T', 0x30, unsigned int)`.
private let ptyNumber: UInt = 0x8004_5430
