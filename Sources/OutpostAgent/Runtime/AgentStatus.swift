#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The agent's health: published retained on the status topic, written to `status.json` in the
/// data directory for `outpost-agent status`, and summarised for systemd.
public struct AgentStatus: Codable, Sendable, Hashable {
    /// Per-source counters.
    public struct Source: Codable, Sendable, Hashable {
        public var goodSamples: Int
        public var badSamples: Int
        public var errors: [String: Int]
        public var lastError: String?
        public var rejectedInput: Int
        public var overruns: Int
        public var reconnects: Int

        enum CodingKeys: String, CodingKey {
            case errors, overruns, reconnects
            case goodSamples = "good_samples"
            case badSamples = "bad_samples"
            case lastError = "last_error"
            case rejectedInput = "rejected_input"
        }
    }

    public var state: String
    public var gateway: String
    public var version: String
    public var time: Int64
    public var backlogReadings: Int
    public var backlogBytes: Int64
    public var oldestUnsentAgeSeconds: Double?
    public var nextSequence: UInt64
    public var evictedReadings: Int64
    public var degradedBatches: Int64
    public var refusedReadings: Int64
    public var clock: String
    public var clockOffsetMilliseconds: Double?
    public var connected: Bool
    public var inFlight: Int
    public var lastAcknowledgementAgeSeconds: Double?
    public var storageBytesWritten: Int64
    public var storageBytesPerDay: Double?
    public var sources: [String: Source]

    enum CodingKeys: String, CodingKey {
        case state, gateway, version, time, clock, connected, sources
        case backlogReadings = "backlog_readings"
        case backlogBytes = "backlog_bytes"
        case oldestUnsentAgeSeconds = "oldest_unsent_age_s"
        case nextSequence = "next_sequence"
        case evictedReadings = "evicted_readings"
        case degradedBatches = "degraded_batches"
        case refusedReadings = "refused_readings"
        case clockOffsetMilliseconds = "clock_offset_ms"
        case inFlight = "in_flight"
        case lastAcknowledgementAgeSeconds = "last_ack_age_s"
        case storageBytesWritten = "storage_bytes_written"
        case storageBytesPerDay = "storage_bytes_per_day"
    }

    /// The JSON form (sorted keys, one line).
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { Array($0) } ?? Array(#"{"state":"unknown"}"#.utf8)
    }

    /// Reads the JSON form.
    public init(json: [UInt8]) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(json))
    }

    init(
        state: String, gateway: String, version: String, time: Int64, outbox: OutboxStatistics, clock: ClockReading,
        uplink: (connected: Bool, inFlight: Int, published: Int, resent: Int, clockOffset: Int64?),
        lastAcknowledgementAge: Double?, storage: (written: Int64, perDay: Double?), sources: [String: Source]
    ) {
        self.state = state
        self.gateway = gateway
        self.version = version
        self.time = time
        backlogReadings = outbox.pendingReadings + outbox.unsentReadings
        backlogBytes = outbox.bytes
        oldestUnsentAgeSeconds = outbox.oldestReading.map { Double(time - $0) / 1e9 }
        nextSequence = outbox.nextSequence
        evictedReadings = outbox.evictedReadings
        degradedBatches = outbox.degradedBatches
        refusedReadings = outbox.refusedReadings
        self.clock = clock.state.name
        clockOffsetMilliseconds = uplink.clockOffset.map { Double($0) / 1e6 }
        connected = uplink.connected
        inFlight = uplink.inFlight
        lastAcknowledgementAgeSeconds = lastAcknowledgementAge
        storageBytesWritten = storage.written
        storageBytesPerDay = storage.perDay
        self.sources = sources
    }
}

extension AgentStatus.Source {
    init(_ snapshot: SourceCounters.Snapshot) {
        goodSamples = snapshot.goodSamples
        badSamples = snapshot.badSamples
        errors = snapshot.errors
        lastError = snapshot.lastError
        rejectedInput = snapshot.rejectedInput
        overruns = snapshot.overruns
        reconnects = snapshot.reconnects
    }
}
