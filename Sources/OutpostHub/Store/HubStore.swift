import OutpostWire

/// A frame ready to apply: authenticated, with the hub's time at receipt.
package struct ReceivedFrame: Sendable {
    /// The frame.
    package var frame: BatchFrame
    /// The hub's clock when it was taken in (ns since the epoch).
    package var hubTime: Int64

    /// Creates a received frame.
    package init(frame: BatchFrame, hubTime: Int64) {
        self.frame = frame
        self.hubTime = hubTime
    }
}

/// What applying one frame did.
package enum ApplyResult: Sendable {
    /// Stored: what was written (chunks in true time), for the detectors.
    case applied(IngestPlan)
    /// Its (gateway, sequence) was applied before: nothing changed.
    case duplicate
    /// It could not be applied (a chunk that does not decode, a time outside `TimeWindow`):
    /// nothing of it was stored. `code` is the refusal's reason code.
    case rejected(code: RefusalCode, reason: String)

    /// The refusal of a frame whose plan could not be made: a time outside `TimeWindow` keeps
    /// its own reason code, anything else is a chunk that does not decode.
    static func rejection(_ error: any Error) -> ApplyResult {
        if let wire = error as? WireError, case .implausibleTime = wire {
            return .rejected(code: wire.reasonCode, reason: wire.description)
        }
        return .rejected(code: .undecodableChunk, reason: "\(error)")
    }
}

