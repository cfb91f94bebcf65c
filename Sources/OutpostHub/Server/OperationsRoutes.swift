import Foundation
import Hummingbird
import OutpostSystem
import OutpostWire

/// Ingest over HTTP, health, the ingest statistics, refusals, `/metrics` and the API document.
struct OperationsRoutes {
    let services: HubServices

    func register(on routes: HubRoutes) {
        routes.add(.get, "/health", .open) { _, _ in JSONResponse.ok(API.Health()) }
        // Frames carry their gateway's signature: that, not a session, is their authentication.
        routes.add(.post, "/api/v1/ingest", .open) { request, context in await admitted(request, context) }
        routes.add(.get, "/api/v1/ingest/stats", .role(.viewer)) { _, _ in JSONResponse.ok(stats()) }
        routes.add(.get, "/api/v1/refusals", .role(.viewer)) { request, _ in try await refusals(request) }
        routes.add(.get, "/metrics", services.web.metricsPublic ? .open : .role(.viewer)) { _, _ in await metrics() }
        routes.add(.get, "/api/v1/openapi.yaml", .role(.viewer)) { _, _ in try await openAPI() }
    }

    /// Ingest over HTTP, once the caller's address is within its rate and a reader is free.
    private func admitted(_ request: Request, _ context: HubRequestContext) async -> Response {
        switch services.admission.admit(client: context.client, now: services.clock()) {
        case .tooFast(let wait):
            var response = JSONResponse.error(
                .tooManyRequests, "too_many_frames",
                "this address sends more than \(Int(services.admission.rate)) frames a second; try again in \(wait) s")
            response.headers[.retryAfter] = String(wait)
            return response
        case .busy:
            var response = JSONResponse.error(
                .serviceUnavailable, "busy",
                "the hub is checking \(services.admission.concurrency) frames already; try again")
            response.headers[.retryAfter] = "1"
            return response
        case .admitted:
            defer { services.admission.finished() }
            return await ingest(request)
        }
    }

    private func ingest(_ incoming: Request) async -> Response {
        var request = incoming
        let json = RequestInput.isJSON(request)
        let limit = json ? min(services.maxJSONFrameBytes, services.maxFrameBytes) : services.maxFrameBytes
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch {
            let what = json ? "the JSON rendering of a frame" : "a frame"
            return JSONResponse.error(.contentTooLarge, "too_large", "\(what) is at most \(limit) bytes")
        }
        let bytes = Array(buffer: body)
        // A JSON frame costs far more to parse than to send: one that names a gateway the hub
        // does not know (or none) is refused before it is parsed.
        if json, let gateway = FrameJSON.claimedGateway(of: bytes), !services.pipeline.knows(gateway: gateway) {
            services.pipeline.refuse(
                gateway: gateway, reason: .unknownGateway,
                detail: "a JSON frame of a gateway that is not enrolled or was revoked")
            return JSONResponse.error(
                .forbidden, "unknown_gateway", "gateway '\(gateway.prefix(128))' is not enrolled or was revoked")
        }
        switch await services.pipeline.ingest(bytes, json: json) {
        case .acknowledged(let ack, _, let duplicate):
            return JSONResponse.ok(
                API.IngestAcknowledgement(sequences: ack.sequences, hubTime: ack.hubTime, duplicate: duplicate))
        case .refused(let refusal):
            let status: HTTPResponse.Status =
                refusal.reason == .unknownGateway || refusal.reason == .revokedGateway ? .forbidden : .badRequest
            return JSONResponse.error(status, refusal.reason.rawValue, refusal.detail)
        case .failed:
            return JSONResponse.storeUnavailable("store the frame")  // the pipeline logged why
        }
    }

    private func stats() -> API.IngestStats {
        let values = services.pipeline.counters.snapshot
        var stats = API.IngestStats(
            framesApplied: values.framesApplied, duplicates: values.duplicates, readings: values.readings,
            commits: values.commits, storeFailures: values.storeFailures, refused: values.refused,
            ingestQueue: services.pipeline.queueDepth, liveClients: services.feed.clientCount)
        if let detection = services.detectionEngine {
            let counts = detection.counters
            stats.detection = .init(
                scored: counts.scored, late: counts.late, lateScored: counts.lateScored,
                lateAnomalous: counts.lateAnomalous, alertsOpened: counts.opened, alertsResolved: counts.resolved,
                alertWriteFailures: counts.failures, queue: detection.queueDepth)
        }
        if let notifier = services.notifier {
            let counts = notifier.counters
            stats.webhooks = .init(
                delivered: counts.delivered, failedAttempts: counts.failedAttempts, abandoned: counts.abandoned,
                dropped: counts.dropped, queue: notifier.queueDepth)
        }
        return stats
    }

