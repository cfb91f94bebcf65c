#if canImport(Glibc)
    import Glibc
#endif

/// Why a GPIO chip or line could not be used, naming the chip and line.
package struct GPIOError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The chip as configured (label, name or path).
    package let chip: String
    /// The line offset, when the problem is a line.
    package let line: Int?
    /// The errno.
    package let errno: Int32
    /// What failed.
    package let message: String

    /// Creates an error from the errno a libgpiod call left behind.
    package init(chip: String, line: Int? = nil, errno: Int32, doing action: String) {
        self.chip = chip
        self.line = line
        self.errno = errno
        let reason = String(cString: strerror(errno))
        switch errno {
        case ENOENT, ENODEV:
            message = line == nil ? "no GPIO chip '\(chip)' on this board (\(reason))" : "\(action): \(reason)"
        case EACCES, EPERM:
            message = "\(action): \(reason); the agent needs access to /dev/gpiochip* (DeviceAllow= in its unit)"
        case EBUSY:
            message = "\(action): the line is in use by another program (\(reason))"
        case EINVAL where line != nil:
            message = "\(action): line \(line ?? 0) does not exist on '\(chip)' (\(reason))"
        default:
            message = "\(action): \(reason)"
        }
    }

    /// A short code for counters: `not_found`, `permission_denied`, `busy`, `no_such_line`, `io`.
    package var code: String {
        switch errno {
        case ENOENT, ENODEV, ENXIO: "not_found"
        case EACCES, EPERM: "permission_denied"
        case EBUSY: "busy"
        case EINVAL where line != nil: "no_such_line"
        default: "io"
        }
    }

    /// The chip is not open (it failed and has not been reopened yet).
    package static func unavailable(chip: String) -> GPIOError {
        GPIOError(chip: chip, errno: ENODEV, doing: "opening the chip")
    }

    package var description: String {
        line.map { "gpio \(chip) line \($0): \(message)" } ?? "gpio \(chip): \(message)"
    }
}
