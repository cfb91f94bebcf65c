import Foundation
import Hummingbird
import OutpostCLI

/// Ingest over HTTP, health, the ingest statistics, refusals, `/metrics` and the API document.
struct OperationsRoutes {
    let services: HubServices

    func register(on routes: HubRoutes) {
        routes.add(.get, "/health", .open) { _, _ in JSONResponse.ok(["status": "ok"]) }
        // Frames carry their gateway's signature: that, not a session, is their authentication.
        routes.add(.post, "/api/v1/ingest", .open) { request, _ in await ingest(request) }
        routes.add(.get, "/api/v1/ingest/stats", .role(.viewer)) { _, _ in JSONResponse.ok(stats()) }
        routes.add(.get, "/api/v1/refusals", .role(.viewer)) { _, _ in try refusals() }
        routes.add(.get, "/metrics", services.web.metricsPublic ? .open : .role(.viewer)) { _, _ in metrics() }
        routes.add(.get, "/api/v1/openapi.yaml", .role(.viewer)) { _, _ in try openAPI() }
    }

    private func ingest(_ incoming: Request) async -> Response {
        var request = incoming
        let limit = services.maxFrameBytes
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch {
            return JSONResponse.error(.contentTooLarge, "too_large", "a frame is at most \(limit) bytes")
        }
        let json = request.headers[.contentType]?.hasPrefix("application/json") ?? false
        switch await services.pipeline.ingest(Array(buffer: body), json: json) {
        case .acknowledged(let ack, _, let duplicate):
            return JSONResponse.ok(["sequences": ack.sequences, "hub_time": ack.hubTime, "duplicate": duplicate])
        case .refused(let refusal):
            let status: HTTPResponse.Status =
                refusal.reason == "unknown_gateway" || refusal.reason == "revoked_gateway" ? .forbidden : .badRequest
            return JSONResponse.error(status, refusal.reason, refusal.detail)
        case .failed(let detail):
            return JSONResponse.error(.serviceUnavailable, "store_unavailable", detail)
        }
    }

    private func stats() -> [String: Any] {
        let values = services.pipeline.counters.snapshot
        var object: [String: Any] = [
            "frames_applied": values.framesApplied, "duplicates": values.duplicates, "readings": values.readings,
            "commits": values.commits, "store_failures": values.storeFailures, "refused": values.refused,
            "ingest_queue": services.pipeline.queueDepth, "live_clients": services.feed.clientCount,
        ]
        if let detection = services.pipeline.detection {
            let counts = detection.counters
            object["detection"] = [
                "scored": counts.scored, "late": counts.late, "late_scored": counts.lateScored,
                "late_anomalous": counts.lateAnomalous, "alerts_opened": counts.opened,
                "alerts_resolved": counts.resolved, "alert_write_failures": counts.failures,
                "queue": detection.queueDepth,
            ] as [String: Any]
        }
        if let notifier = services.notifier {
            let counts = notifier.counters
            object["webhooks"] = [
                "delivered": counts.delivered, "failed_attempts": counts.failedAttempts,
                "abandoned": counts.abandoned, "dropped": counts.dropped, "queue": notifier.queueDepth,
            ]
        }
        return object
    }

    private func refusals() throws -> Response {
        let list = try services.store.refusals().map { refusal -> [String: Any] in
            [
                "gateway": refusal.gateway, "reason": refusal.reason, "count": refusal.count,
                "first_at": refusal.firstAt, "last_at": refusal.lastAt, "detail": refusal.detail,
            ]
        }
        return JSONResponse.ok(["refusals": list])
    }

    /// Copies the hub's counts into the registry and renders it in Prometheus' text format.
    private func metrics() -> Response {
        let metrics = services.metrics
        let values = services.pipeline.counters.snapshot
        metrics.counter("frames_applied", "Batch frames stored", value: values.framesApplied)
        metrics.counter("frames_duplicate", "Batch frames received again and acknowledged without change", value: values.duplicates)
        metrics.counter("readings", "Readings stored", value: values.readings)
        metrics.counter("commits", "Group commits of the store", value: values.commits)
        metrics.counter("store_failures", "Store transactions that failed", value: values.storeFailures)
        for (reason, count) in values.refused {
            metrics.counter("frames_refused", "Frames refused, by reason", [("reason", reason)], value: count)
        }
        metrics.gauge("ingest_queue", unit: "frames", "Frames waiting for their group commit", value: Double(services.pipeline.queueDepth))
        if let detection = services.pipeline.detection {
            let counts = detection.counters
            metrics.counter("readings_scored", "Readings scored by the anomaly detectors", value: counts.scored)
            metrics.counter("readings_late", "Readings more than an hour older than their series' newest, scored against its long-run normal", value: counts.late)
            metrics.counter("readings_late_scored", "Late readings within the hour, scored against a copy of the detector", value: counts.lateScored)
            metrics.counter("readings_late_anomalous", "Late readings found anomalous (never opening an alert)", value: counts.lateAnomalous)
            for (kind, count) in counts.opened {
                metrics.counter("alerts_opened", "Alerts opened, by kind", [("kind", kind)], value: count)
            }
            metrics.counter("alerts_resolved", "Alerts resolved", value: counts.resolved)
            metrics.gauge("detection_queue", unit: "frames", "Frames waiting to be scored", value: Double(detection.queueDepth))
        }
        if let notifier = services.notifier {
            let counts = notifier.counters
            metrics.counter("webhooks_delivered", "Alert events delivered to webhooks", value: counts.delivered)
            metrics.counter("webhooks_failed_attempts", "Webhook attempts that failed", value: counts.failedAttempts)
            metrics.counter("webhooks_abandoned", "Alert events given up after the last attempt", value: counts.abandoned)
            metrics.gauge("webhook_queue", unit: "events", "Alert events waiting for delivery", value: Double(notifier.queueDepth))
        }
        metrics.gauge("websocket_clients", "Connected WebSocket clients", value: Double(services.feed.clientCount))
        metrics.counter("websocket_messages", "Messages queued to WebSocket clients", value: services.feed.pushed)
        metrics.counter("websocket_dropped", "Messages dropped because a WebSocket client was too slow", value: services.feed.dropped)
        if let bytes = try? services.store.diskBytes() {
            metrics.gauge("store_size", unit: "bytes", "Bytes the store's data occupies", value: Double(bytes))
        }
        if let open = try? services.store.alerts(in: [.firing, .acknowledged], limit: 1_000_000) {
            var byKind: [String: Int] = [:]
            for alert in open { byKind[alert.kind.rawValue, default: 0] += 1 }
            for kind in AlertKind.allCases {
                metrics.gauge("alerts_open", "Open alerts, by kind", [("kind", kind.rawValue)], value: Double(byKind[kind.rawValue] ?? 0))
            }
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
    }

    /// `openapi.yaml`: installed beside the pages, or at the root of the source tree.
    private func openAPI() throws -> Response {
        let paths = [services.web.assets + "/openapi.yaml", services.web.assets + "/../openapi.yaml"]
        guard let bytes = paths.lazy.compactMap({ try? FileIO.read($0) }).first else {
            throw APIError.notFound("the API document is not installed at \(paths[0])")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/yaml"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
