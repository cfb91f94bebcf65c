import CGPIOD

#if canImport(Glibc)
    import Glibc
#endif

/// The one owner of a libgpiod chip handle. This file holds every call of the libgpiod 1.x API
/// (Debian 12); a 2.x port replaces this file alone.
///
/// Not thread-safe: owned by the GPIO input's dedicated thread. Lines taken from a chip never
/// outlive it (they are released with it).
public final class GPIOChip {
    private let handle: OpaquePointer
    /// The chip as asked for: a label (`pinctrl-bcm2711`), a name (`gpiochip0`), a number or a path.
    public let identifier: String

    /// Opens a chip by label, name, number or path.
    public init(_ identifier: String) throws(GPIOError) {
        self.identifier = identifier
        errno = 0
        guard let opened = gpiod_chip_open_lookup(identifier) else {
            throw GPIOError(chip: identifier, errno: errno == 0 ? ENOENT : errno, doing: "opening the chip")
        }
        handle = opened
    }

    deinit {
        gpiod_chip_close(handle)
    }

    /// The number of lines the chip has.
    public var lineCount: Int { Int(gpiod_chip_num_lines(handle)) }

    /// The chip's label as the kernel reports it.
    public var label: String { gpiod_chip_label(handle).map { String(cString: $0) } ?? "" }

    /// Reads the level of `line` once (requested as an input for the read, then released).
    public func readLevel(line offset: Int, consumer: String = "outpost-agent") throws(GPIOError) -> Bool {
        guard offset >= 0, offset < lineCount else {
            throw GPIOError(chip: identifier, line: offset, errno: EINVAL, doing: "looking up the line")
        }
        guard let line = gpiod_chip_get_line(handle, UInt32(offset)) else {
            throw GPIOError(chip: identifier, line: offset, errno: errno, doing: "looking up the line")
        }
        guard gpiod_line_request_input(line, consumer) == 0 else {
            throw GPIOError(chip: identifier, line: offset, errno: errno, doing: "requesting the line as an input")
        }
        defer { gpiod_line_release(line) }
        let value = gpiod_line_get_value(line)
        guard value >= 0 else {
            throw GPIOError(chip: identifier, line: offset, errno: errno, doing: "reading the line")
        }
        return value == 1
    }
}

@available(*, unavailable)
extension GPIOChip: Sendable {}