/// A gateway's health report, from its retained status topic.
package struct GatewayStatusReport: Sendable, Hashable {
    /// Whether it says it is online.
    package var online: Bool
    /// Its agent version.
    package var agentVersion: String?
    /// Readings not yet acknowledged.
    package var backlogReadings: Int64?
    /// Its clock state name.
    package var clockState: String?
    /// Its data budget, when it keeps one.
    package var budget: StatusDocument.Budget?
    /// Where it stands with its remote configuration, when it takes one.
    package var configuration: RemoteConfigurationStatus?
    /// Where it stands with agent releases, when it was given one.
    package var release: ReleaseStatus?

    /// Creates a report.
    package init(
        online: Bool, agentVersion: String? = nil, backlogReadings: Int64? = nil, clockState: String? = nil,
        budget: StatusDocument.Budget? = nil, configuration: RemoteConfigurationStatus? = nil,
        release: ReleaseStatus? = nil
    ) {
        self.configuration = configuration
        self.release = release
        self.online = online
        self.agentVersion = agentVersion
        self.backlogReadings = backlogReadings
        self.clockState = clockState
        self.budget = budget
    }

    /// The budget as the stores keep it: JSON text, or NULL.
    var budgetJSON: String? { Self.json(budget) }

    /// A budget read back from the stores; nil for NULL or anything unreadable.
    static func budget(json: String?) -> StatusDocument.Budget? { decoded(json, what: "budget") }

    /// The configuration report as the stores keep it: JSON text, or NULL.
    var configurationJSON: String? { Self.json(configuration) }

    /// A configuration report read back from the stores; nil for NULL or anything unreadable.
    static func configuration(json: String?) -> RemoteConfigurationStatus? {
        decoded(json, what: "configuration report")
    }

    /// The release report as the stores keep it: JSON text, or NULL.
    var releaseJSON: String? { Self.json(release) }

    /// A release report read back from the stores; nil for NULL or anything unreadable.
    static func release(json: String?) -> ReleaseStatus? { decoded(json, what: "release report") }

    /// A part of the report as the stores keep it: JSON text, or NULL.
    private static func json(_ part: (some Encodable)?) -> String? {
        part.flatMap(DocumentJSON.encode).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A part read back from the stores; nil for NULL or anything unreadable.
    private static func decoded<Part: Decodable>(_ json: String?, what: String) -> Part? {
        json.flatMap { try? DocumentJSON.decode(Array($0.utf8), maxBytes: 16 * 1024, what: what) }
    }
}

/// One status report of a gateway, as kept for its health chart.
package struct HealthPoint: Sendable, Hashable {
    /// When the hub received it, ns since the epoch.
    package var time: Int64
    /// Whether the gateway said it was online (its last will says offline).
    package var online: Bool
    /// Readings it had not yet had acknowledged.
    package var backlogReadings: Int64
}

/// How long each level is kept; nil keeps it forever.
package struct RetentionPolicy: Sendable, Hashable {
    /// Raw chunks.
    package var raw: Duration?
    /// One-minute rollups.
    package var minute: Duration?
    /// One-hour rollups.
    package var hour: Duration?

    /// Creates a policy.
    package init(
        raw: Duration? = .seconds(90 * 86_400), minute: Duration? = .seconds(400 * 86_400), hour: Duration? = nil
    ) {
        self.raw = raw
        self.minute = minute
        self.hour = hour
    }
}

/// What a maintenance pass did.
package struct MaintenanceReport: Sendable, Hashable {
    /// Raw chunks dropped by retention.
    package var chunksExpired = 0
    /// Rollup buckets dropped by retention.
    package var bucketsExpired = 0
    /// Chunks merged away by compaction.
    package var chunksMerged = 0
    /// Chunks written by compaction.
    package var chunksWritten = 0

    /// Creates an empty report.
    package init() {}
}

/// Where a series' stored readings are read back from: the query engine's source, and what
/// detection warms a series' detectors up on (`DetectionEngine`).
package protocol SeriesHistory: Sendable {
    /// The chunks of a series that may hold samples in `range` (true time).
    func chunks(of series: SeriesKey, overlapping range: ClosedRange<Int64>) async throws -> [StoredChunk]
    /// The same for many series in one read: a PromQL selector over a fleet asks for 1,000.
    func chunks(of series: [SeriesKey], overlapping range: ClosedRange<Int64>) async throws -> [[StoredChunk]]
}

extension SeriesHistory {
    /// One read per series, for histories with nothing better.
    package func chunks(of series: [SeriesKey], overlapping range: ClosedRange<Int64>) async throws
        -> [[StoredChunk]]
    {
        var result: [[StoredChunk]] = []
        for key in series { result.append(try await chunks(of: key, overlapping: range)) }
        return result
    }
}

/// The hub's system of record. One implementation per backend (SQLite embedded; PostgreSQL at
/// scale); the ingest pipeline and the query engine use only this protocol, and both backends
/// pass the same tests.
package protocol HubStore: AlertStore, AccountStore, SeriesHistory, FleetConfigurationStore, AuditStore,
    RolloutStore, DiagnosticsStore, ReleaseStore
{
    /// Applies frames in one transaction, deduplicated by (gateway, sequence); returns one
    /// result per frame, in order. When it returns, every applied frame is durable.
    func apply(_ frames: [ReceivedFrame]) async throws -> [ApplyResult]
    /// Stores readings that did not come in a frame (a CSV import): no dedupe, same rollups.
    func importReadings(gateway: String, plan: IngestPlan) async throws

    /// Enrols (or re-enrols, clearing a revocation) a gateway with its raw P-256 public key.
    func enrol(gateway: String, publicKey: [UInt8], latitude: Double?, longitude: Double?, at time: Int64) async throws
    /// Revokes a gateway: its frames are refused from now on. False when it is unknown.
    func revoke(gateway: String, at time: Int64) async throws -> Bool
    /// Every gateway.
    func gateways() async throws -> [GatewayRecord]
    /// One gateway, or nil when the hub has never heard of it.
    func gateway(_ id: String) async throws -> GatewayRecord?
    /// The public key (raw P-256) of every enrolled gateway, and whether it was revoked: all
    /// ingest needs to check signatures, read without the fleet view's joins.
    func enrolledKeys() async throws -> [String: (publicKey: [UInt8], revoked: Bool)]
    /// Records a gateway's status report.
    func recordStatus(gateway: String, report: GatewayStatusReport, at time: Int64) async throws
    /// The status reports of a gateway in `range`, oldest first: its health over time.
    func health(gateway: String, in range: ClosedRange<Int64>) async throws -> [HealthPoint]
    /// Counts `count` refused frames of one gateway and reason.
    func recordRefusal(gateway: String, reason: String, detail: String, count: Int, at time: Int64) async throws
    /// Drops refusal rows last seen before `time`, then all but the `keeping` most recent (upkeep
    /// runs it with `RefusalRecord.keepFor` and `maxRows`).
    func pruneRefusals(before time: Int64, keeping: Int) async throws
    /// The refusals counted so far, newest first: `limit` of them after skipping `offset`.
    func refusals(limit: Int, offset: Int) async throws -> [RefusalRecord]

    /// The series of a gateway (every series when `gateway` is nil).
    func series(gateway: String?) async throws -> [SeriesRecord]
    /// The rollup buckets of a series whose start lies in `range`.
    func rollups(of series: SeriesKey, level: RollupLevel, in range: ClosedRange<Int64>) async throws -> [RollupBucket]
    /// The newest reading of each series of a gateway.
    func latest(gateway: String) async throws -> [LatestReading]

    /// Drops what retention says is too old, as of `now`.
    func expire(policy: RetentionPolicy, now: Int64) async throws -> MaintenanceReport
    /// Merges runs of small chunks of each series, ending before `settledBefore`, into chunks of
    /// up to `targetCount` samples, without changing any answer.
    func compact(settledBefore: Int64, targetCount: Int) async throws -> MaintenanceReport
    /// Bytes the store's data occupies on disk (pages in use).
    func diskBytes() async throws -> Int64
    /// Ends what the store holds open (PostgreSQL's connection pool; SQLite's file): the
    /// hub's last step on shutdown, once nothing else writes.
    func close() async
}

extension HubStore {
    /// Every refusal row kept, newest first.
    package func refusals() async throws -> [RefusalRecord] {
        try await refusals(limit: RefusalRecord.maxRows, offset: 0)
    }
}
