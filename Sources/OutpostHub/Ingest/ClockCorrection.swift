import OutpostWire

/// What the hub has learned about one boot of a gateway: the offset that turns the gateway's
/// monotonic clock (ns since boot) into true time.
package struct BootClock: Sendable, Hashable {
    /// True time = monotonic + offset.
    package var offset: Int64
    /// Whether the offset came from a frame made with a synchronised clock (exact), or is the
    /// tightest bound seen so far from the hub's own clock at receipt (an estimate that errs late
    /// by at most the age of the youngest frame seen).
    package var exact: Bool

    /// Creates a boot clock.
    package init(offset: Int64, exact: Bool) {
        self.offset = offset
        self.exact = exact
    }

    /// What one frame teaches about its boot, given what was known (`known`) and the hub's time
    /// at receipt.
    ///
    /// A frame made with a synchronised clock gives the offset exactly: its wall time minus its
    /// monotonic time. Any frame bounds it from above: it cannot have been made after the hub
    /// received it, so `offset <= hubTime - createdMonotonic`; the smallest bound seen wins.
    package static func learning(from frame: BatchFrame, known: BootClock?, hubTime: Int64) -> BootClock {
        if frame.clockState == .synchronised {
            return BootClock(offset: frame.createdAt &- frame.createdMonotonic, exact: true)
        }
        if let known, known.exact { return known }
        let bound = hubTime &- frame.createdMonotonic
        guard let known else { return BootClock(offset: bound, exact: false) }
        return BootClock(offset: min(known.offset, bound), exact: false)
    }

    /// The shift to add to a chunk's recorded timestamps: zero for samples taken with a
    /// synchronised clock, else the distance from its recorded first timestamp to the true time
    /// of its first sample (monotonic + offset).
    package func shift(for chunk: Chunk) -> Int64 {
        guard !chunk.clockSynchronised, chunk.firstMonotonic > 0 else { return 0 }
        return (chunk.firstMonotonic &+ offset) &- chunk.firstTimestamp
    }

    /// How far off an unsynchronised wall clock may be and still be left alone: a correction
    /// learned from receipt times cannot be more precise than the delivery delay, so a board
    /// whose clock is merely not yet confirmed by NTP keeps its own timestamps.
    package static let tolerance: Int64 = 5_000_000_000

    /// The clock to correct `frame`'s chunks with: nil when its wall clock was synchronised or
    /// within `tolerance` of true time.
    package func correction(for frame: BatchFrame) -> BootClock? {
        let offset = wallClockOffset(of: frame)
        return offset > Self.tolerance || offset < -Self.tolerance ? self : nil
    }

    /// The gateway's wall clock minus true time when `frame` was made.
    package func wallClockOffset(of frame: BatchFrame) -> Int64 {
        frame.clockState == .synchronised ? 0 : frame.createdAt &- (frame.createdMonotonic &+ offset)
    }
}
