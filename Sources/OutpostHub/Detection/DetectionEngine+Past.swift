import OutpostDetect

/// A series seen for the first time since the hub started learns its stored past before its new
/// readings (an import, or what came before a restart), so that it is not blind for its learning
/// period; the past's scores raise nothing.
extension DetectionEngine {
    /// How far back a series' past is looked for, widening until enough is found.
    static let pastSpans: [Int64] = [3_600, 86_400, 604_800].map { $0 * 1_000_000_000 }

    /// The stored pasts of the plan's series that have not learned theirs, each before its first
    /// chunk here. They are read at once: a frame of 20 new series costs the time of its slowest
    /// read, not of 20 in turn. `steps` is each series' resolution step, by name.
    func pastsOfNewSeries(gateway: String, _ plan: IngestPlan, steps: [String: Double?]) async
        -> [SeriesKey: [(time: Int64, value: Double)]]
    {
        guard let history else { return [:] }
        var wanted: [SeriesKey: (before: Int64, count: Int)] = [:]
        for row in plan.chunks {
            let key = SeriesKey(gateway: gateway, name: row.series)
            guard wanted[key] == nil, !states.withLock({ $0[key]?.warmed ?? false }) else { continue }
            let settings = configuration.settings(for: "\(key)", resolution: steps[row.series] ?? nil)
            wanted[key] = (row.stored.start, max(1_000, 4 * settings.learningSamples))
        }
        guard !wanted.isEmpty else { return [:] }
        return await withTaskGroup(of: (SeriesKey, [(time: Int64, value: Double)]).self) { group in
            for (key, want) in wanted {
                group.addTask { (key, await self.past(of: key, before: want.before, count: want.count, history)) }
            }
            var pasts: [SeriesKey: [(time: Int64, value: Double)]] = [:]
            for await (key, past) in group { pasts[key] = past }
            return pasts
        }
    }

    /// The newest `count` good readings of `key` before `time`, oldest first, looked for in the
    /// last hour, else day, else week; none when the store cannot answer (the detector then
    /// learns from live readings, as it would without a past).
    private func past(of key: SeriesKey, before time: Int64, count: Int, _ history: any SeriesHistory) async
        -> [(time: Int64, value: Double)]
    {
        guard time > .min else { return [] }
        var past: [(time: Int64, value: Double)] = []
        do {
            // Each wider span reads only the stretch the narrower one did not.
            var until = time
            for span in Self.pastSpans where until > .min && past.count < count {
                let from = time.subtractingReportingOverflow(span).overflow ? Int64.min : time - span
                guard from < until else { continue }
                for chunk in try await history.chunks(of: key, overlapping: from...(until - 1)) {
                    let columns = try chunk.columns()
                    for index in columns.timestamps.indices where columns.quality(at: index) == .good {
                        let at = columns.timestamps[index]
                        if at >= from, at < until { past.append((at, columns.values[index])) }
                    }
                }
                until = from
            }
        } catch {
            logger.warning(
                "could not read a series' past to learn from", metadata: ["series": "\(key)", "error": "\(error)"])
            return []
        }
        past.sort { $0.time < $1.time }
        return Array(past.suffix(count))
    }

    /// Teaches a series' new detector its past (`pastsOfNewSeries`); its scores raise nothing.
    func learn(_ state: inout SeriesState, _ past: [(time: Int64, value: Double)]) {
        state.warmed = true
        var learned = 0
        for sample in past where sample.time > state.newest {
            _ = state.detector.score(sample.value, at: sample.time)
            state.newest = sample.time
            learned += 1
        }
        counts.withLock { $0.warmedUp += learned }
    }
}
