extension API {
    /// An alert: one ongoing problem of a series (or of a gateway: `series` is empty).
    public struct Alert: Encodable, Sendable {
        public var id: Int64
        public var gateway, series, kind, state: String
        public var score: Double
        public var openedAt, lastAnomalyAt: Int64
        public var resolvedAt: Int64?
        public var resolution, acknowledgedBy, note: String?
        enum CodingKeys: String, CodingKey {
            case id, gateway, series, kind, state, score, openedAt = "opened_at", lastAnomalyAt = "last_anomaly_at"
            case resolvedAt = "resolved_at", resolution, acknowledgedBy = "acknowledged_by", note
        }

        public init(_ alert: OutpostHub.Alert) {
            (id, gateway, series, kind) = (alert.id, alert.series.gateway, alert.series.name, alert.kind.rawValue)
            (state, score, openedAt, lastAnomalyAt) = (
                alert.state.rawValue, alert.score, alert.openedAt, alert.lastAnomalyAt
            )
            (resolvedAt, resolution, acknowledgedBy, note) =
                (alert.resolvedAt, alert.resolution, alert.acknowledgedBy, alert.note)
        }

        static var examples: [Self] {
            let firing = OutpostHub.Alert(
                id: 1, series: SeriesKey(gateway: "gw-1", name: "boiler.temperature"), kind: .spike, state: .firing,
                score: 0.97, openedAt: 1, lastAnomalyAt: 2)
            var resolved = firing
            (resolved.state, resolved.resolvedAt, resolved.resolution) = (.resolved, 3, "the new normal")
            (resolved.acknowledgedBy, resolved.note, resolved.score) = ("duty", "valve replaced", .nan)
            return [Self(firing), Self(resolved)]
        }
    }

    /// `GET /api/v1/alerts`: newest first; `next_before` continues the list.
    public struct AlertPage: APIDocument {
        public static let schema = "AlertPage"
        public var alerts: [Alert]
        @OmittedWhenNil public var nextBefore: Int64?
        enum CodingKeys: String, CodingKey {
            case alerts, nextBefore = "next_before"
        }
        public static var examples: [Self] {
            [Self(alerts: Alert.examples, nextBefore: 1), Self(alerts: [], nextBefore: nil)]
        }
    }

    /// `GET /api/v1/alerts/{id}`.
    public struct AlertAnswer: APIDocument {
        public static let schema = "AlertAnswer"
        public var alert: Alert
        public static var examples: [Self] { Alert.examples.map { Self(alert: $0) } }
    }

    /// `POST /api/v1/alerts/{id}/acknowledge`.
    public struct AlertAcknowledged: APIDocument {
        public static let schema = "AlertAcknowledged"
        public var acknowledged: Int64
        public var by: String
        public static var examples: [Self] { [Self(acknowledged: 1, by: "duty")] }
    }

    /// What a webhook receives: `alert.opened`, `alert.acknowledged` or `alert.resolved`.
    public struct WebhookEvent: APIDocument {
        public static let schema = "WebhookEvent"
        public var event: String
        public var alert: Alert
        public static var examples: [Self] { Alert.examples.map { Self(event: "alert.opened", alert: $0) } }
    }
}
