extension API {
    /// `{"error": {"code", "message"}}`: every error the API answers.
    public struct ErrorBody: APIDocument {
        public static let schema = "Error"
        public struct Detail: Encodable, Sendable {
            public var code: String
            public var message: String
        }
        public var error: Detail

        public init(code: String, message: String) { error = Detail(code: code, message: message) }

        public static var examples: [Self] { [Self(code: "bad_parameter", message: "limit= is within 1-1000")] }
    }

    /// `GET /health`.
    public struct Health: APIDocument {
        public static let schema = "Health"
        public var status = "ok"
        public static var examples: [Self] { [Self()] }
    }

    /// `POST /api/v1/ingest`: the acknowledgement, once the frame is durable.
    public struct IngestAcknowledgement: APIDocument {
        public static let schema = "IngestAcknowledgement"
        public var sequences: [UInt64]
        public var hubTime: Int64
        public var duplicate: Bool
        enum CodingKeys: String, CodingKey {
            case sequences, hubTime = "hub_time", duplicate
        }
        public static var examples: [Self] {
            [Self(sequences: [1, 2], hubTime: 1_767_225_600_000_000_000, duplicate: false)]
        }
    }

    /// `GET /api/v1/ingest/stats`.
    public struct IngestStats: APIDocument {
        public static let schema = "IngestStats"
        public struct Detection: Encodable, Sendable {
            public var scored, late, lateScored, lateAnomalous: Int
            /// Alerts opened, by kind.
            public var alertsOpened: [String: Int]
            public var alertsResolved, alertWriteFailures: Int
            public var queue: Int
            enum CodingKeys: String, CodingKey {
                case scored, late, lateScored = "late_scored", lateAnomalous = "late_anomalous"
                case alertsOpened = "alerts_opened", alertsResolved = "alerts_resolved"
                case alertWriteFailures = "alert_write_failures", queue
            }
        }
        public struct Webhooks: Encodable, Sendable {
            public var delivered, failedAttempts, abandoned, dropped: Int
            public var queue: Int
            enum CodingKeys: String, CodingKey {
                case delivered, failedAttempts = "failed_attempts", abandoned, dropped, queue
            }
        }
        public var framesApplied, duplicates, readings, commits, storeFailures: Int
        public var refused: [String: Int]
        public var ingestQueue, liveClients: Int
        @OmittedWhenNil public var detection: Detection?
        @OmittedWhenNil public var webhooks: Webhooks?
        enum CodingKeys: String, CodingKey {
            case framesApplied = "frames_applied", duplicates, readings, commits, storeFailures = "store_failures"
            case refused, ingestQueue = "ingest_queue", liveClients = "live_clients", detection, webhooks
        }
        public static var examples: [Self] {
            let bare = Self(
                framesApplied: 3, duplicates: 1, readings: 180, commits: 2, storeFailures: 0,
                refused: ["bad_signature": 1], ingestQueue: 0, liveClients: 2)
            var full = bare
            full.detection = Detection(
                scored: 180, late: 0, lateScored: 0, lateAnomalous: 0, alertsOpened: ["spike": 1], alertsResolved: 0,
                alertWriteFailures: 0, queue: 0)
            full.webhooks = Webhooks(delivered: 1, failedAttempts: 0, abandoned: 0, dropped: 0, queue: 0)
            return [bare, full]
        }
    }

    /// `GET /api/v1/refusals`: a page of refused frames, newest first.
    public struct RefusalPage: APIDocument {
        public static let schema = "RefusalPage"
        public struct Refusal: Encodable, Sendable {
            public var gateway, reason: String
            public var count, firstAt, lastAt: Int64
            public var detail: String
            enum CodingKeys: String, CodingKey {
                case gateway, reason, count, firstAt = "first_at", lastAt = "last_at", detail
            }
            init(_ record: RefusalRecord) {
                (gateway, reason, count) = (record.gateway, record.reason, record.count)
                (firstAt, lastAt, detail) = (record.firstAt, record.lastAt, record.detail)
            }
        }
        public var refusals: [Refusal]
        @OmittedWhenNil public var nextOffset: Int?
        enum CodingKeys: String, CodingKey {
            case refusals, nextOffset = "next_offset"
        }
        public static var examples: [Self] {
            let row = RefusalRecord(
                gateway: "gw-1", reason: "bad_signature", count: 2, firstAt: 1, lastAt: 2,
                detail: "signature does not verify")
            return [Self(refusals: [Refusal(row)], nextOffset: 100), Self(refusals: [], nextOffset: nil)]
        }
    }
}