    /// `GET /api/v1/refusals?limit=N&offset=N`: a page of refusal rows, newest first, and the
    /// offset of the next page when there is one.
    private func refusals(_ request: Request) async throws -> Response {
        let limit = try RequestInput.int(request, "limit", default: 100, 1...1000)
        let offset = try RequestInput.int(request, "offset", default: 0, 0...RefusalRecord.maxRows)
        let rows = try await services.store.refusals(limit: limit + 1, offset: offset)
        return JSONResponse.ok(
            API.RefusalPage(
                refusals: rows.prefix(limit).map(API.RefusalPage.Refusal.init),
                nextOffset: rows.count > limit ? offset + limit : nil))
    }

    /// Copies the hub's counts into the registry and renders it in Prometheus' text format.
    private func metrics() async -> Response {
        let metrics = services.metrics
        let values = services.pipeline.counters.snapshot
        metrics.counter("frames_applied", "Batch frames stored", value: values.framesApplied)
        metrics.counter(
            "frames_duplicate", "Batch frames received again and acknowledged without change", value: values.duplicates)
        metrics.counter("readings", "Readings stored", value: values.readings)
        metrics.counter("commits", "Group commits of the store", value: values.commits)
        metrics.counter("store_failures", "Store transactions that failed", value: values.storeFailures)
        for (reason, count) in values.refused {
            metrics.counter("frames_refused", "Frames refused, by reason", [("reason", reason)], value: count)
        }
        metrics.gauge(
            "ingest_queue", unit: "frames", "Frames waiting for their group commit",
            value: Double(services.pipeline.queueDepth))
        if let detection = services.detectionEngine {
            let counts = detection.counters
            metrics.counter("readings_scored", "Readings scored by the anomaly detectors", value: counts.scored)
            metrics.counter(
                "readings_late",
                "Readings more than an hour older than their series' newest, scored against its long-run normal",
                value: counts.late)
            metrics.counter(
                "readings_late_scored", "Late readings within the hour, scored against a copy of the detector",
                value: counts.lateScored)
            metrics.counter(
                "readings_late_anomalous", "Late readings found anomalous (never opening an alert)",
                value: counts.lateAnomalous)
            for (kind, count) in counts.opened {
                metrics.counter("alerts_opened", "Alerts opened, by kind", [("kind", kind)], value: count)
            }
            metrics.counter("alerts_resolved", "Alerts resolved", value: counts.resolved)
            metrics.gauge(
                "detection_queue", unit: "frames", "Frames waiting to be scored", value: Double(detection.queueDepth))
        }
        if let notifier = services.notifier {
            let counts = notifier.counters
            metrics.counter("webhooks_delivered", "Alert events delivered to webhooks", value: counts.delivered)
            metrics.counter("webhooks_failed_attempts", "Webhook attempts that failed", value: counts.failedAttempts)
            metrics.counter(
                "webhooks_abandoned", "Alert events given up after the last attempt", value: counts.abandoned)
            metrics.gauge(
                "webhook_queue", unit: "events", "Alert events waiting for delivery", value: Double(notifier.queueDepth)
            )
        }
        metrics.gauge("websocket_clients", "Connected WebSocket clients", value: Double(services.feed.clientCount))
        metrics.counter("websocket_messages", "Messages queued to WebSocket clients", value: services.feed.pushed)
        metrics.counter(
            "websocket_dropped", "Messages dropped because a WebSocket client was too slow",
            value: services.feed.dropped)
        if let bytes = try? await services.store.diskBytes() {
            metrics.gauge("store_size", unit: "bytes", "Bytes the store's data occupies", value: Double(bytes))
        }
        if let open = try? await services.store.alerts(in: [.firing, .acknowledged], limit: 1_000_000) {
            var byKind: [String: Int] = [:]
            for alert in open { byKind[alert.kind.rawValue, default: 0] += 1 }
            for kind in AlertKind.allCases {
                metrics.gauge(
                    "alerts_open", "Open alerts, by kind", [("kind", kind.rawValue)],
                    value: Double(byKind[kind.rawValue] ?? 0))
            }
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
    }

    /// `openapi.yaml`: installed beside the pages, or at the root of the source tree.
    private func openAPI() async throws -> Response {
        let paths = [services.web.assets + "/openapi.yaml", services.web.assets + "/../openapi.yaml"]
        let found = try? await BlockingWork.run { paths.lazy.compactMap({ try? FileIO.read($0) }).first }
        guard let bytes = found ?? nil else {
            throw APIError.notFound("the API document is not installed at \(paths[0])")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/yaml"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
