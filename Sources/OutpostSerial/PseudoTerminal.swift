#if canImport(Glibc)
    import Glibc
#endif

/// A new pseudo-terminal pair: a simulator keeps the master, a client opens the slave path as if
/// it were a serial adapter.
package enum PseudoTerminal {
    /// Opens a pty pair in raw mode; returns the master descriptor and the slave's path.
    package static func open() throws(SerialError) -> (master: Int32, path: String) {
        // posix_openpt/grantpt/unlockpt/ptsname are hidden from Swift's Glibc module; these are
        // the ioctls they wrap on Linux.
        let master = Glibc.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, ptyUnlock, &unlock) == 0, ioctl(master, ptyNumber, &number) == 0 else {
            let error = SerialError(device: "/dev/ptmx", errno: errno, doing: "creating a pty")
            if master >= 0 { close(master) }
            throw error
        }
        var settings = termios()
        tcgetattr(master, &settings)
        cfmakeraw(&settings)
        tcsetattr(master, TCSANOW, &settings)
        return (master, "/dev/pts/\(number)")
    }
}

/// `TIOCSPTLCK`, `_IOW('T', 0x31, int)`: the same value on every Linux architecture with the generic ioctl layout.
private let ptyUnlock: UInt = 0x4004_5431
/// `TIOCGPTN`, `_IOR('T', 0x30, unsigned int)`.
private let ptyNumber: UInt = 0x8004_5430
