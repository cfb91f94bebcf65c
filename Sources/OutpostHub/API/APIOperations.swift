extension API {
    /// `{"error": {"code", "message"}}`: every error the API answers.
    package struct ErrorBody: APIDocument {
        package static let schema = "Error"
        package struct Detail: Encodable, Sendable {
            package var code: String
            package var message: String
        }
        package var error: Detail

        package init(code: String, message: String) { error = Detail(code: code, message: message) }

        package static var examples: [Self] { [Self(code: "bad_parameter", message: "limit= is within 1-1000")] }
    }

    /// `GET /health`.
    package struct Health: APIDocument {
        package static let schema = "Health"
        package var status = "ok"
        package static var examples: [Self] { [Self()] }
    }

    /// `POST /api/v1/ingest`: the acknowledgement, once the frame is durable.
    package struct IngestAcknowledgement: APIDocument {
        package static let schema = "IngestAcknowledgement"
        package var sequences: [UInt64]
        package var hubTime: Int64
        package var duplicate: Bool
        enum CodingKeys: String, CodingKey {
            case sequences, hubTime = "hub_time", duplicate
        }
        package static var examples: [Self] {
            [Self(sequences: [1, 2], hubTime: 1_767_225_600_000_000_000, duplicate: false)]
        }
    }

    /// `GET /api/v1/ingest/stats`.
    package struct IngestStats: APIDocument {
        package static let schema = "IngestStats"
        package struct Detection: Encodable, Sendable {
            package var scored, late, lateScored, lateAnomalous: Int
            /// Alerts opened, by kind.
            package var alertsOpened: [String: Int]
            package var alertsResolved, alertWriteFailures: Int
            package var queue: Int
            enum CodingKeys: String, CodingKey {
                case scored, late, lateScored = "late_scored", lateAnomalous = "late_anomalous"
                case alertsOpened = "alerts_opened", alertsResolved = "alerts_resolved"
                case alertWriteFailures = "alert_write_failures", queue
            }
        }
        package struct Webhooks: Encodable, Sendable {
            package var delivered, failedAttempts, abandoned, dropped: Int
            package var queue: Int
            enum CodingKeys: String, CodingKey {
                case delivered, failedAttempts = "failed_attempts", abandoned, dropped, queue
            }
        }
        package var framesApplied, duplicates, readings, commits, storeFailures: Int
        package var refused: [String: Int]
        package var ingestQueue, liveClients: Int
        @OmittedWhenNil package var detection: Detection?
        @OmittedWhenNil package var webhooks: Webhooks?
        enum CodingKeys: String, CodingKey {
            case framesApplied = "frames_applied", duplicates, readings, commits, storeFailures = "store_failures"
            case refused, ingestQueue = "ingest_queue", liveClients = "live_clients", detection, webhooks
        }
        package static var examples: [Self] {
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
    package struct RefusalPage: APIDocument {
        package static let schema = "RefusalPage"
        package struct Refusal: Encodable, Sendable {
            package var gateway, reason: String
            package var count, firstAt, lastAt: Int64
            package var detail: String
            enum CodingKeys: String, CodingKey {
                case gateway, reason, count, firstAt = "first_at", lastAt = "last_at", detail
            }
            init(_ record: RefusalRecord) {
                (gateway, reason, count) = (record.gateway, record.reason, record.count)
                (firstAt, lastAt, detail) = (record.firstAt, record.lastAt, record.detail)
            }
        }
        package var refusals: [Refusal]
        @OmittedWhenNil package var nextOffset: Int?
        enum CodingKeys: String, CodingKey {
            case refusals, nextOffset = "next_offset"
        }
        package static var examples: [Self] {
            let row = RefusalRecord(
                gateway: "gw-1", reason: "bad_signature", count: 2, firstAt: 1, lastAt: 2,
                detail: "signature does not verify")
            return [Self(refusals: [Refusal(row)], nextOffset: 100), Self(refusals: [], nextOffset: nil)]
        }
    }
}
