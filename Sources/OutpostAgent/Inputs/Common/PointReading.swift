import OutpostWire

/// One value read from a source, before it becomes a sample: which point, the value, its
/// quality, and the raw data it came from (for the technician's probe table).
package struct PointReading: Sendable, Hashable {
    /// The point's name.
    package var point: String
    /// The decoded value; NaN when the read failed.
    package var value: Double
    /// Good, or bad with the source's error code.
    package var quality: Quality
    /// The raw registers (or bits as 0/1) the value was decoded from; empty on failure.
    package var raw: [UInt16]

    /// Creates a reading.
    package init(point: String, value: Double, quality: Quality, raw: [UInt16] = []) {
        self.point = point
        self.value = value
        self.quality = quality
        self.raw = raw
    }
}
