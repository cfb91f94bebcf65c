import OutpostConfig
import OutpostWire

/// Answers the questions operators and the API ask, over any `HubStore`: a range at full
/// resolution, a range in N buckets from whichever level fits, the newest values of a gateway and
/// the state of the fleet. Late and out-of-order readings are placed by their timestamps.
package struct QueryEngine: Sendable {
    /// A range summarised in buckets.
    package struct Buckets: Sendable {
        /// Where the statistics came from: `raw`, `minute` or `hour`.
        package var source: String
        /// The width of each bucket (ns).
        package var width: Int64
        /// The non-empty buckets, in time order.
        package var buckets: [RollupBucket]
    }

    let store: any HubStore

    /// Creates an engine over `store`.
    package init(store: any HubStore) { self.store = store }

    /// Every sample of `series` with a timestamp in `range`, in time order.
    package func range(_ series: SeriesKey, _ range: ClosedRange<Int64>) async throws -> [Sample] {
        try Self.samples(of: try await store.chunks(of: series, overlapping: range), in: range)
    }

    /// Every sample of `chunks` with a timestamp in `range`, in time order.
    static func samples(of chunks: [StoredChunk], in range: ClosedRange<Int64>) throws -> [Sample] {
        var samples: [Sample] = []
        for chunk in chunks {
            let columns = try chunk.columns()
            for index in 0..<columns.count where range.contains(columns.timestamps[index]) {
                samples.append(
                    Sample(
                        timestamp: columns.timestamps[index], value: columns.values[index],
                        quality: columns.quality(at: index)))
            }
        }
        return Self.ordered(samples)
    }

    /// `range` in about `count` buckets (at least half as many) of min, max, mean and count. The
    /// bucket width is rounded up to whole minutes or hours when rollups answer, so a 30-day chart
    /// reads 720 hourly rows, not 2.6 million samples.
    package func buckets(_ series: SeriesKey, _ range: ClosedRange<Int64>, count: Int) async throws -> Buckets {
        // Saturating: a range as wide as Int64 gives a span of Int64.max, never a trap.
        let span = range.upperBound.subtractingSaturating(range.lowerBound).addingSaturating(1)
        let slices = Int64(max(1, count))
        let wanted = max(1, span / slices + (span % slices == 0 ? 0 : 1))
        // The coarsest level that still gives at least half the buckets asked for: 30 days in
        // 1,000 buckets reads 720 hourly rows, not 43,200 minute rows.
        let level = [RollupLevel.hour, .minute].first { span / $0.width >= Int64(max(1, count / 2)) }
        guard let level else {
            var buckets: [Int64: Aggregate] = [:]
            for sample in try await self.range(series, range) {
                let start = range.lowerBound &+ (sample.timestamp &- range.lowerBound) / wanted &* wanted
                buckets[start, default: .empty].add(sample.value, quality: sample.quality)
            }
            return Buckets(source: "raw", width: wanted, buckets: Self.sorted(buckets))
        }
        let whole = wanted / level.width + (wanted % level.width == 0 ? 0 : 1)
        let width = max(level.width, whole.multipliedSaturating(by: level.width))
        let origin = level.bucket(of: range.lowerBound)
        var buckets: [Int64: Aggregate] = [:]
        for rollup in try await store.rollups(of: series, level: level, in: origin...range.upperBound) {
            let offset = rollup.start.subtractingSaturating(origin)
            buckets[origin.addingSaturating(offset / width &* width), default: .empty].merge(rollup.aggregate)
        }
        return Buckets(source: level.rawValue, width: width, buckets: Self.sorted(buckets))
    }

    /// The newest reading of every series of `gateway`.
    package func latest(gateway: String) async throws -> [LatestReading] { try await store.latest(gateway: gateway) }

    /// Every gateway's state, as of `now` (hub time); `silentAfter` is how long without a frame
    /// or status turns an online gateway into a silent one.
    package func fleet(now: Int64, silentAfter: Duration = .seconds(300)) async throws -> [GatewayOverview] {
        var open: [String: Int] = [:]
        for alert in try await store.alerts(in: [.firing, .acknowledged], limit: 1_000_000) {
            open[alert.series.gateway, default: 0] += 1
        }
        return try await store.gateways().map {
            GatewayOverview(record: $0, now: now, silentAfter: silentAfter, openAlerts: open[$0.id] ?? 0)
        }
    }

    /// Samples in time order; ties keep the order they were stored in, so compaction (which
    /// writes them in this order) never changes an answer.
    static func ordered(_ samples: [Sample]) -> [Sample] {
        var isSorted = true
        for index in samples.indices.dropFirst() where samples[index - 1].timestamp > samples[index].timestamp {
            isSorted = false
            break
        }
        if isSorted { return samples }
        return samples.enumerated().sorted { left, right in
            (left.element.timestamp, left.offset) < (right.element.timestamp, right.offset)
        }.map(\.element)
    }

    private static func sorted(_ buckets: [Int64: Aggregate]) -> [RollupBucket] {
        buckets.map { RollupBucket(start: $0.key, aggregate: $0.value) }.sorted { $0.start < $1.start }
    }
}

/// One gateway as the fleet view shows it.
package struct GatewayOverview: Sendable, Hashable {
    /// What the store knows.
    package var record: GatewayRecord
    /// `online`, `silent` (online but nothing heard lately), `offline`, `revoked` or `unenrolled`.
    /// A gateway's own status reports (MQTT; its last will says offline) decide online and
    /// offline; one that never sent one (it posts frames over HTTP) is online while its frames
    /// keep coming, and offline before its first.
    package var state: String
    /// Open alerts (firing or acknowledged).
    package var openAlerts: Int

    /// Derives the state of `record` as of `now`.
    package init(record: GatewayRecord, now: Int64, silentAfter: Duration, openAlerts: Int = 0) {
        self.record = record
        self.openAlerts = openAlerts
        let silence = silentAfter.nanoseconds
        state =
            if record.revokedAt != nil { "revoked" } else if !record.enrolled {
                "unenrolled"
            } else if record.agentVersion != nil && !record.online { "offline" } else if let seen = record.lastSeen {
                now &- seen > silence ? "silent" : "online"
            } else { "offline" }
    }
}
