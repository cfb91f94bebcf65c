import OutpostWire

/// A series as the hub knows it: one gateway's named measurement.
package struct SeriesKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The gateway that sends it.
    package var gateway: String
    /// The series name, unique per gateway.
    package var name: String

    /// Creates a key.
    package init(gateway: String, name: String) {
        self.gateway = gateway
        self.name = name
    }

    package var description: String { "\(gateway)/\(name)" }

    package static func < (left: SeriesKey, right: SeriesKey) -> Bool {
        (left.gateway, left.name) < (right.gateway, right.name)
    }
}

/// A registered series and what its gateway declared about it.
package struct SeriesRecord: Sendable, Hashable {
    /// The store's id for the series.
    package var id: Int64
    /// Gateway and name.
    package var key: SeriesKey
    /// The unit, free text.
    package var unit: String
    /// What it measures.
    package var kind: SeriesKind
    /// The declared resolution, if any.
    package var resolution: Resolution?
    /// The time of its newest reading (ns), if it has one.
    package var newest: Int64?

    /// Creates a record.
    package init(
        id: Int64, key: SeriesKey, unit: String, kind: SeriesKind, resolution: Resolution?, newest: Int64? = nil
    ) {
        self.id = id
        self.key = key
        self.unit = unit
        self.kind = kind
        self.resolution = resolution
        self.newest = newest
    }
}

/// A chunk as stored: its record exactly as it arrived, the span it covers in true time, and the
/// shift that turns its recorded timestamps into true time (non-zero only for samples taken while
/// the gateway's clock was unsynchronised).
package struct StoredChunk: Sendable {
    /// The first true timestamp covered (ns since the epoch).
    package var start: Int64
    /// The last true timestamp covered.
    package var end: Int64
    /// Added to every recorded timestamp to get true time.
    package var shift: Int64
    /// The chunk record (`Chunk.serialized()`), as it arrived.
    package var record: [UInt8]

    /// Creates a stored chunk.
    package init(start: Int64, end: Int64, shift: Int64, record: [UInt8]) {
        self.start = start
        self.end = end
        self.shift = shift
        self.record = record
    }

    /// The samples in true time, in the order they were taken.
    package func columns() throws(WireError) -> SampleColumns {
        var columns = try Chunk(record: record).decode()
        if shift != 0 {
            for index in columns.timestamps.indices { columns.timestamps[index] &+= shift }
        }
        return columns
    }
}

/// The resolutions the hub keeps rolled up.
package enum RollupLevel: String, Sendable, CaseIterable {
    /// One bucket per minute.
    case minute
    /// One bucket per hour.
    case hour

    /// The bucket width in nanoseconds.
    package var width: Int64 {
        switch self {
        case .minute: 60_000_000_000
        case .hour: 3_600_000_000_000
        }
    }

    /// The start of the bucket holding `timestamp`. Never traps: in the few nanoseconds above
    /// `Int64.min` whose bucket would start below it, the lowest representable bucket start is
    /// given (ingest and queries keep to `TimeWindow`, far from there).
    package func bucket(of timestamp: Int64) -> Int64 {
        timestamp.flooredMultiple(of: width) ?? (Int64.min - Int64.min % width)
    }
}

/// Statistics of a set of samples: all of them counted, the valid ones (good, finite) summarised.
package struct Aggregate: Sendable, Hashable {
    /// Every sample, whatever its quality.
    package var count: Int64
    /// Good, finite samples.
    package var validCount: Int64
    /// Smallest valid value (NaN when none).
    package var min: Double
    /// Largest valid value (NaN when none).
    package var max: Double
    /// Sum of the valid values (0 when none).
    package var sum: Double

    /// Nothing.
    package static let empty = Aggregate(count: 0, validCount: 0, min: .nan, max: .nan, sum: 0)

    /// Creates an aggregate.
    package init(count: Int64, validCount: Int64, min: Double, max: Double, sum: Double) {
        self.count = count
        self.validCount = validCount
        self.min = min
        self.max = max
        self.sum = sum
    }

    /// The aggregate of a chunk, from its summary alone.
    package init(count: Int, summary: ChunkSummary) {
        self.init(
            count: Int64(count), validCount: Int64(summary.validCount), min: summary.min, max: summary.max,
            sum: summary.validCount > 0 ? summary.sum : 0)
    }

    /// The mean of the valid values (NaN when none).
    package var mean: Double { validCount > 0 ? sum / Double(validCount) : .nan }

    /// Adds one sample.
    package mutating func add(_ value: Double, quality: Quality) {
        count += 1
        guard quality == .good, value.isFinite else { return }
        validCount += 1
        sum += value
        min = min.isNaN ? value : Swift.min(min, value)
        max = max.isNaN ? value : Swift.max(max, value)
    }

    /// Merges another aggregate into this one.
    package mutating func merge(_ other: Aggregate) {
        count += other.count
        guard other.validCount > 0 else { return }
        validCount += other.validCount
        sum += other.sum
        min = min.isNaN ? other.min : Swift.min(min, other.min)
        max = max.isNaN ? other.max : Swift.max(max, other.max)
    }
}

