import Foundation
import Hummingbird
import OutpostSigning
import OutpostWire

/// Gateways: the fleet list (filter, sort, pages, counts by state), one gateway with its series
/// and latest values, its health over time; enrolment and revocation for admins.
struct FleetRoutes {
    let services: HubServices

    func register(on routes: HubRoutes) {
        routes.add(.get, "/api/v1/gateways", .role(.viewer)) { request, _ in try await list(request) }
        routes.add(.get, "/api/v1/gateways/{gateway}", .role(.viewer)) { _, context in
            let id = try RequestInput.path(context, "gateway")
            guard let overview = try await overviews().first(where: { $0.record.id == id }) else {
                throw APIError.notFound("no gateway '\(id)'")
            }
            return JSONResponse.ok(API.GatewayAnswer(gateway: API.Gateway(overview)))
        }
        routes.add(.get, "/api/v1/gateways/{gateway}/series", .role(.viewer)) { _, context in
            try await series(RequestInput.path(context, "gateway"))
        }
        routes.add(.get, "/api/v1/gateways/{gateway}/latest", .role(.viewer)) { _, context in
            try await latest(RequestInput.path(context, "gateway"))
        }
        routes.add(.get, "/api/v1/gateways/{gateway}/health", .role(.viewer)) { request, context in
            let id = try RequestInput.path(context, "gateway")
            let range = try RequestInput.range(request, now: services.clock(), defaultFrom: "now-24h")
            let points = try await services.store.health(gateway: id, in: range).map(API.GatewayHealth.Point.init)
            return JSONResponse.ok(
                API.GatewayHealth(gateway: id, from: range.lowerBound, to: range.upperBound, points: points))
        }
        routes.add(.post, "/api/v1/gateways", .role(.admin)) { request, context in try await enrol(request, context) }
        routes.add(.post, "/api/v1/gateways/{gateway}/revoke", .role(.admin)) { _, context in
            let id = try RequestInput.path(context, "gateway")
            guard try await services.store.revoke(gateway: id, at: services.clock()) else {
                throw APIError.notFound("no gateway '\(id)'")
            }
            try await services.registry?.reload(from: services.store)
            services.states?.changed(id, at: services.clock())
            await services.audit(context, "gateway.revoke", id, "")
            context.logger.notice(
                "gateway revoked", metadata: ["gateway": "\(id)", "by": "\(context.identity?.name ?? "?")"])
            return JSONResponse.ok(API.GatewayRevoked(revoked: id))
        }
    }

    private func overviews() async throws -> [GatewayOverview] {
        try await services.engine.fleet(now: services.clock())
    }

    /// `?state=online&q=text&sort=last_seen&order=desc&limit=100&offset=0`: a page of gateways,
    /// the total matched and the counts by state of the whole fleet.
    private func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let all = try await overviews()
        var counts: [String: Int] = ["total": all.count]
        for overview in all { counts[overview.state, default: 0] += 1 }
        var matched = all
        if let state = query.get("state"), !state.isEmpty { matched = matched.filter { $0.state == state } }
        if let text = query.get("q")?.lowercased(), !text.isEmpty {
            matched = matched.filter { $0.record.id.lowercased().contains(text) }
        }
        let sort = query.get("sort") ?? "id"
        let keys: [String: (GatewayOverview, GatewayOverview) -> Bool] = [
            "id": { $0.record.id < $1.record.id },
            "state": { ($0.state, $0.record.id) < ($1.state, $1.record.id) },
            "last_seen": { ($0.record.lastSeen ?? 0) < ($1.record.lastSeen ?? 0) },
            "backlog": { $0.record.backlogReadings < $1.record.backlogReadings },
            "open_alerts": { $0.openAlerts < $1.openAlerts },
            "clock_offset": { $0.record.clockOffset.magnitude < $1.record.clockOffset.magnitude },
        ]
        guard let order = keys[sort] else {
            throw APIError.badRequest("bad_sort", "sort= is one of \(keys.keys.sorted().joined(separator: ", "))")
        }
        matched.sort(by: order)
        if query.get("order") == "desc" { matched.reverse() }
        let limit = try RequestInput.int(request, "limit", default: 500, 1...5000)
        let offset = try RequestInput.int(request, "offset", default: 0, 0...Int.max)
        let page = matched.dropFirst(offset).prefix(limit)
        let more = offset + page.count < matched.count
        return JSONResponse.ok(
            API.GatewayPage(
                gateways: page.map(API.Gateway.init), total: matched.count, counts: counts, offset: offset,
                nextOffset: more ? offset + page.count : nil))
    }

    private func series(_ gateway: String) async throws -> Response {
        var latest: [String: LatestReading] = [:]
        for reading in try await services.engine.latest(gateway: gateway) { latest[reading.series.name] = reading }
        let list = try await services.store.series(gateway: gateway).map { record in
            API.GatewaySeriesList.Series(
                name: record.key.name, unit: record.unit, kind: record.kind.name,
                resolution: record.resolution?.description,
                latest: latest[record.key.name].map { .init(time: $0.timestamp, value: $0.value, good: $0.good) })
        }
        return JSONResponse.ok(API.GatewaySeriesList(gateway: gateway, series: list))
    }

    private func latest(_ gateway: String) async throws -> Response {
        let readings = try await services.engine.latest(gateway: gateway).map(API.LatestList.Reading.init)
        return JSONResponse.ok(API.LatestList(gateway: gateway, latest: readings))
    }

    /// `{"id": "...", "certificate": "PEM" | "public_key": "PEM", "latitude": 0, "longitude": 0}`:
    /// a certificate must chain to the fleet CA (`[hub] ca`) and name the gateway.
    private func enrol(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        let body = try await RequestInput.decode(API.Enrolment.self, from: request)
        let id = body.id
        guard BatchFrame.isValidGatewayID(id) else {
            throw APIError.badRequest("bad_gateway_id", "'\(id)' is not a gateway id: use 1-128 of A-Z a-z 0-9 . _ -")
        }
        let raw: [UInt8]
        if let certificate = body.certificate {
            guard let authority = services.certificates else {
                throw APIError.badRequest(
                    "no_fleet_ca", "this hub has no fleet CA ([hub] ca) to check certificates against; send public_key")
            }
            do {
                raw = try await authority.publicKey(of: certificate, gateway: id)
            } catch {
                throw APIError.badRequest("bad_certificate", "\(error)")
            }
        } else {
            guard let pem = body.publicKey else { throw APIError.badRequest("missing_field", "give \"public_key\"") }
            do {
                raw = try GatewayKeyVerifier.rawPublicKey(pem: pem)
            } catch {
                throw APIError.badRequest("bad_public_key", "public_key: \(error)")
            }
        }
        let (latitude, longitude) = (body.latitude, body.longitude)
        if let latitude, !(-90...90).contains(latitude) {
            throw APIError.badRequest("bad_field", "latitude is within -90...90")
        }
        if let longitude, !(-180...180).contains(longitude) {
            throw APIError.badRequest("bad_field", "longitude is within -180...180")
        }
        try await services.store.enrol(
            gateway: id, publicKey: raw, latitude: latitude, longitude: longitude, at: services.clock())
        try await services.registry?.reload(from: services.store)
        services.states?.changed(id, at: services.clock())
        await services.audit(
            context, "gateway.enrol", id, body.certificate != nil ? "with a certificate" : "with a key")
        context.logger.notice(
            "gateway enrolled", metadata: ["gateway": "\(id)", "by": "\(context.identity?.name ?? "?")"])
        return JSONResponse.make(.created, API.GatewayEnrolled(enrolled: id))
    }
}
