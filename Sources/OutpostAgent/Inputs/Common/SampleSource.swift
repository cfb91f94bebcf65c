import OutpostWire

/// One sample of one series, as a source produced it.
package struct SourceSample: Sendable, Hashable {
    /// The series key (`meter-1.voltage_l1`, `gps.latitude`).
    package var series: String
    /// When, what, and how much to trust it.
    package var sample: Sample

    /// Creates a sample of `series`.
    package init(series: String, sample: Sample) {
        self.series = series
        self.sample = sample
    }

    /// Creates a sample of `series` from its parts.
    package init(_ series: String, at timestamp: Int64, _ value: Double, _ quality: Quality = .good) {
        self.init(series: series, sample: Sample(timestamp: timestamp, value: value, quality: quality))
    }
}

/// Where a source delivers what it read, a batch at a time (one poll, one line, one interval).
package typealias SampleSink = @Sendable ([SourceSample]) async -> Void

/// Something that produces samples on a schedule (a Modbus poll, a GPIO interval) or on events (a
/// serial line). Every failure becomes a bad-quality sample with an error code, is counted in
/// `counters`, and is logged without flooding the log.
package protocol SampleSource: Sendable {
    /// The source's name in logs and status (`modbus.meter-1`, `serial.gps`).
    var name: String { get }
    /// What it has done so far.
    var counters: SourceCounters { get }
    /// Reads until the task is cancelled, delivering samples to `sink`.
    func run(into sink: @escaping SampleSink) async
}

#if canImport(Glibc)
    import Glibc
#endif
