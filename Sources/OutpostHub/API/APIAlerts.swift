extension API {
    /// An alert: one ongoing problem of a series (or of a gateway: `series` is empty).
    package struct Alert: Encodable, Sendable {
        package var id: Int64
        package var gateway, series, kind, state: String
        package var score: Double
        package var openedAt, lastAnomalyAt: Int64
        package var resolvedAt: Int64?
        package var resolution, acknowledgedBy, note: String?
        enum CodingKeys: String, CodingKey {
            case id, gateway, series, kind, state, score, openedAt = "opened_at", lastAnomalyAt = "last_anomaly_at"
            case resolvedAt = "resolved_at", resolution, acknowledgedBy = "acknowledged_by", note
        }

        package init(_ alert: OutpostHub.Alert) {
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
    package struct AlertPage: APIDocument {
        package static let schema = "AlertPage"
        package var alerts: [Alert]
        @OmittedWhenNil package var nextBefore: Int64?
        enum CodingKeys: String, CodingKey {
            case alerts, nextBefore = "next_before"
        }
        package static var examples: [Self] {
            [Self(alerts: Alert.examples, nextBefore: 1), Self(alerts: [], nextBefore: nil)]
        }
    }

    /// `GET /api/v1/alerts/{id}`.
    package struct AlertAnswer: APIDocument {
        package static let schema = "AlertAnswer"
        package var alert: Alert
        package static var examples: [Self] { Alert.examples.map { Self(alert: $0) } }
    }

    /// `POST /api/v1/alerts/{id}/acknowledge`.
    package struct AlertAcknowledged: APIDocument {
        package static let schema = "AlertAcknowledged"
        package var acknowledged: Int64
        package var by: String
        package static var examples: [Self] { [Self(acknowledged: 1, by: "duty")] }
    }

    /// What a webhook receives: `alert.opened`, `alert.acknowledged` or `alert.resolved`.
    package struct WebhookEvent: APIDocument {
        package static let schema = "WebhookEvent"
        package var event: String
        package var alert: Alert
        package static var examples: [Self] { Alert.examples.map { Self(event: "alert.opened", alert: $0) } }
    }
}
