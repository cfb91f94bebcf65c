import Foundation
import Hummingbird
import Logging
import OutpostWire

/// The JSON API under `/api/v1`: ingest over HTTP (the same checks as MQTT, the acknowledgement
/// in the response) and the query engine's answers.
public struct HubAPI: Sendable {
    let pipeline: IngestPipeline
    let engine: QueryEngine
    let maxFrameBytes: Int
    let clock: WallClock
    let notifier: WebhookNotifier?

    /// Creates the API.
    public init(
        pipeline: IngestPipeline, maxFrameBytes: Int, notifier: WebhookNotifier? = nil,
        clock: @escaping WallClock = systemWallClock
    ) {
        self.notifier = notifier
        self.pipeline = pipeline
        engine = QueryEngine(store: pipeline.store)
        self.maxFrameBytes = maxFrameBytes
        self.clock = clock
    }

    /// Adds the routes to `router`.
    public func register(on router: Router<BasicRequestContext>) {
        router.post("/api/v1/ingest") { request, _ in await ingest(request) }
        router.get("/api/v1/fleet") { _, _ in try fleet() }
        router.get("/api/v1/gateways/:gateway/latest") { _, context in
            try latest(context.parameters.get("gateway") ?? "")
        }
        router.get("/api/v1/gateways/:gateway/series") { _, context in
            try series(context.parameters.get("gateway") ?? "")
        }
        router.get("/api/v1/series") { request, _ in try range(request) }
        router.get("/api/v1/refusals") { _, _ in try refusals() }
        router.get("/api/v1/ingest/stats") { _, _ in stats() }
        router.get("/api/v1/alerts") { request, _ in try alerts(request) }
        router.post("/api/v1/alerts/:id/acknowledge") { request, context in
            await acknowledge(request, id: context.parameters.get("id").flatMap { Int64($0) })
        }
    }

