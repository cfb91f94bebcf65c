import OutpostWire

/// One value read from a source, before it becomes a sample: which point, the value, its
/// quality, and the raw data it came from (for the technician's probe table).
public struct PointReading: Sendable, Hashable {
    /// The point's name.
    public var point: String
    /// The decoded value; NaN when the read failed.
    public var value: Double
    /// Good, or bad with the source's error code.
    public var quality: Quality
    /// The raw registers (or bits as 0/1) the value was decoded from; empty on failure.
    public var raw: [UInt16]

    /// Creates a reading.
    public init(point: String, value: Double, quality: Quality, raw: [UInt16] = []) {
        self.point = point
        self.value = value
        self.quality = quality
        self.raw = raw
    }
}