/// One rollup bucket of one series.
package struct RollupBucket: Sendable, Hashable {
    /// The bucket's start (ns since the epoch).
    package var start: Int64
    /// Its statistics.
    package var aggregate: Aggregate

    /// Creates a bucket.
    package init(start: Int64, aggregate: Aggregate) {
        self.start = start
        self.aggregate = aggregate
    }
}

/// The newest reading of a series.
package struct LatestReading: Sendable, Hashable {
    /// The series.
    package var series: SeriesKey
    /// Its unit.
    package var unit: String
    /// When it was taken (true time).
    package var timestamp: Int64
    /// The last valid value (NaN when the last chunk had none).
    package var value: Double
    /// Whether the newest sample was good.
    package var good: Bool
}

/// What the hub knows about one gateway.
package struct GatewayRecord: Sendable, Hashable {
    /// The gateway id.
    package var id: String
    /// Whether a public key is enrolled (ingest reads the keys through `enrolledKeys()`).
    package var enrolled: Bool
    /// When it was enrolled (ns), if it was.
    package var enrolledAt: Int64?
    /// When it was revoked (ns), if it was.
    package var revokedAt: Int64?
    /// When a frame or status from it was last taken in (hub time, ns).
    package var lastSeen: Int64?
    /// The agent version it last reported.
    package var agentVersion: String?
    /// The backlog it last reported: readings not yet acknowledged.
    package var backlogReadings: Int64
    /// Its wall clock minus true time, as last learned (ns).
    package var clockOffset: Int64
    /// Its clock state as last reported.
    package var clockState: String
    /// Whether its last status said online.
    package var online: Bool
    /// Where it is, if known.
    package var latitude: Double?
    /// Where it is, if known.
    package var longitude: Double?
    /// The number of series it sends.
    package var seriesCount: Int
    /// The data budget it last reported, if it keeps one.
    package var budget: StatusDocument.Budget? = nil
    /// Where it last said it stands with its remote configuration, if it takes one.
    package var configuration: RemoteConfigurationStatus? = nil
    /// Its labels (`site = north`), what rollouts select by.
    package var labels: [String: String] = [:]
    /// The newest version of its remote configuration; nil when none was pushed.
    package var desiredConfiguration: Int64? = nil
    /// Where it last said it stands with agent releases, if it was ever given one.
    package var release: ReleaseStatus? = nil
}

/// A refused frame, kept so operators can see attempts by unknown or revoked gateways.
package struct RefusalRecord: Sendable, Hashable {
    /// The gateway that refusals of senders the hub does not know are counted under: invented
    /// ids add to one row, not one row each.
    package static let unknownSenders = "(unknown)"
    /// The most rows kept.
    package static let maxRows = 10_000
    /// How long a row is kept after its last refusal (30 days, ns).
    package static let keepFor: Int64 = 30 * 86_400 * 1_000_000_000

    /// The gateway the frame claimed, or `?` when unreadable.
    package var gateway: String
    /// The stable reason code.
    package var reason: String
    /// How many times.
    package var count: Int64
    /// First and last time (hub time, ns).
    package var firstAt: Int64
    /// Last time.
    package var lastAt: Int64
    /// The last detail message.
    package var detail: String
}
