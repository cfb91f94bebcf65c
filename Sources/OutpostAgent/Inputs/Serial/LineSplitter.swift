/// Cuts a serial byte stream into lines. Pure: bytes in, lines out.
///
/// A line ends at LF or CR (CR LF counts once). Bytes that are not UTF-8, and runs longer than
/// `maximumLength` without an end (a wrong baud rate, binary noise), are garbage: dropped and
/// counted, never passed on as a line. The tail without an end waits for more bytes.
package struct LineSplitter: Sendable {
    /// The longest line kept; longer runs are garbage.
    package let maximumLength: Int
    /// Lines (or runs) dropped as garbage so far.
    package private(set) var garbage = 0
    private var pending: [UInt8] = []
    private var overflowing = false

    /// Creates a splitter keeping lines up to `maximumLength` bytes.
    package init(maximumLength: Int = 512) {
        self.maximumLength = maximumLength
    }

    /// Takes bytes; returns the lines they completed, without their ends. Empty lines are skipped.
    package mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == 0x0A || byte == 0x0D {
                if overflowing {
                    overflowing = false
                } else if !pending.isEmpty {
                    // NUL checked on the bytes: in a String, a NUL followed by a combining mark is
                    // one Character that is not "\0".
                    if !pending.contains(0), let line = String(validating: pending, as: UTF8.self) {
                        lines.append(line)
                    } else {
                        garbage += 1
                    }
                }
                pending.removeAll(keepingCapacity: true)
                continue
            }
            if overflowing { continue }
            pending.append(byte)
            if pending.count > maximumLength {
                garbage += 1
                overflowing = true
                pending.removeAll(keepingCapacity: true)
            }
        }
        return lines
    }

    /// Forgets a partial line (the port went away mid-line).
    package mutating func reset() {
        pending.removeAll()
        overflowing = false
    }
}
