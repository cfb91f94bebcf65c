import OutpostWire

extension IngestPlan {
    /// The plan of an authenticated frame, by its kind: readings are stored and rolled up; a
    /// summary frame (a gateway at its data budget) rolls up minutes and stores no chunk; the
    /// deferred readings it stood for are stored later without being rolled up again.
    package init(frame: BatchFrame, clock: BootClock?) throws(WireError) {
        switch frame.kind {
        case .readings:
            try self.init(series: frame.series, chunks: frame.chunks, clock: clock)
        case .deferredReadings:
            try self.init(series: frame.series, chunks: frame.chunks, clock: clock)
            rollups = [:]
        case .summary:
            try self.init(series: frame.series, chunks: [], clock: nil)
            // A summary has no monotonic time per reading: an unsynchronised clock is corrected
            // by the frame's offset as a whole, and each minute is placed by its corrected start.
            let shift = clock.map { 0 &- $0.wallClockOffset(of: frame) } ?? 0
            try addSummaries(frame.summaries, series: frame.series, shift: shift)
        }
    }

    private mutating func addSummaries(_ summaries: [MinuteSummary], series: [SeriesDescriptor], shift: Int64)
        throws(WireError)
    {
        let names = Dictionary(series.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        for entry in summaries {
            guard let name = names[entry.seriesID] else {
                throw .malformed(
                    field: "summaries.series", offset: 0, reason: "series id \(entry.seriesID) is not in the dictionary"
                )
            }
            let (start, startOverflow) = entry.start.addingReportingOverflow(shift)
            let (newest, newestOverflow) = entry.newest.addingReportingOverflow(shift)
            guard !startOverflow, !newestOverflow, TimeWindow.contains(start), TimeWindow.contains(newest) else {
                throw .implausibleTime(field: "series '\(name)'", timestamp: startOverflow ? entry.start : start)
            }
            let aggregate = Aggregate(
                count: Int64(entry.count), validCount: Int64(entry.validCount), min: entry.min, max: entry.max,
                sum: entry.validCount > 0 ? entry.sum : 0)
            for level in RollupLevel.allCases {
                rollups[level, default: [:]][name, default: [:]][level.bucket(of: start), default: .empty]
                    .merge(aggregate)
            }
            if let known = self.newest[name], known.timestamp > newest { continue }
            self.newest[name] = Newest(
                timestamp: newest, value: entry.last, good: entry.validCount == entry.count)
        }
    }
}
