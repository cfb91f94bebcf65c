import OutpostGPIO

/// The hardware side of a GPIO source: libgpiod on a board, a script in tests. Lives on the
/// source's reader thread only (not Sendable); levels and edges are electrical (true = high).
package protocol GPIOLineAccess {
    /// Reads the electrical level of `line`.
    func readLevel(line: Int) throws(GPIOError) -> Bool
    /// Waits up to `timeout` for edges on the watched lines; empty when the time ran out.
    func waitForEdges(timeout: Duration) throws(GPIOError) -> [(line: Int, event: LineEvent)]
}

/// Opens the access to `chip`, watching `edgeLines` for edges. Called on the reader thread,
/// again after every failure.
package typealias GPIOLineOpener =
    @Sendable (_ chip: String, _ edgeLines: [Int]) throws(GPIOError) -> any GPIOLineAccess

/// The real lines, through libgpiod.
package final class LibgpiodLineAccess: GPIOLineAccess {
    private let chip: GPIOChip
    private let watch: GPIOEdgeWatch

    /// The opener the agent uses on a board.
    package static let opener: GPIOLineOpener = { chip, edgeLines throws(GPIOError) in
        try LibgpiodLineAccess(chip: chip, edgeLines: edgeLines)
    }

    /// Opens `chip` and requests `edgeLines` for edge events.
    package init(chip identifier: String, edgeLines: [Int]) throws(GPIOError) {
        chip = try GPIOChip(identifier)
        watch = try chip.watchEdges(lines: edgeLines)
    }

    package func readLevel(line: Int) throws(GPIOError) -> Bool {
        try chip.readLevel(line: line)
    }

    package func waitForEdges(timeout: Duration) throws(GPIOError) -> [(line: Int, event: LineEvent)] {
        try watch.waitForEdges(timeout: timeout).map {
            ($0.line, LineEvent($0.rising ? .rising : .falling, at: $0.timestamp))
        }
    }
}
