import OutpostWire

/// Collects samples per series and turns them into one batch frame's chunks.
///
/// Not thread-safe: owned by the agent's pipeline task. The series dictionary ids are stable
/// for the assembler's life, so consecutive frames use the same ids.
package struct BatchAssembler {
    private var descriptors: [SeriesDescriptor] = []
    private var idsByName: [String: UInt32] = [:]
    private var pending: [UInt32: PendingSeries] = [:]

    private struct PendingSeries {
        var timestamps: [Int64] = []
        var values: [Double] = []
        var qualities: [Quality] = []
        var firstMonotonic: Int64 = 0
        var clockSynchronised = true
        var allGood = true
    }

    /// Creates an empty assembler.
    package init() {}

    /// Declares a series (idempotent by name) and returns its dictionary id.
    @discardableResult
    package mutating func declare(
        _ name: String, unit: String = "", kind: SeriesKind = .gauge, resolution: Resolution? = nil
    ) -> UInt32 {
        if let id = idsByName[name] { return id }
        let id = UInt32(descriptors.count)
        descriptors.append(SeriesDescriptor(id: id, name: name, unit: unit, kind: kind, resolution: resolution))
        idsByName[name] = id
        return id
    }

    /// Appends one sample of a declared series.
    ///
    /// A chunk records one clock state: a sample taken with a different clock state than the
    /// pending ones returns false and is not taken; seal the batch first.
    package mutating func append(_ sample: Sample, to series: UInt32, monotonic: Int64, clockSynchronised: Bool) -> Bool
    {
        var entry = pending[series] ?? PendingSeries()
        if entry.timestamps.isEmpty {
            entry.firstMonotonic = monotonic
            entry.clockSynchronised = clockSynchronised
        } else if entry.clockSynchronised != clockSynchronised {
            return false
        }
        entry.timestamps.append(sample.timestamp)
        entry.values.append(sample.value)
        entry.qualities.append(sample.quality)
        if sample.quality != .good { entry.allGood = false }
        pending[series] = entry
        return true
    }

    /// Whether a sample of `series` taken with `clockSynchronised` can join the pending ones.
    package func accepts(_ series: UInt32, clockSynchronised: Bool) -> Bool {
        guard let entry = pending[series], !entry.timestamps.isEmpty else { return true }
        return entry.clockSynchronised == clockSynchronised
    }

    /// The number of samples waiting.
    package var pendingSampleCount: Int { pending.values.reduce(0) { $0 + $1.timestamps.count } }

    /// Builds a frame from every pending sample and empties the assembler.
    package mutating func seal(
        gatewayID: String, sequence: UInt64, bootID: BootID, clockState: ClockState, createdAt: Int64,
        createdMonotonic: Int64
    ) throws(WireError) -> BatchFrame {
        var chunks: [FrameChunk] = []
        for id in pending.keys.sorted() {
            guard let entry = pending[id], !entry.timestamps.isEmpty else { continue }
            let columns = SampleColumns(
                timestamps: entry.timestamps, values: entry.values, qualities: entry.allGood ? nil : entry.qualities)
            let chunk = try Chunk(
                encoding: columns, resolution: descriptors[Int(id)].resolution,
                clockSynchronised: entry.clockSynchronised,
                firstMonotonic: entry.firstMonotonic)
            chunks.append(FrameChunk(seriesID: id, chunk: chunk))
        }
        pending.removeAll(keepingCapacity: true)
        let used = Set(chunks.map(\.seriesID))
        return BatchFrame(
            gatewayID: gatewayID, sequence: sequence, bootID: bootID, clockState: clockState, createdAt: createdAt,
            createdMonotonic: createdMonotonic, series: descriptors.filter { used.contains($0.id) }, chunks: chunks)
    }
}
