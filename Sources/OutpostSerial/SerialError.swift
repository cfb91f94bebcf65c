#if canImport(Glibc)
    import Glibc
#endif

/// Why a serial port could not be opened or read, naming the device.
package struct SerialError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure: a Hashable struct so kinds can grow.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case notFound, permissionDenied, busy, disconnected, invalidSettings, io
        }
        private let value: Value

        /// The device does not exist (not plugged in, wrong path).
        package static let notFound = Code(value: .notFound)
        /// The agent may not open it (group `dialout`, `DeviceAllow=`).
        package static let permissionDenied = Code(value: .permissionDenied)
        /// Another program holds it.
        package static let busy = Code(value: .busy)
        /// It went away while open (a USB adapter unplugged, the other end of a pty closed).
        package static let disconnected = Code(value: .disconnected)
        /// The line settings cannot be applied to this device.
        package static let invalidSettings = Code(value: .invalidSettings)
        /// Any other I/O error.
        package static let io = Code(value: .io)

        package var description: String {
            switch value {
            case .notFound: "not_found"
            case .permissionDenied: "permission_denied"
            case .busy: "busy"
            case .disconnected: "disconnected"
            case .invalidSettings: "invalid_settings"
            case .io: "io"
            }
        }
    }

    /// The kind.
    package let code: Code
    /// The device path.
    package let device: String
    /// The errno, 0 when none.
    package let errno: Int32
    /// What happened, for a person.
    package let message: String

    /// Creates an error from the errno a call left behind while `doing` something.
    package init(device: String, errno: Int32, doing action: String) {
        self.device = device
        self.errno = errno
        let reason = String(cString: strerror(errno))
        switch errno {
        case ENOENT, ENODEV, ENXIO:
            code = .notFound
            message = "\(action): no such device (\(reason)); is the adapter plugged in?"
        case EACCES, EPERM:
            code = .permissionDenied
            message = "\(action): \(reason); the agent needs the dialout group or DeviceAllow= for it"
        case EBUSY:
            code = .busy
            message = "\(action): in use by another program (\(reason))"
        case EIO, EBADF:
            code = .disconnected
            message = "\(action): the port went away (\(reason))"
        default:
            code = .io
            message = "\(action): \(reason)"
        }
    }

    /// Creates an error with a code and message of its own.
    package init(_ code: Code, device: String, _ message: String) {
        self.code = code
        self.device = device
        errno = 0
        self.message = message
    }

    package var description: String { "serial \(device): \(message)" }
}
