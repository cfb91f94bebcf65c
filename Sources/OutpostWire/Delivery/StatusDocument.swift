#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The agent's health, the document of the status topic (agent → hub, retained): published by
/// the agent, written to `status.json` in its data directory for `outpost-agent status`, and read
/// by the hub for the fleet view and its backlog check. The last will (`lastWill`) holds only
/// `state`: every other field reads as zero or absent when missing.
package struct StatusDocument: Codable, Sendable, Hashable {
    /// Per-source counters.
    package struct Source: Codable, Sendable, Hashable {
        package var goodSamples: Int
        package var badSamples: Int
        package var errors: [String: Int]
        package var lastError: String?
        package var rejectedInput: Int
        package var overruns: Int
        package var reconnects: Int

        /// A source with nothing counted yet.
        package init() {
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

    package var state: String
    package var gateway: String
    package var version: String
    package var time: Int64
    package var backlogReadings: Int
    package var backlogBytes: Int64
    package var oldestUnsentAgeSeconds: Double?
    package var nextSequence: UInt64
    package var evictedReadings: Int64
    package var degradedBatches: Int64
    package var refusedReadings: Int64
    package var clock: String
    package var clockOffsetMilliseconds: Double?
    package var connected: Bool
    package var inFlight: Int
    package var lastAcknowledgementAgeSeconds: Double?
    package var storageBytesWritten: Int64
    package var storageBytesPerDay: Double?
    package var sources: [String: Source]
    /// Whether live values go out: `always`, `never`, or on demand `watched` or `idle`; nil from
    /// agents before on-demand live.
    package var live: String?
    /// Why the last watch document from the hub was refused, if one was.
    package var liveRefusal: String?
    /// The data budget, when one is set (`[uplink] max_bytes_per_day` or `_per_month`).
    package var budget: Budget?
    /// Remote configuration: what it runs, tries, and refused; nil from agents before it.
    package var configuration: RemoteConfigurationStatus?
    /// Agent releases: what runs, tries, and was refused or rolled back; nil when none was given.
    package var release: ReleaseStatus?

    /// A data budget's state.
    package struct Budget: Codable, Sendable, Hashable {
        /// Bytes the period allows.
        package var limit: Int64
        /// `day` or `month` (UTC).
        package var period: String
        /// Bytes counted on the link in this period so far.
        package var used: Int64
        /// When the budget renews, ns since the epoch.
        package var renewsAt: Int64
        /// `readings`, `summaries` (the readings wait for the budget to renew) or `nothing`.
        package var sending: String

        package init(limit: Int64, period: String, used: Int64, renewsAt: Int64, sending: String) {
            (self.limit, self.period, self.used, self.renewsAt, self.sending) = (limit, period, used, renewsAt, sending)
        }

        enum CodingKeys: String, CodingKey {
            case limit, period, used, sending
            case renewsAt = "renews_at"
        }
    }

    enum CodingKeys: String, CodingKey {
        case state, gateway, version, time, clock, connected, sources, live, budget, configuration, release
        case liveRefusal = "live_refusal"
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
    package init(state: String) {
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
    package static let online = "online"
    package static let degraded = "degraded"
    package static let offline = "offline"

    /// The largest document read: an agent's is a few hundred bytes, a few more per source.
    package static let maxBytes = 16 * 1024

    /// What the broker publishes for an agent that vanished: `{"state":"offline"}`.
    package static let lastWill = Array(#"{"state":"offline"}"#.utf8)

    /// Whether the agent says it is offline (it stopped, or vanished and the last will spoke).
    package var isOffline: Bool { state == Self.offline }

    /// The JSON form (sorted keys, one line).
    package func encoded() -> [UInt8] { DocumentJSON.encode(self) ?? Array(#"{"state":"unknown"}"#.utf8) }

    /// Reads the JSON form: at most `maxBytes`, `state` required.
    package init(json: [UInt8]) throws(DocumentError) {
        self = try DocumentJSON.decode(json, maxBytes: Self.maxBytes, what: "status document")
    }

    package init(from decoder: any Decoder) throws {
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
        live = try container.decodeIfPresent(String.self, forKey: .live)
        liveRefusal = try container.decodeIfPresent(String.self, forKey: .liveRefusal)
        budget = try container.decodeIfPresent(Budget.self, forKey: .budget)
        configuration = try container.decodeIfPresent(RemoteConfigurationStatus.self, forKey: .configuration)
        release = try container.decodeIfPresent(ReleaseStatus.self, forKey: .release)
    }
}
