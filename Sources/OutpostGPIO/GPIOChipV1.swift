import CGPIOD

#if canImport(Glibc)
    import Glibc
#endif

/// The one owner of a libgpiod chip handle. This file holds every call of the libgpiod 1.x API
/// (Debian 12); a 2.x port replaces this file alone.
///
/// Not thread-safe: owned by the GPIO input's dedicated thread. Lines taken from a chip never
/// outlive it (they are released with it).
package final class GPIOChip {
    private let handle: OpaquePointer
    /// The chip as asked for: a label (`pinctrl-bcm2711`), a name (`gpiochip0`), a number or a path.
    package let identifier: String

    /// Opens a chip by label, name, number or path.
    package init(_ identifier: String) throws(GPIOError) {
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
    package var lineCount: Int { Int(gpiod_chip_num_lines(handle)) }

    /// The chip's label as the kernel reports it.
    package var label: String { gpiod_chip_label(handle).map { String(cString: $0) } ?? "" }

    /// Reads the electrical level of `line` once (requested as an input for the read, then
    /// released): true is high.
    package func readLevel(line offset: Int, consumer: String = "outpost-agent") throws(GPIOError) -> Bool {
        let line = try lookUp(offset)
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

    /// Requests `offsets` for edge events on both edges; they stay requested until the returned
    /// owner is released. The owner keeps the chip open.
    package func watchEdges(lines offsets: [Int], consumer: String = "outpost-agent") throws(GPIOError) -> GPIOEdgeWatch
    {
        var watched: [(offset: Int, line: OpaquePointer, descriptor: Int32)] = []
        for offset in offsets {
            let line: OpaquePointer
            do throws(GPIOError) {
                line = try lookUp(offset)
            } catch {
                for entry in watched { gpiod_line_release(entry.line) }
                throw error
            }
            guard gpiod_line_request_both_edges_events(line, consumer) == 0 else {
                let error = GPIOError(chip: identifier, line: offset, errno: errno, doing: "requesting edge events")
                for entry in watched { gpiod_line_release(entry.line) }
                throw error
            }
            watched.append((offset, line, gpiod_line_event_get_fd(line)))
        }
        return GPIOEdgeWatch(chip: self, lines: watched)
    }

    private func lookUp(_ offset: Int) throws(GPIOError) -> OpaquePointer {
        guard offset >= 0, offset < lineCount else {
            throw GPIOError(chip: identifier, line: offset, errno: EINVAL, doing: "looking up the line")
        }
        guard let line = gpiod_chip_get_line(handle, UInt32(offset)) else {
            throw GPIOError(chip: identifier, line: offset, errno: errno, doing: "looking up the line")
        }
        return line
    }
}

/// Lines of one chip requested for edge events; `deinit` releases them. Holds its chip, so the
/// lines never outlive it. Not thread-safe: owned by the GPIO source's reader thread.
package final class GPIOEdgeWatch {
    private let chip: GPIOChip
    private let lines: [(offset: Int, line: OpaquePointer, descriptor: Int32)]

    fileprivate init(chip: GPIOChip, lines: [(offset: Int, line: OpaquePointer, descriptor: Int32)]) {
        self.chip = chip
        self.lines = lines
    }

    deinit {
        for entry in lines { gpiod_line_release(entry.line) }
    }

    /// Waits up to `timeout` for edges; returns them per line offset with the kernel's timestamp
    /// (nanoseconds) and whether the line rose. An empty array when the time ran out.
    package func waitForEdges(timeout: Duration) throws(GPIOError) -> [(line: Int, rising: Bool, timestamp: Int64)] {
        var requests = lines.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN | POLLPRI), revents: 0) }
        let milliseconds = Int32(
            clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let ready = poll(&requests, nfds_t(requests.count), milliseconds)
        if ready < 0 {
            if errno == EINTR { return [] }
            throw GPIOError(chip: chip.identifier, errno: errno, doing: "waiting for edges")
        }
        var edges: [(line: Int, rising: Bool, timestamp: Int64)] = []
        for (entry, request) in zip(lines, requests) where request.revents != 0 {
            var event = gpiod_line_event()
            guard gpiod_line_event_read(entry.line, &event) == 0 else {
                throw GPIOError(chip: chip.identifier, line: entry.offset, errno: errno, doing: "reading an edge event")
            }
            edges.append(
                (
                    entry.offset, event.event_type == Int32(GPIOD_LINE_EVENT_RISING_EDGE),
                    Int64(event.ts.tv_sec) * 1_000_000_000 + Int64(event.ts.tv_nsec)
                ))
        }
        return edges
    }
}

@available(*, unavailable)
extension GPIOEdgeWatch: Sendable {}

@available(*, unavailable)
extension GPIOChip: Sendable {}