    private func ingest(_ incoming: Request) async -> Response {
        var request = incoming
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxFrameBytes)
        } catch {
            return JSONResponse.error(
                .contentTooLarge, "too_large", "a frame is at most \(maxFrameBytes) bytes")
        }
        let json = request.headers[.contentType]?.hasPrefix("application/json") ?? false
        switch await pipeline.ingest(Array(buffer: body), json: json) {
        case .acknowledged(let ack, _, let duplicate):
            var object: [String: Any] = ["sequences": ack.sequences, "hub_time": ack.hubTime]
            object["duplicate"] = duplicate
            return JSONResponse.ok(object)
        case .refused(let refusal):
            let status: HTTPResponse.Status =
                refusal.reason == "unknown_gateway" || refusal.reason == "revoked_gateway" ? .forbidden : .badRequest
            return JSONResponse.error(status, refusal.reason, refusal.detail)
        case .failed(let detail):
            return JSONResponse.error(.serviceUnavailable, "store_unavailable", detail)
        }
    }

    private func fleet() throws -> Response {
        JSONResponse.ok(["gateways": try engine.fleet(now: clock()).map(JSONResponse.gateway)])
    }

    private func latest(_ gateway: String) throws -> Response {
        let readings = try engine.latest(gateway: gateway).map { reading -> [String: Any] in
            [
                "series": reading.series.name, "unit": reading.unit, "time": reading.timestamp,
                "value": JSONResponse.number(reading.value), "good": reading.good,
            ]
        }
        return JSONResponse.ok(["gateway": gateway, "latest": readings])
    }

    private func series(_ gateway: String) throws -> Response {
        let list = try pipeline.store.series(gateway: gateway).map { record -> [String: Any] in
            [
                "name": record.key.name, "unit": record.unit, "kind": record.kind.name,
                "resolution": record.resolution?.description ?? NSNull(),
            ]
        }
        return JSONResponse.ok(["gateway": gateway, "series": list])
    }

    /// `GET /api/v1/series?gateway=G&name=N&from=T&to=T[&buckets=N]`: raw samples
    /// (`[time, value, quality]`), or N buckets of count, valid, min, max and mean.
    private func range(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        let now = clock()
        guard let gateway = query.get("gateway"), let name = query.get("name") else {
            return JSONResponse.error(.badRequest, "missing_parameter", "give gateway= and name=")
        }
        guard let from = TimeArgument.parse(query.get("from") ?? "now-1h", now: now),
            let to = TimeArgument.parse(query.get("to") ?? "now", now: now), from <= to
        else {
            return JSONResponse.error(
                .badRequest, "bad_time", "from= and to= take now, now-24h, RFC 3339 or ns since the epoch; from <= to")
        }
        let key = SeriesKey(gateway: gateway, name: name)
        if let text = query.get("buckets") {
            guard let count = Int(text), (1...10_000).contains(count) else {
                return JSONResponse.error(.badRequest, "bad_buckets", "buckets= is 1-10000")
            }
            let answer = try engine.buckets(key, from...to, count: count)
            let buckets = answer.buckets.map { bucket -> [String: Any] in
                var object = JSONResponse.aggregate(bucket.aggregate)
                object["start"] = bucket.start
                return object
            }
            return JSONResponse.ok([
                "gateway": gateway, "series": name, "from": from, "to": to, "source": answer.source,
                "width": answer.width, "buckets": buckets,
            ])
        }
        let samples = try engine.range(key, from...to)
        return JSONResponse.ok([
            "gateway": gateway, "series": name, "from": from, "to": to, "samples": samples.map(\.jsonRow),
        ])
    }

    private func refusals() throws -> Response {
        let list = try pipeline.store.refusals().map { refusal -> [String: Any] in
            [
                "gateway": refusal.gateway, "reason": refusal.reason, "count": refusal.count,
                "first_at": refusal.firstAt, "last_at": refusal.lastAt, "detail": refusal.detail,
            ]
        }
        return JSONResponse.ok(["refusals": list])
    }

    /// `GET /api/v1/alerts[?state=open|firing|acknowledged|resolved|all]` (default `open`: firing
    /// and acknowledged), newest first.
    private func alerts(_ request: Request) throws -> Response {
        let wanted = request.uri.queryParameters.get("state") ?? "open"
        let states: Set<Alert.State>
        switch wanted {
        case "open": states = [.firing, .acknowledged]
        case "all": states = Set(Alert.State.allCases)
        default:
            guard let state = Alert.State(rawValue: wanted) else {
                return JSONResponse.error(.badRequest, "bad_state", "state= is open, firing, acknowledged, resolved or all")
            }
            states = [state]
        }
        let list = try pipeline.store.alerts(in: states, limit: 1000).map(JSONResponse.alert)
        return JSONResponse.ok(["alerts": list])
    }

    /// `POST /api/v1/alerts/{id}/acknowledge` with `{"by": "...", "note": "..."}`.
    private func acknowledge(_ incoming: Request, id: Int64?) async -> Response {
        var request = incoming
        guard let id else { return JSONResponse.error(.badRequest, "bad_id", "the alert id is a number") }
        let body = (try? await request.collectBody(upTo: 64 * 1024)).map { Data(buffer: $0) } ?? Data()
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        guard let person = object["by"] as? String, !person.isEmpty else {
            return JSONResponse.error(.badRequest, "missing_by", "say who acknowledges: {\"by\": \"name\", \"note\": \"...\"}")
        }
        do {
            guard
                try pipeline.store.acknowledgeAlert(
                    id, by: person, note: object["note"] as? String ?? "", at: clock())
            else {
                return JSONResponse.error(.notFound, "not_firing", "no firing alert \(id)")
            }
            if let notifier,
                let alert = try pipeline.store.alerts(in: [.acknowledged], limit: 1000).first(where: { $0.id == id })
            {
                notifier.notify("alert.acknowledged", alert)
            }
            return JSONResponse.ok(["acknowledged": id])
        } catch {
            return JSONResponse.error(.serviceUnavailable, "store_unavailable", "\(error)")
        }
    }

    private func stats() -> Response {
        let values = pipeline.counters.snapshot
        var object: [String: Any] = [
            "frames_applied": values.framesApplied, "duplicates": values.duplicates, "readings": values.readings,
            "commits": values.commits, "store_failures": values.storeFailures, "refused": values.refused,
        ]
        if let detection = pipeline.detection?.counters {
            object["detection"] = [
                "scored": detection.scored, "late": detection.late, "alerts_opened": detection.opened,
                "alerts_resolved": detection.resolved, "alert_write_failures": detection.failures,
            ] as [String: Any]
        }
        if let webhooks = notifier?.counters {
            object["webhooks"] = [
                "delivered": webhooks.delivered, "failed_attempts": webhooks.failedAttempts,
                "abandoned": webhooks.abandoned, "dropped": webhooks.dropped,
            ]
        }
        return JSONResponse.ok(object)
    }
}
