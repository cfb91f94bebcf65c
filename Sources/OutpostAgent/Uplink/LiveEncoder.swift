import OutpostWire

/// Writes an agent's live values, watched on demand, as compact frames (`LiveFrame`): the first
/// frame of a watch, one every `keyEvery` and one after a catalog change are key frames (every
/// series, absolute); the others hold only the series whose value moved by a step or more since
/// it was last sent, as steps from the last key frame. Pure: the caller passes the time.
struct LiveEncoder: Sendable {
    /// How often a key frame goes out while watched, so that a lost frame is mended.
    static let keyEvery: Duration = .seconds(30)

    private var indices: [String: Int] = [:]
    private var series: [LiveFrame.Series] = []
    /// The catalog's id: new on every start and every change, so the hub never reads indices
    /// against another catalog.
    private(set) var catalogID: UInt32
    /// Each series' latest value, what was last sent of it, and its value in the last key frame.
    private var current: [Int: LiveFrame.Value] = [:]
    private var sent: [Int: LiveFrame.Value] = [:]
    private var base: [Int: LiveFrame.Value] = [:]
    private var lastKey: ContinuousClock.Instant?
    /// When the newest value sent was taken.
    private var time: Int64 = 0
    /// The catalog goes with the next frame.
    private var catalogDue = true

    init(catalogID: UInt32 = .random(in: 1...UInt32.max)) { self.catalogID = catalogID }

    /// A watch begins: the next frame is a key frame with the catalog.
    mutating func restart() {
        (lastKey, catalogDue) = (nil, true)
        sent.removeAll()
    }

    /// The hub said which catalog it holds (`WatchDocument.catalog`): another one, or none,
    /// means the next frame carries ours.
    mutating func hubHolds(_ catalog: UInt32?) {
        if catalog != catalogID { catalogDue = true }
    }

    /// The frame for what the sources delivered (`samples`, described by `descriptions`) at
    /// `now`; nil when nothing moved.
    mutating func frame(
        _ samples: [SourceSample], descriptions: SeriesCatalog, at now: ContinuousClock.Instant
    ) -> [UInt8]? {
        var newest = Int64.min
        for sample in samples where sample.sample.quality == .good {
            let index = index(of: sample.series, descriptions)
            let resolution = series[index].resolution
            if let resolution {
                guard let steps = resolution.steps(of: sample.sample.value) else { continue }
                current[index] = .steps(steps)
            } else {
                current[index] = .raw(sample.sample.value)
            }
            newest = max(newest, sample.sample.timestamp)
        }
        guard newest > .min || catalogDue else { return nil }
        time = max(time, newest)
        let key =
            catalogDue || lastKey.map { now - $0 >= Self.keyEvery } ?? true
            || current.keys.contains { base[$0] == nil }
        var entries: [LiveFrame.Entry] = []
        for index in current.keys.sorted() {
            guard let value = current[index], key || !Self.same(sent[index], value) else { continue }
            entries.append(LiveFrame.Entry(index: index, value: key ? value : Self.relative(value, to: base[index])))
            sent[index] = value
        }
        guard key || !entries.isEmpty else { return nil }
        if key {
            base = current
            lastKey = now
        }
        let frame = LiveFrame(
            key: key, catalogID: catalogID, catalog: catalogDue ? series : nil, time: time,
            entries: entries)
        catalogDue = false
        return frame.encoded(seriesCount: series.count)
    }

    private mutating func index(of name: String, _ descriptions: SeriesCatalog) -> Int {
        if let index = indices[name] { return index }
        series.append(LiveFrame.Series(name: name, resolution: descriptions.descriptor(of: name).resolution))
        indices[name] = series.count - 1
        catalogID = catalogID == .max ? 1 : catalogID + 1
        catalogDue = true
        return series.count - 1
    }

    /// `value` as steps from `base` (a delta frame's form); raw doubles travel as they are.
    private static func relative(_ value: LiveFrame.Value, to base: LiveFrame.Value?) -> LiveFrame.Value {
        guard case .steps(let steps) = value, case .steps(let from)? = base else { return value }
        return .steps(steps.subtractingSaturating(from))
    }

    private static func same(_ sent: LiveFrame.Value?, _ value: LiveFrame.Value) -> Bool {
        switch (sent, value) {
        case (.steps(let a)?, .steps(let b)): a == b
        case (.raw(let a)?, .raw(let b)): a.bitPattern == b.bitPattern
        default: false
        }
    }
}

extension LiveDocument {
    /// The JSON live document (`live = "always"`): the latest good value of each series in
    /// `samples`, at `time`.
    init(latestOf samples: [SourceSample], time: Int64) {
        var latest: [String: Double] = [:]
        for sample in samples where sample.sample.quality == .good { latest[sample.series] = sample.sample.value }
        self.init(time: time, values: latest)
    }
}
