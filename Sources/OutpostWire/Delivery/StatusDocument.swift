#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The agent's health, the document of the status topic (agent → hub, retained): published by
/// the agent, written to `status.json` in its data directory for `outpost-agent status`, and read
/// by the hub for the fleet view and its backlog check. The last will (`lastWill`) holds only
/// `state`: every other field reads as zero or absent when missing.
public struct StatusDocument: Codable, Sendable, Hashable {
    /// Per-source counters.
    public struct Source: Codable, Sendable, Hashable {
        public var goodSamples: Int
        public var badSamples: Int
        public var errors: [String: Int]
        public var lastError: String?
        public var rejectedInput: Int
        public var overruns: Int
        public var reconnects: Int

        /// A source with nothing counted yet.
        public init() {
            (goodSamples, badSamples, errors, lastError) = (0, 0, [:], nil)
            (rejectedInput, overruns, reconnects) = (0, 0, 0)
        }

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

    /// A document saying only `state`, every count zero: the agent fills in the rest.
    public init(state: String) {
        self.state = state
        gateway = ""
        version = ""
        time = 0
        backlogReadings = 0
        backlogBytes = 0
        nextSequence = 0
        evictedReadings = 0
        degradedBatches = 0
        refusedReadings = 0
        clock = ""
        connected = false
        inFlight = 0
        storageBytesWritten = 0
        sources = [:]
    }

    /// The states an agent reports.
    public static let online = "online"
    public static let degraded = "degraded"
    public static let offline = "offline"

    /// The largest document read: an agent's is a few hundred bytes, a few more per source.
    public static let maxBytes = 16 * 1024

    /// What the broker publishes for an agent that vanished: `{"state":"offline"}`.
    public static let lastWill = Array(#"{"state":"offline"}"#.utf8)

    /// Whether the agent says it is offline (it stopped, or vanished and the last will spoke).
    public var isOffline: Bool { state == Self.offline }

    /// The JSON form (sorted keys, one line).
    public func encoded() -> [UInt8] { DocumentJSON.encode(self) ?? Array(#"{"state":"unknown"}"#.utf8) }

    /// Reads the JSON form: at most `maxBytes`, `state` required.
    public init(json: [UInt8]) throws(DocumentError) {
        self = try DocumentJSON.decode(json, maxBytes: Self.maxBytes, what: "status document")
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ absent: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? absent
        }
        // A count is never negative: a document saying so is not the agent's.
        func count<T: Decodable & SignedInteger>(_ key: CodingKeys) throws -> T {
            let read: T = try value(key, 0)
            guard read >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "negative count")
            }
            return read
        }
        state = try container.decode(String.self, forKey: .state)
        gateway = try value(.gateway, "")
        version = try value(.version, "")
        time = try value(.time, 0)
        backlogReadings = try count(.backlogReadings)
        backlogBytes = try count(.backlogBytes)
        oldestUnsentAgeSeconds = try container.decodeIfPresent(Double.self, forKey: .oldestUnsentAgeSeconds)
        nextSequence = try value(.nextSequence, 0)
        evictedReadings = try count(.evictedReadings)
        degradedBatches = try count(.degradedBatches)
        refusedReadings = try count(.refusedReadings)
        clock = try value(.clock, "")
        clockOffsetMilliseconds = try container.decodeIfPresent(Double.self, forKey: .clockOffsetMilliseconds)
        connected = try value(.connected, false)
        inFlight = try count(.inFlight)
        lastAcknowledgementAgeSeconds = try container.decodeIfPresent(
            Double.self, forKey: .lastAcknowledgementAgeSeconds)
        storageBytesWritten = try count(.storageBytesWritten)
        storageBytesPerDay = try container.decodeIfPresent(Double.self, forKey: .storageBytesPerDay)
        sources = try value(.sources, [:])
    }
}
