import Foundation
import Hummingbird
import OutpostWire

/// JSON bodies for the API, built from plain dictionaries: NaN and infinities become `null`
/// (JSON has no such numbers), timestamps are integers in nanoseconds since the epoch.
enum JSONResponse {
    static func ok(_ object: Any) -> Response { make(.ok, object) }

    /// The API's one error shape: `{"error": {"code": "...", "message": "..."}}`.
    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        make(status, ["error": ["code": code, "message": message]])
    }

    /// A 503 for when the hub's database failed to `doing` (e.g. "answer", "check the session"):
    /// the database's own words (SQL, file paths) go to the hub's log, never to the client.
    static func storeUnavailable(_ doing: String) -> Response {
        error(
            .serviceUnavailable, "store_unavailable",
            "the hub's database could not \(doing) just now (the hub's log says why); try again in a moment")
    }

    static func make(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        let data = JSONValue.data(object)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A number JSON can hold, or null.
    static func number(_ value: Double) -> Any { value.isFinite ? value : NSNull() }

    static func aggregate(_ aggregate: Aggregate) -> [String: Any] {
        [
            "count": aggregate.count, "valid": aggregate.validCount, "min": number(aggregate.min),
            "max": number(aggregate.max), "mean": number(aggregate.mean),
        ]
    }

    static func alert(_ alert: Alert) -> [String: Any] {
        [
            "id": alert.id, "gateway": alert.series.gateway, "series": alert.series.name, "kind": alert.kind.rawValue,
            "state": alert.state.rawValue, "score": number(alert.score), "opened_at": alert.openedAt,
            "last_anomaly_at": alert.lastAnomalyAt, "resolved_at": alert.resolvedAt ?? NSNull(),
            "resolution": alert.resolution ?? NSNull(),
            "acknowledged_by": alert.acknowledgedBy ?? NSNull(), "note": alert.note ?? NSNull(),
        ]
    }

    static func gateway(_ overview: GatewayOverview) -> [String: Any] {
        let record = overview.record
        var object: [String: Any] = [
            "id": record.id, "state": overview.state, "backlog_readings": record.backlogReadings,
            "clock_offset_ns": record.clockOffset, "clock_state": record.clockState, "series": record.seriesCount,
            "open_alerts": overview.openAlerts,
        ]
        object["last_seen"] = record.lastSeen ?? NSNull()
        object["agent_version"] = record.agentVersion ?? NSNull()
        object["latitude"] = record.latitude.map(number) ?? NSNull()
        object["longitude"] = record.longitude.map(number) ?? NSNull()
        return object
    }

    static func sample(_ sample: Sample) -> [Any] { sample.jsonRow }
}

extension Sample {
    /// The reading as the API and `export --format json` write it: `[time_ns, value or null, quality]`.
    public var jsonRow: [Any] { [timestamp, JSONResponse.number(value), quality.description] }
}
